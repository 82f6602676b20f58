// The invoices area: Invoices (read side).
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { sql } from 'drizzle-orm';
import { defineArea } from '../graph/area';
import { invoiceResolvers } from './resolvers';
import { invoicesRules } from './rules';
import { invoices } from './tables';

export const invoicesArea = defineArea({
  name: 'invoices',
  resolvers: [invoiceResolvers],
  rules: invoicesRules,
  // Money: no mutation here accepts a card number or a security code anywhere in its input.
  refusesCardData: true,
  nodes: {
    Invoice: { table: invoices, portal: (viewer) => viewer.permissions.has('VIEW_INVOICES') },
  },
  // The ledger: invoices that are not drafts are kept, so they refuse the customer's deletion (its
  // drafts go with it), and anonymisation leaves every invoice as it was.
  children: [
    {
      recordType: 'Invoice',
      table: invoices,
      customer: invoices.customerId,
      onDelete: 'delete',
      refuseDeletion: {
        while: sql`${invoices.status} <> 'DRAFT'`,
        code: 'HAS_FINANCIAL_RECORDS',
        message: (n) =>
          `id: the customer has ${n} ${n === 1 ? 'invoice' : 'invoices'} that ${n === 1 ? 'is' : 'are'} not a draft; financial records are kept, so it cannot be deleted. Use anonymiseCustomer to remove its personal data instead.`,
      },
      trail: true,
    },
  ],
});
