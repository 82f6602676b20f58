// The branches area: Branches of a customer.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { anonymisedAddress, namedByCode } from '../db/record-children';
import { defineArea } from '../graph/area';
import { branchesResolvers } from './resolvers';
import { branchesRules } from './rules';
import { branches } from './tables';

export const branchesArea = defineArea({
  name: 'branches',
  resolvers: [branchesResolvers],
  rules: branchesRules,
  nodes: {
    Branch: { table: branches },
  },
  children: [
    {
      recordType: 'Branch',
      table: branches,
      customer: branches.customerId,
      onDelete: 'delete',
      anonymise: { set: { ...anonymisedAddress, name: namedByCode('Branch', branches.id), phone: null, email: null } },
      trail: true,
    },
  ],
});
