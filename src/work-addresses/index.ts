// The work-addresses area: Work addresses: the properties where work is done.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { workAddresses } from './tables';
import { workAddressesResolvers } from './resolvers';
import { workAddressesRules } from './rules';

export const workAddressesArea = defineArea({
  name: 'work-addresses',
  resolvers: [workAddressesResolvers],
  rules: workAddressesRules,
  nodes: {
    WorkAddress: { table: workAddresses },
  },
});
