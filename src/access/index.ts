// The access area: Who may see what: access grants on records and status groups.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { sql } from 'drizzle-orm';
import { REDACTED } from '../db/record-children';
import { defineArea } from '../graph/area';
import { grantResolvers } from './grant-resolvers';
import { accessRules } from './rules';
import { statusGroupResolvers } from './status-group-resolvers';
import { accessGrants, statusGroups } from './tables';
import { visibilityFor } from './visibility';

export const accessArea = defineArea({
  name: 'access',
  resolvers: [grantResolvers, statusGroupResolvers],
  rules: accessRules,
  nodes: {
    AccessGrant: { table: accessGrants },
    StatusGroup: { table: statusGroups },
  },
  // Who sees which leads and customers, for every request.
  visibility: visibilityFor,
  children: [
    {
      recordType: 'AccessGrant',
      table: accessGrants,
      customer: accessGrants.customerId,
      lead: accessGrants.leadId,
      onDelete: 'delete',
      // Access history is kept (who could see the record, when); the reason may name the person.
      // Grants still open are revoked by whoever anonymises.
      anonymise: {
        set: (by) => ({
          reason: REDACTED,
          revokedAt: sql`coalesce(${accessGrants.revokedAt}, clock_timestamp())`,
          revokedByUserId: sql`case when ${accessGrants.revokedAt} is null then ${by.userId}::uuid else ${accessGrants.revokedByUserId} end`,
        }),
      },
      trail: true,
    },
  ],
});
