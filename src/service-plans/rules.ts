// Who may do what with service plans: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers, managers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** The plans on offer are configuration: admins and managers. */
const definitionEditors = hasRole(managers);
/** Those who sell and those who serve put customers on plans (engineers sign them up on site). */
const assigners = hasRole(fieldWorkers);

export const servicePlansRules: AreaRules = {
  Query: { servicePlans: isUser, servicePlansExpiring: isUser },
  Mutation: {
    createServicePlan: definitionEditors,
    updateServicePlan: definitionEditors,
    assignServicePlan: assigners,
    updateCustomerServicePlan: assigners,
    cancelCustomerServicePlan: assigners,
  },
  // Every path to a plan is for users: Customer.servicePlans (the customer's rule first), the root
  // fields, the mutations, and node(), which refuses portal tokens these types (not declared
  // `portal`). Which held plans a user sees follows the customer (the visibility layer, through
  // `customer_id`). So the types need no rule per field.
  types: { ServicePlan: allow, ServicePlanMaterial: allow, CustomerServicePlan: allow },
  extend: { Customer: { servicePlans: isUser } },
};
