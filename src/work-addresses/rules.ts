// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import { allow, or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers, managers } from '../auth/roles';
import { hasRole, isPortalTokenWith, isUser } from '../auth/rules';

/** Those who change contacts and addresses change work addresses too; READ_ONLY and FINANCE do not. */
const writers = hasRole(fieldWorkers);
/** Users (visibility decides which customers), and portal tokens with VIEW_JOBS (their own customer's properties). */
const seesJobs = or(isUser, isPortalTokenWith('VIEW_JOBS'));

export const workAddressesRules: AreaRules = {
  Mutation: {
    createWorkAddress: writers,
    updateWorkAddress: writers,
    // Only a work address without history can go (the service refuses the rest), so its keepers may.
    deleteWorkAddress: writers,
  },
  extend: {
    // Which customers (and so which work addresses) a user sees is the data layer's business.
    Customer: { workAddresses: seesJobs },
  },
  types: {
    // Reached through the customer (whose visibility decides), a job or estimate, or node(); portal
    // tokens with VIEW_JOBS read their customer's (the landlord, another customer, stays null to them).
    // History is audit data: admins and managers, as for Customer.auditTrail (AuditEntry's own rule
    // would refuse anyone else's read of the entries' fields anyway).
    WorkAddress: { '*': seesJobs, history: hasRole(managers) },
    // Reached only through a WorkAddress, whose rule already applied.
    WorkAddressOccupier: allow,
  },
};
