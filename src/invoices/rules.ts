// Who may see invoices: merged into the one rule tree (src/auth/permissions.ts).
import { allow, or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { bookkeepers } from '../auth/roles';
import { hasRole, isPortalTokenWith, isUser } from '../auth/rules';

/** Invoices are written by those who keep the books. */
const keepsBooks = hasRole(bookkeepers);

/** Users who see the customer (visibility decides which), and portal tokens with VIEW_INVOICES. */
const seesInvoices = or(isUser, isPortalTokenWith('VIEW_INVOICES'));

export const invoicesRules: AreaRules = {
  Mutation: { createInvoice: keepsBooks, updateInvoice: keepsBooks, issueInvoice: keepsBooks, voidInvoice: keepsBooks, deleteInvoice: keepsBooks },
  extend: { Customer: { invoices: seesInvoices } },
  types: {
    Invoice: { '*': seesInvoices },
    InvoiceLine: { '*': seesInvoices },
    InvoicePayload: allow,
    DeleteInvoicePayload: allow,
  },
};
