// GraphQL resolvers for customer status security groups: the groups, their statuses and members, a
// user's groups, whether the viewer may set a status, and the admins' mutations over the service.
import DataLoader from 'dataloader';
import { and, asc, eq, sql } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import { listCustomerStatuses } from '../customers/service';
import { customerStatuses, type CustomerStatusRow } from '../customers/tables';
import type { Resolvers } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { viewerOf, type Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { inputId, payload } from '../graph/user-errors';
import { users, type UserRow } from '../tenancy/tables';
import { createStatusGroup, deleteStatusGroup, updateStatusGroup } from './status-group-service';
import { assignableStatusIds } from './status-groups';
import { statusGroups, statusGroupStatuses, userStatusGroups, type StatusGroupRow } from './tables';

const MAX_BATCH = 500;

/** What this request has already worked out, keyed by its context so that it dies with the request. */
type RequestState = {
  assignable?: Promise<'all' | Set<string>>;
  allStatuses?: Promise<CustomerStatusRow[]>;
  statusesByGroup?: DataLoader<string, CustomerStatusRow[]>;
  membersByGroup?: DataLoader<string, UserRow[]>;
  groupsByUser?: DataLoader<string, StatusGroupRow[]>;
};
const perRequest = new WeakMap<Context, RequestState>();

function stateOf(ctx: Context): RequestState {
  let state = perRequest.get(ctx);
  if (!state) perRequest.set(ctx, (state = {}));
  return state;
}

/** The statuses the viewer may set: worked out once per request, however many statuses ask. */
export function viewerAssignableStatusIds(ctx: Context): Promise<'all' | Set<string>> {
  const state = stateOf(ctx);
  if (!state.assignable) {
    const viewer = viewerOf(ctx);
    state.assignable =
      viewer.kind === 'user'
        ? assignableStatusIds(ctx.db, viewer.organisationId, viewer.userId, viewer.role === 'ADMIN')
        : Promise.resolve(new Set<string>());
  }
  return state.assignable;
}

/** The organisation's statuses in list order; with `assignableOnly`, only those the viewer may set. */
export async function customerStatusesFor(ctx: Context, assignableOnly: boolean | null | undefined): Promise<CustomerStatusRow[]> {
  const all = await allStatuses(ctx);
  if (!assignableOnly) return all;
  const assignable = await viewerAssignableStatusIds(ctx);
  return assignable === 'all' ? all : all.filter((s) => assignable.has(s.id));
}

function allStatuses(ctx: Context): Promise<CustomerStatusRow[]> {
  const state = stateOf(ctx);
  state.allStatuses ??= listCustomerStatuses(ctx.db, viewerOf(ctx).organisationId);
  return state.allStatuses;
}

function statusesByGroup(ctx: Context): DataLoader<string, CustomerStatusRow[]> {
  const state = stateOf(ctx);
  state.statusesByGroup ??= new DataLoader(
    async (groupIds) => {
      const rows = await ctx.db
        .select({ groupId: statusGroupStatuses.groupId, status: customerStatuses })
        .from(statusGroupStatuses)
        .innerJoin(customerStatuses, eq(customerStatuses.id, statusGroupStatuses.statusId))
        .where(and(sql`${statusGroupStatuses.groupId} = any(${uuidArray(groupIds)})`, eq(customerStatuses.organisationId, viewerOf(ctx).organisationId)))
        .orderBy(asc(customerStatuses.position), asc(customerStatuses.code));
      return groupIds.map((id) => rows.filter((r) => r.groupId === id).map((r) => r.status));
    },
    { maxBatchSize: MAX_BATCH },
  );
  return state.statusesByGroup;
}

function membersByGroup(ctx: Context): DataLoader<string, UserRow[]> {
  const state = stateOf(ctx);
  state.membersByGroup ??= new DataLoader(
    async (groupIds) => {
      const rows = await ctx.db
        .select({ groupId: userStatusGroups.groupId, user: users })
        .from(userStatusGroups)
        .innerJoin(users, eq(users.id, userStatusGroups.userId))
        .where(and(sql`${userStatusGroups.groupId} = any(${uuidArray(groupIds)})`, eq(users.organisationId, viewerOf(ctx).organisationId)))
        .orderBy(asc(users.name), asc(users.id));
      return groupIds.map((id) => rows.filter((r) => r.groupId === id).map((r) => r.user));
    },
    { maxBatchSize: MAX_BATCH },
  );
  return state.membersByGroup;
}

function groupsByUser(ctx: Context): DataLoader<string, StatusGroupRow[]> {
  const state = stateOf(ctx);
  state.groupsByUser ??= new DataLoader(
    async (userIds) => {
      const rows = await ctx.db
        .select({ userId: userStatusGroups.userId, group: statusGroups })
        .from(userStatusGroups)
        .innerJoin(statusGroups, eq(statusGroups.id, userStatusGroups.groupId))
        .where(and(sql`${userStatusGroups.userId} = any(${uuidArray(userIds)})`, eq(statusGroups.organisationId, viewerOf(ctx).organisationId)))
        .orderBy(asc(statusGroups.name));
      return userIds.map((id) => rows.filter((r) => r.userId === id).map((r) => r.group));
    },
    { maxBatchSize: MAX_BATCH },
  );
  return state.groupsByUser;
}

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
    createStatusGroup: (_p, { input }, ctx) => payload(() => createStatusGroup(ctx.db, actorOf(ctx), input), { statusGroup: null }),
    updateStatusGroup: (_p, { input }, ctx) =>
      payload(() => updateStatusGroup(ctx.db, actorOf(ctx), groupId(input.id), input), { statusGroup: null }),
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
