// Who may see invoices: merged into the one rule tree (src/auth/permissions.ts).
import { or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { isPortalTokenWith, isUser } from '../auth/rules';

/** Users who see the customer (visibility decides which), and portal tokens with VIEW_INVOICES. */
const seesInvoices = or(isUser, isPortalTokenWith('VIEW_INVOICES'));

export const invoicesRules: AreaRules = {
  extend: { Customer: { invoices: seesInvoices } },
  types: { Invoice: { '*': seesInvoices }, InvoiceLine: { '*': seesInvoices } },
};
