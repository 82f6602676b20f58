// GraphQL resolvers for portal tokens: thin, over the service and per-request loaders.
import { desc } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { tokenLive } from '../organisations/users-service';
import { createPortalToken, revokePortalToken } from './service';
import { portalTokens, type PortalTokenRow } from './tables';

/** The customer's portal tokens, newest first; one query for a whole page of customers. */
function portalTokensOf(ctx: Context, customerId: string): Promise<PortalTokenRow[]> {
  return ctx.loaders
    .allByParent(portalTokens, portalTokens.customerId, [desc(portalTokens.createdAt), desc(portalTokens.id)], 'customer.portalTokens')
    .load(customerId);
}

export const portalResolvers: Resolvers = {
  Mutation: {
    createPortalToken: (_p, { input }, ctx) =>
      keyedPayload(
        ctx,
        'createPortalToken',
        input,
        (db) => createPortalToken(db, actorOf(ctx), input),
        { portalToken: null, token: null },
        { secret: ['token'] },
      ),
    revokePortalToken: (_p, { input }, ctx) =>
      payload(() => revokePortalToken(ctx.db, actorOf(ctx), inputId(input.id, ['PortalToken'], ['input', 'id']).id, input.expectedVersion), {
        portalToken: null,
      }),
  },
  Customer: {
    portalTokens: (c, _a, ctx) => portalTokensOf(ctx, c.id),
  },
  PortalToken: {
    id: globalIdField('PortalToken'),
    customer: async (t, _a, ctx) => (await ctx.loaders.byId('Customer').load(t.customerId))!,
    createdBy: (t, _a, ctx) => (t.createdByUserId ? ctx.loaders.byId('User').load(t.createdByUserId) : null),
    active: (t) => tokenLive(t),
  },
};
