// The leads area: Leads and prospects, before they become customers.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { leads } from './tables';
import { leadResolvers } from './resolvers';

export const leadsArea = defineArea({
  name: 'leads',
  resolvers: [leadResolvers],
  nodes: {
    Lead: { table: leads },
  },
});
