// The access area: Who may see what: access grants on records and status groups.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { accessGrants, statusGroups } from './tables';
import { visibilityFor } from './visibility';
import { grantResolvers } from './grant-resolvers';
import { statusGroupResolvers } from './status-group-resolvers';

export const accessArea = defineArea({
  name: 'access',
  resolvers: [grantResolvers, statusGroupResolvers],
  nodes: {
    AccessGrant: { table: accessGrants },
    StatusGroup: { table: statusGroups },
  },
  // Who sees which leads and customers, for every request.
  visibility: visibilityFor,
});
