// The pipeline area: The sales pipeline: opportunities, quotes, sales orders, jobs and estimates.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { pipelineResolvers } from './resolvers';
import { pipelineRules } from './rules';
import { estimates, jobs, opportunities, quotes, salesOrders } from './tables';

export const pipelineArea = defineArea({
  name: 'pipeline',
  resolvers: [pipelineResolvers],
  rules: pipelineRules,
  nodes: {
    Opportunity: { table: opportunities },
    Quote: { table: quotes },
    SalesOrder: { table: salesOrders },
    // A portal token with VIEW_JOBS reads its customer's jobs and estimates (visibility keeps it to them).
    Job: { table: jobs, portal: (viewer) => viewer.permissions.has('VIEW_JOBS') },
    Estimate: { table: estimates, portal: (viewer) => viewer.permissions.has('VIEW_JOBS') },
  },
  // Kept as they are by anonymisation: what was sold and done, nothing about the person.
  children: [
    { recordType: 'Opportunity', table: opportunities, customer: opportunities.customerId, lead: opportunities.leadId, onDelete: 'delete', trail: true },
    { recordType: 'Quote', table: quotes, customer: quotes.customerId, lead: quotes.leadId, onDelete: 'delete', trail: true },
    { recordType: 'SalesOrder', table: salesOrders, customer: salesOrders.customerId, onDelete: 'delete', trail: true },
    { recordType: 'Job', table: jobs, customer: jobs.customerId, onDelete: 'delete', trail: true },
    { recordType: 'Estimate', table: estimates, customer: estimates.customerId, onDelete: 'delete', trail: true },
  ],
});
