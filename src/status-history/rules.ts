// Who may read status history and keep the transition rules: merged into the one rule tree
// (src/auth/permissions.ts). Whoever sees a customer or lead sees its status history (it says no more
// than its status and audit-free facts: who changed it, when, the note); portal tokens do not. Which
// statuses a viewer may move a record to is worked out per viewer (allowedTransitions).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

export const statusHistoryRules: AreaRules = {
  Query: { customerStatusTransitionRules: isUser, leadStatusTransitionRules: isUser },
  Mutation: {
    createCustomerStatusTransitionRule: hasRole(admins),
    createLeadStatusTransitionRule: hasRole(admins),
    deleteStatusTransitionRule: hasRole(admins),
  },
  extend: {
    Customer: { statusHistory: isUser, allowedTransitions: isUser },
    Lead: { statusHistory: isUser, allowedTransitions: isUser },
  },
  types: {
    // Reached only through statusHistory (users): no rule per field of a long list.
    CustomerStatusChange: allow,
    LeadStatusChange: allow,
    CustomerStatusTransitionRule: isUser,
    LeadStatusTransitionRule: isUser,
  },
};
