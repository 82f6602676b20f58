// GraphQL resolvers for the viewer, users and the organisation.
import type { Resolvers } from '../generated/graphql';
import { viewerOf } from '../graph/context';
import { globalIdField } from '../graph/fields';

export const organisationResolvers: Resolvers = {
  Query: {
    viewer: (_p, _a, ctx) => viewerOf(ctx),
  },
  Viewer: {
    user: (v) => v.user,
    organisation: (v) => v.organisation,
    portalToken: (v) => v.portal,
  },
  User: { id: globalIdField('User') },
  Organisation: { id: globalIdField('Organisation') },
};
