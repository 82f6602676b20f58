// The addresses area: Postal addresses of a customer or lead.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { anonymisedAddress } from '../db/record-children';
import { defineArea } from '../graph/area';
import { addressResolvers } from './resolvers';
import { addressesRules } from './rules';
import { addresses } from './tables';

export const addressesArea = defineArea({
  name: 'addresses',
  resolvers: [addressResolvers],
  rules: addressesRules,
  nodes: {
    Address: { table: addresses, portal: true },
  },
  // Under a customer or a lead. A merge keeps one default address per type (src/customers/merge.ts).
  children: [
    {
      recordType: 'Address',
      table: addresses,
      customer: addresses.customerId,
      lead: addresses.leadId,
      onDelete: 'delete',
      anonymise: { set: anonymisedAddress },
      trail: true,
    },
  ],
});
