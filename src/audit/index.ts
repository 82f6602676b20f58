// The audit area: The audit trail and the customer read log.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { readLogPlugin } from './read-log-plugin';
import { auditResolvers } from './resolvers';
import { auditRules } from './rules';
import { auditDeletedRows } from './tables';

export const auditArea = defineArea({
  name: 'audit',
  resolvers: [auditResolvers],
  rules: auditRules,
  // Writes the customer read log once per request, before the response leaves.
  plugins: [readLogPlugin],
  // The links that keep a deleted row's history in its customer's or lead's trail.
  children: [
    {
      recordType: 'DeletedRowHistory',
      table: auditDeletedRows,
      customer: auditDeletedRows.customerId,
      lead: auditDeletedRows.leadId,
      onDelete: 'delete',
      trail: true,
    },
  ],
});
