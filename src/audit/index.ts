// The audit area: The audit trail and the customer read log.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { readLogPlugin } from './read-log-plugin';
import { auditResolvers } from './resolvers';
import { auditRules } from './rules';

export const auditArea = defineArea({
  name: 'audit',
  resolvers: [auditResolvers],
  rules: auditRules,
  // Writes the customer read log once per request, before the response leaves.
  plugins: [readLogPlugin],
});
