// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers, managers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** Those who change contacts and addresses change work addresses too; READ_ONLY and FINANCE do not. */
const writers = hasRole(fieldWorkers);

export const workAddressesRules: AreaRules = {
  Mutation: {
    createWorkAddress: writers,
    updateWorkAddress: writers,
  },
  extend: {
    // Which customers (and so which work addresses) a user sees is the data layer's business.
    Customer: { workAddresses: isUser },
  },
  types: {
    // Reached through the customer (whose visibility decides) or node(); portal tokens: see VIEW_JOBS later.
    // History is audit data: admins and managers, as for Customer.auditTrail (AuditEntry's own rule
    // would refuse anyone else's read of the entries' fields anyway).
    WorkAddress: { '*': isUser, history: hasRole(managers) },
    // Reached only through a WorkAddress, whose rule already applied.
    WorkAddressOccupier: allow,
  },
};
