// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** Those who change contacts and addresses change branches too; READ_ONLY and FINANCE do not. */
const writers = hasRole(fieldWorkers);

export const branchesRules: AreaRules = {
  Mutation: {
    createBranch: writers,
    updateBranch: writers,
    deleteBranch: writers,
    mergeBranches: writers,
  },
  extend: {
    // Which customers (and so which branches) a user sees is the data layer's business.
    Customer: { branches: isUser },
  },
  types: {
    // Reached through the customer (whose visibility decides) or node(); portal tokens: see VIEW_JOBS later.
    Branch: { '*': isUser },
  },
};
