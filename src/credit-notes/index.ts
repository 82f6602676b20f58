// The credit-notes area: credit notes on customers and against invoices.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { creditNotesResolvers } from './resolvers';
import { creditNotesRules } from './rules';
import { creditNotes } from './tables';

export const creditNotesArea = defineArea({
  name: 'credit-notes',
  resolvers: [creditNotesResolvers],
  rules: creditNotesRules,
  // Money: no mutation here accepts a card number or a security code anywhere in its input.
  refusesCardData: true,
  nodes: { CreditNote: { table: creditNotes } },
  // The ledger: credit notes move with a merge, refuse the customer's deletion (kept like invoices),
  // and anonymisation leaves them as they were.
  children: [
    {
      recordType: 'CreditNote',
      table: creditNotes,
      customer: creditNotes.customerId,
      onDelete: 'delete',
      refuseDeletion: {
        code: 'HAS_FINANCIAL_RECORDS',
        message: (n) =>
          `id: the customer has ${n} ${n === 1 ? 'credit note' : 'credit notes'}; financial records are kept, so it cannot be deleted. Use anonymiseCustomer to remove its personal data instead.`,
      },
      trail: true,
    },
  ],
});
