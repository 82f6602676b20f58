// The addresses area: Postal addresses of a customer or lead.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { addresses } from './tables';
import { addressResolvers } from './resolvers';
import { addressesRules } from './rules';

export const addressesArea = defineArea({
  name: 'addresses',
  resolvers: [addressResolvers],
  rules: addressesRules,
  nodes: {
    Address: { table: addresses, portal: true },
  },
});
