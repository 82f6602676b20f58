// GraphQL for delegated access: grant, revoke, and each record's access view.
import { desc } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { AccessGrantState, Resolvers } from '../generated/graphql';
import { type Context } from '../graph/context';
import { forbidden } from '../graph/errors';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { payload } from '../graph/user-errors';
import { grantRecordAccess, grantState, grantsInStates, mayViewGrants, revokeRecordAccess, type Grantor } from './grants';
import { accessGrants } from './tables';

function grantorOf(ctx: Context): Grantor {
  const actor = actorOf(ctx);
  // The rule tree admits only users to these fields; this guards the type.
  if (actor.kind !== 'user') throw forbidden('A portal token may not manage access.');
  return actor;
}

/**
 * A record's access view, newest first: one statement for all the customers (or leads) of a page. The
 * viewer's right to see it is checked first, so a refused viewer reads nothing.
 */
async function accessView(
  ctx: Context,
  record: { kind: 'customer' | 'lead'; id: string; ownerId: string | null },
  states: readonly AccessGrantState[] | null | undefined,
) {
  mayViewGrants(grantorOf(ctx), record);
  const column = record.kind === 'customer' ? accessGrants.customerId : accessGrants.leadId;
  const grants = await ctx.loaders
    .allByParent(accessGrants, column, [desc(accessGrants.createdAt), desc(accessGrants.id)], `${record.kind}.accessGrants`)
    .load(record.id);
  return grantsInStates(grants, states);
}

export const grantResolvers: Resolvers = {
  Mutation: {
    grantRecordAccess: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'grantRecordAccess', input, (db) => grantRecordAccess(db, grantorOf(ctx), input), { accessGrant: null }),
    revokeRecordAccess: (_p, { input }, ctx) =>
      payload(() => revokeRecordAccess(ctx.db, grantorOf(ctx), input.id, input.expectedVersion), { accessGrant: null }),
  },
  Customer: {
    accessGrants: (c, { states }, ctx) => accessView(ctx, { kind: 'customer', id: c.id, ownerId: c.ownerId }, states),
  },
  Lead: {
    accessGrants: (l, { states }, ctx) => accessView(ctx, { kind: 'lead', id: l.id, ownerId: l.ownerId }, states),
  },
  AccessRecord: {
    __resolveType: (record) => ('stage' in record ? 'Customer' : 'Lead'),
  },
  AccessGrant: {
    id: globalIdField('AccessGrant'),
    grantee: (g, _a, ctx) => ctx.loaders.byId('User').load(g.granteeUserId),
    record: (g, _a, ctx) => (g.customerId ? ctx.loaders.byId('Customer').load(g.customerId) : ctx.loaders.byId('Lead').load(g.leadId!)),
    grantedBy: (g, _a, ctx) => (g.grantedByUserId ? ctx.loaders.byId('User').load(g.grantedByUserId) : null),
    grantedAt: (g) => g.createdAt,
    revokedBy: (g, _a, ctx) => (g.revokedByUserId ? ctx.loaders.byId('User').load(g.revokedByUserId) : null),
    state: (g) => grantState(g),
  },
};
