// The invoice-addresses area: alternative recipients of a customer's invoices (a landlord, an
// insurer), the organisation's invoice address format, and who an invoice is addressed to.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { anonymisedAddress, namedByCode } from '../db/record-children';
import { defineArea } from '../graph/area';
import { invoiceAddressesResolvers } from './resolvers';
import { invoiceAddressesRules } from './rules';
import { invoiceAddresses } from './tables';

/** Nothing about the recipient is left: a landlord's or an insurer's name and address are personal data too. */
const anonymised = {
  ...anonymisedAddress,
  name: namedByCode('Invoice address', invoiceAddresses.id),
  email: null,
  reference: null,
};

export const invoiceAddressesArea = defineArea({
  name: 'invoice-addresses',
  resolvers: [invoiceAddressesResolvers],
  rules: invoiceAddressesRules,
  nodes: {
    InvoiceAddress: { table: invoiceAddresses, portal: (viewer) => viewer.permissions.has('VIEW_INVOICES') },
  },
  children: [
    {
      recordType: 'InvoiceAddress',
      table: invoiceAddresses,
      customer: invoiceAddresses.customerId,
      onDelete: 'delete',
      anonymise: { set: anonymised },
      trail: true,
    },
    // Made for a landlord, another customer: merged along with it; detached (the copy stays the
    // tenant's) when it is deleted; and, as the copy holds the landlord's own name and address,
    // overwritten when the landlord is anonymised.
    {
      recordType: 'InvoiceAddress (as landlord)',
      entityType: 'InvoiceAddress',
      table: invoiceAddresses,
      customer: invoiceAddresses.landlordCustomerId,
      onDelete: { detach: 'detachedLandlordOfInvoiceAddressIds' },
      anonymise: { set: anonymised },
      trail: false,
    },
  ],
});
