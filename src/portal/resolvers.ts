// GraphQL resolvers for portal tokens: thin, over the service and per-request loaders.
import DataLoader from 'dataloader';
import { actorOf } from '../audit/actor';
import { customers } from '../customers/tables';
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import type { Loaders } from '../graph/loaders';
import { inputId, payload } from '../graph/user-errors';
import { users } from '../organisations/tables';
import { tokenLive } from '../organisations/users-service';
import { createPortalToken, portalTokensOfCustomers, revokePortalToken } from './service';
import type { PortalTokenRow } from './tables';

// One loader per request (keyed by the request's Loaders): a page of customers costs one query.
const tokenLoaders = new WeakMap<Loaders, DataLoader<string, PortalTokenRow[]>>();

function portalTokensOf(ctx: Context, customerId: string): Promise<PortalTokenRow[]> {
  let loader = tokenLoaders.get(ctx.loaders);
  if (!loader) {
    const organisationId = viewerOf(ctx).organisationId;
    loader = new DataLoader((ids) => portalTokensOfCustomers(ctx.db, organisationId, ids), { maxBatchSize: 500 });
    tokenLoaders.set(ctx.loaders, loader);
  }
  return loader.load(customerId);
}

export const portalResolvers: Resolvers = {
  Mutation: {
    createPortalToken: (_p, { input }, ctx) =>
      payload(() => createPortalToken(ctx.db, actorOf(ctx), input), { portalToken: null, token: null }),
    revokePortalToken: (_p, { input }, ctx) =>
      payload(() => revokePortalToken(ctx.db, actorOf(ctx), inputId(input.id, ['PortalToken'], ['input', 'id']).id), { portalToken: null }),
  },
  Customer: {
    portalTokens: (c, _a, ctx) => portalTokensOf(ctx, c.id),
  },
  PortalToken: {
    id: globalIdField('PortalToken'),
    customer: async (t, _a, ctx) => (await ctx.loaders.byId(customers, 'Customer').load(t.customerId))!,
    createdBy: (t, _a, ctx) => (t.createdByUserId ? ctx.loaders.byId(users, 'User').load(t.createdByUserId) : null),
    active: (t) => tokenLive(t),
  },
};
