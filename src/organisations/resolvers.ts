// GraphQL resolvers for the viewer, users, their API tokens and the organisation.
import { desc } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { forbidden } from '../graph/errors';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { apiTokens, type ApiTokenRow } from '../tenancy/tables';
import { createApiToken, createUser, listUsers, revokeApiToken, tokenLive, updateUser, type TokenIssuer } from './users-service';

/** The user's API tokens, newest first; one query for a whole page of users. */
function apiTokensOf(ctx: Context, userId: string): Promise<ApiTokenRow[]> {
  return ctx.loaders.allByParent(apiTokens, apiTokens.userId, [desc(apiTokens.createdAt), desc(apiTokens.id)], 'user.apiTokens').load(userId);
}

/** The viewer as someone asking for tokens; the rule tree lets only users reach these mutations. */
function issuerOf(ctx: Context): TokenIssuer {
  const viewer = viewerOf(ctx);
  if (viewer.kind !== 'user') throw forbidden('A portal token may not do this.');
  return { userId: viewer.userId, isAdmin: viewer.role === 'ADMIN' };
}

/** Refuses a user's API tokens to anyone but that user and admins. */
function mayReadTokensOf(ctx: Context, userId: string): void {
  const viewer = viewerOf(ctx);
  if (viewer.kind !== 'user' || (viewer.role !== 'ADMIN' && viewer.userId !== userId)) {
    throw forbidden("Only admins, and the user themself, may see a user's API tokens.");
  }
}

export const organisationResolvers: Resolvers = {
  Query: {
    viewer: (_p, _a, ctx) => viewerOf(ctx),
    // The generated UserConnection type has a plain `totalCount`; ours is resolved lazily.
    users: (_p, args, ctx) => listUsers(ctx.db, viewerOf(ctx).organisationId, args, ctx.config.maxPageSize),
  },
  Mutation: {
    createUser: (_p, { input }, ctx) => keyedPayload(ctx, 'createUser', input, (db) => createUser(db, actorOf(ctx), input), { user: null }),
    updateUser: (_p, { input }, ctx) => payload(() => updateUser(ctx.db, actorOf(ctx), inputId(input.id, ['User'], ['input', 'id']).id, input), { user: null }),
    createApiToken: (_p, { input }, ctx) =>
      keyedPayload(
        ctx,
        'createApiToken',
        input,
        (db) => createApiToken(db, actorOf(ctx), issuerOf(ctx), input),
        { apiToken: null, token: null },
        { secret: ['token'] },
      ),
    revokeApiToken: (_p, { input }, ctx) =>
      payload(() => revokeApiToken(ctx.db, actorOf(ctx), issuerOf(ctx), inputId(input.id, ['ApiToken'], ['input', 'id']).id, input.expectedVersion), {
        apiToken: null,
      }),
  },
  Viewer: {
    user: (v) => v.user,
    organisation: (v) => v.organisation,
    portalToken: (v, _a, ctx) => (v.portal ? ctx.loaders.byId('PortalToken').load(v.portal.id) : null),
  },
  User: {
    id: globalIdField('User'),
    active: (u) => u.deactivatedAt == null,
    createdAt: (u) => u.createdAt,
    apiTokens: (u, _a, ctx) => {
      mayReadTokensOf(ctx, u.id);
      return apiTokensOf(ctx, u.id);
    },
  },
  // A token is also reachable by `node(id:)`: its fields are for its user and admins only.
  ApiToken: {
    id: globalIdField('ApiToken'),
    name: (t, _a, ctx) => (mayReadTokensOf(ctx, t.userId), t.name),
    createdAt: (t, _a, ctx) => (mayReadTokensOf(ctx, t.userId), t.createdAt),
    expiresAt: (t, _a, ctx) => (mayReadTokensOf(ctx, t.userId), t.expiresAt),
    revokedAt: (t, _a, ctx) => (mayReadTokensOf(ctx, t.userId), t.revokedAt),
    user: async (t, _a, ctx) => (mayReadTokensOf(ctx, t.userId), (await ctx.loaders.byId('User').load(t.userId))!),
    active: async (t, _a, ctx) => {
      mayReadTokensOf(ctx, t.userId);
      if (!tokenLive(t)) return false;
      const user = await ctx.loaders.byId('User').load(t.userId);
      return user != null && user.deactivatedAt == null;
    },
  },
  Organisation: { id: globalIdField('Organisation') },
};
