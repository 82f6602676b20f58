// The work-addresses area: Work addresses: the properties where work is done.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { anonymisedAddress } from '../db/record-children';
import { defineArea } from '../graph/area';
import { workAddressesResolvers } from './resolvers';
import { workAddressesRules } from './rules';
import { workAddresses } from './tables';

export const workAddressesArea = defineArea({
  name: 'work-addresses',
  resolvers: [workAddressesResolvers],
  rules: workAddressesRules,
  nodes: {
    // A portal token with VIEW_JOBS reads its customer's properties (visibility keeps it to them).
    WorkAddress: { table: workAddresses, portal: (viewer) => viewer.permissions.has('VIEW_JOBS') },
  },
  children: [
    {
      recordType: 'WorkAddress',
      table: workAddresses,
      customer: workAddresses.customerId,
      onDelete: 'delete',
      anonymise: {
        set: {
          ...anonymisedAddress,
          occupierTitle: null,
          occupierFirstName: null,
          occupierSurname: 'Occupier',
          occupierEmail: null,
          occupierPhone: null,
          preferences: null,
        },
      },
      trail: true,
    },
    // The landlord of a property is another customer: merged along, detached (with the flag that
    // made it the invoice address) when that customer is deleted, untouched by its anonymisation.
    {
      recordType: 'WorkAddress (as landlord)',
      entityType: 'WorkAddress',
      table: workAddresses,
      customer: workAddresses.landlordCustomerId,
      onDelete: { detach: 'detachedLandlordOfWorkAddressIds', alsoSet: { landlordIsInvoiceAddress: false } },
      trail: false,
    },
  ],
});
