// GraphQL resolvers for customer status security groups: the groups, their statuses and members, a
// user's groups, whether the viewer may set a status, and the admins' mutations over the service.
import { asc, eq } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import { listCustomerStatuses } from '../customers/service';
import { customerStatuses, type CustomerStatusRow } from '../customers/tables';
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { users } from '../tenancy/tables';
import { createStatusGroup, deleteStatusGroup, updateStatusGroup } from './status-group-service';
import { assignableStatusIds } from './status-groups';
import { statusGroups, statusGroupStatuses, userStatusGroups } from './tables';

/** The statuses the viewer may set: worked out once per request, however many statuses ask. */
export function viewerAssignableStatusIds(ctx: Context): Promise<'all' | Set<string>> {
  return ctx.loaders.once('viewer.assignableStatusIds', () => {
    const viewer = viewerOf(ctx);
    return viewer.kind === 'user'
      ? assignableStatusIds(ctx.db, viewer.organisationId, viewer.userId, viewer.role === 'ADMIN')
      : Promise.resolve(new Set<string>());
  });
}

/** The organisation's statuses in list order; with `assignableOnly`, only those the viewer may set. */
export async function customerStatusesFor(ctx: Context, assignableOnly: boolean | null | undefined): Promise<CustomerStatusRow[]> {
  const all = await allStatuses(ctx);
  if (!assignableOnly) return all;
  const assignable = await viewerAssignableStatusIds(ctx);
  return assignable === 'all' ? all : all.filter((s) => assignable.has(s.id));
}

function allStatuses(ctx: Context): Promise<CustomerStatusRow[]> {
  return ctx.loaders.once('organisation.customerStatuses', () => listCustomerStatuses(ctx.db, viewerOf(ctx).organisationId));
}

const statusesByGroup = (ctx: Context) =>
  ctx.loaders.allThroughLink({
    table: customerStatuses,
    link: statusGroupStatuses,
    linkParent: statusGroupStatuses.groupId,
    linkTarget: statusGroupStatuses.statusId,
    orderBy: [asc(customerStatuses.position), asc(customerStatuses.code)],
    name: 'statusGroup.statuses',
  });

const membersByGroup = (ctx: Context) =>
  ctx.loaders.allThroughLink({
    table: users,
    link: userStatusGroups,
    linkParent: userStatusGroups.groupId,
    linkTarget: userStatusGroups.userId,
    orderBy: [asc(users.name), asc(users.id)],
    name: 'statusGroup.members',
  });

const groupsByUser = (ctx: Context) =>
  ctx.loaders.allThroughLink({
    table: statusGroups,
    link: userStatusGroups,
    linkParent: userStatusGroups.userId,
    linkTarget: userStatusGroups.groupId,
    orderBy: [asc(statusGroups.name)],
    name: 'user.statusGroups',
  });

const groupId = (id: string) => inputId(id, ['StatusGroup'], ['input', 'id']).id;

export const statusGroupResolvers: Resolvers = {
  Query: {
    statusGroups: (_p, _a, ctx) =>
      ctx.db
        .select()
        .from(statusGroups)
        .where(eq(statusGroups.organisationId, viewerOf(ctx).organisationId))
        .orderBy(asc(statusGroups.name)),
  },
  Mutation: {
    createStatusGroup: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createStatusGroup', input, (db) => createStatusGroup(db, actorOf(ctx), input), { statusGroup: null }),
    updateStatusGroup: (_p, { input }, ctx) => payload(() => updateStatusGroup(ctx.db, actorOf(ctx), groupId(input.id), input), { statusGroup: null }),
    deleteStatusGroup: async (_p, { input }, ctx) => {
      const result = await payload(() => deleteStatusGroup(ctx.db, actorOf(ctx), groupId(input.id), input), { statusGroup: null });
      return { ...result, statusGroup: null };
    },
  },
  StatusGroup: {
    id: globalIdField('StatusGroup'),
    // The system group stands for every status, including ones added after it was made.
    statuses: (g, _a, ctx) => (g.isSystem ? allStatuses(ctx) : statusesByGroup(ctx).load(g.id)),
    members: (g, _a, ctx) => membersByGroup(ctx).load(g.id),
  },
  User: {
    statusGroups: (u, _a, ctx) => groupsByUser(ctx).load(u.id),
  },
  CustomerStatus: {
    assignable: async (s, _a, ctx) => {
      const assignable = await viewerAssignableStatusIds(ctx);
      return assignable === 'all' || assignable.has(s.id);
    },
  },
};
