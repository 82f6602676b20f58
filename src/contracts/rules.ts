// Who may do what with contracts: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { sellers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** A contract is a commercial agreement (pricing terms, an SLA promised): those who sell. */
const contractWriters = hasRole(sellers);

export const contractsRules: AreaRules = {
  Query: { contractsDueForRenewal: isUser },
  Mutation: { createContract: contractWriters, updateContract: contractWriters, renewContract: contractWriters, cancelContract: contractWriters },
  // Every path to a contract is for users: Customer.contracts (the customer's rule first), the root
  // field, the mutations, and node(), which refuses portal tokens the type (not declared `portal`).
  // Which contracts a user sees follows the customer (the visibility layer, through `customer_id`).
  types: { Contract: allow },
  extend: { Customer: { contracts: isUser } },
};
