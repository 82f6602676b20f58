// The pipeline area: The sales pipeline: opportunities, quotes, sales orders, jobs and estimates.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { estimates, jobs, opportunities, quotes, salesOrders } from './tables';
import { pipelineResolvers } from './resolvers';
import { pipelineRules } from './rules';

export const pipelineArea = defineArea({
  name: 'pipeline',
  resolvers: [pipelineResolvers],
  rules: pipelineRules,
  nodes: {
    Opportunity: { table: opportunities },
    Quote: { table: quotes },
    SalesOrder: { table: salesOrders },
    Job: { table: jobs },
    Estimate: { table: estimates },
  },
});
