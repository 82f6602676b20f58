// The contracts area: the contracts customers hold, their renewals, and the SLA each may grant.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { contractsResolvers } from './resolvers';
import { contractsRules } from './rules';
import { contracts } from './tables';

export const contractsArea = defineArea({
  name: 'contracts',
  resolvers: [contractsResolvers],
  rules: contractsRules,
  nodes: { Contract: { table: contracts } },
  // Contracts sit under their customer: they move with a merge and are deleted with the customer.
  // Their pricing terms are commercial, not personal: anonymising the customer keeps them.
  children: [{ recordType: 'Contract', table: contracts, customer: contracts.customerId, onDelete: 'delete', trail: true }],
});
