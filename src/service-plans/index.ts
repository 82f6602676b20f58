// The service-plans area: the organisation's plan definitions and the plans customers hold.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { servicePlansResolvers } from './resolvers';
import { servicePlansRules } from './rules';
import { customerServicePlans, servicePlans } from './tables';

export const servicePlansArea = defineArea({
  name: 'service-plans',
  resolvers: [servicePlansResolvers],
  rules: servicePlansRules,
  nodes: {
    ServicePlan: { table: servicePlans },
    CustomerServicePlan: { table: customerServicePlans },
  },
  // Held plans sit under their customer: they move with a merge (with the work addresses they cover,
  // which move too) and are deleted with the customer; nothing in them is personal.
  children: [{ recordType: 'CustomerServicePlan', table: customerServicePlans, customer: customerServicePlans.customerId, onDelete: 'delete', trail: true }],
});
