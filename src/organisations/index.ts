// The organisations area: The organisation, its users and their API tokens.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { viewerOf } from '../graph/context';
import { apiTokens, users } from '../tenancy/tables';
import { organisationResolvers } from './resolvers';
import { organisationsRules } from './rules';

export const organisationsArea = defineArea({
  name: 'organisations',
  resolvers: [organisationResolvers],
  rules: organisationsRules,
  nodes: {
    // The caller's own organisation, from the token; no other is ever visible.
    Organisation: {
      load: async (ctx, id) => (id === viewerOf(ctx).organisationId ? viewerOf(ctx).organisation : null),
      portal: true,
    },
    User: { table: users },
    ApiToken: { table: apiTokens },
  },
});
