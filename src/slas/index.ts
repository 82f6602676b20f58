// The SLAs area: SLA definitions, the SLA a customer holds of its own, job deadlines and breaches.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts. The job columns
// (priority, deadlines, responded/resolved times) live on `jobs` (src/pipeline/tables.ts); the
// deadlines are set when jobs are written (src/pipeline/jobs.ts `insertJobs`, for createJob and
// authorised reminders alike) through `applicableSlas` and `slaDeadlines` (deadlines.ts).
import { defineArea } from '../graph/area';
import { slasResolvers } from './resolvers';
import { slasRules } from './rules';
import { customerSlas, slas } from './tables';

export const slasArea = defineArea({
  name: 'slas',
  resolvers: [slasResolvers],
  rules: slasRules,
  nodes: { Sla: { table: slas } },
  // A customer's own SLA moves with a merge (the newest then applies) and goes with a deletion.
  children: [{ recordType: 'CustomerSla', entityType: 'Customer', table: customerSlas, customer: customerSlas.customerId, onDelete: 'delete', trail: false }],
});
