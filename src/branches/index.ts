// The branches area: Branches of a customer.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { branches } from './tables';
import { branchesResolvers } from './resolvers';
import { branchesRules } from './rules';

export const branchesArea = defineArea({
  name: 'branches',
  resolvers: [branchesResolvers],
  rules: branchesRules,
  nodes: {
    Branch: { table: branches },
  },
});
