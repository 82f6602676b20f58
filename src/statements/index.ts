// The statements area: customers' statements as of a date, and the PDFs of statements, invoices and
// credit notes (GET /pdf/…). It owns no tables.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { statementsRouter } from './http';
import { statementsResolvers } from './resolvers';
import { statementsRules } from './rules';

export const statementsArea = defineArea({
  name: 'statements',
  resolvers: [statementsResolvers],
  rules: statementsRules,
  routes: { paths: ['/pdf'], router: statementsRouter },
});
