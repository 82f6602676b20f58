// Who may see and write invoice addresses: merged into the one rule tree (src/auth/permissions.ts).
import { allow, or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins, bookkeepers } from '../auth/roles';
import { hasRole, isPortalTokenWith, isUser } from '../auth/rules';

/** Invoice addresses are kept by those who keep the books, as the invoices they address. */
const keepsBooks = hasRole(bookkeepers);

/** As invoices: users who see the customer (visibility decides which), and portal tokens with VIEW_INVOICES. */
const seesInvoices = or(isUser, isPortalTokenWith('VIEW_INVOICES'));

export const invoiceAddressesRules: AreaRules = {
  Mutation: {
    createInvoiceAddress: keepsBooks,
    updateInvoiceAddress: keepsBooks,
    deleteInvoiceAddress: keepsBooks,
    // An organisation setting.
    setInvoiceAddressFormat: hasRole(admins),
  },
  extend: {
    Customer: { invoiceAddresses: isUser },
    Invoice: { invoiceAddress: seesInvoices, addressedTo: seesInvoices },
    // The format is no secret, but it is the organisation's working detail: users, not portal tokens.
    Organisation: { invoiceAddressFormat: isUser, invoiceAddressFormatIsDefault: isUser, invoiceAddressTags: isUser },
  },
  types: {
    // Reached through the customer or an invoice (whose visibility decides) or node(). The landlord is
    // another customer: users only (its loader hides it from whoever may not see that customer).
    InvoiceAddress: { '*': seesInvoices, landlord: isUser },
    InvoiceAddressTag: allow,
  },
};
