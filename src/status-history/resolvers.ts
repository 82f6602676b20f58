// GraphQL resolvers for status history (Customer.statusHistory, Lead.statusHistory), the statuses a
// viewer may move a record to (allowedTransitions), and the organisation's transition rules.
import { customerStatusesFor, viewerAssignableStatusIds } from '../access/status-group-resolvers';
import { actorOf } from '../audit/actor';
import { customerEditors, inRoleSet, sellers } from '../auth/roles';
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { payload } from '../graph/user-errors';
import type { LeadStatus } from '../leads/tables';
import { customerStatusHistoryPage, leadStatusHistoryPage } from './history';
import {
  createCustomerStatusTransitionRule,
  createLeadStatusTransitionRule,
  customerTransitionRules,
  deleteStatusTransitionRule,
  leadTransitionRules,
  refusingRules,
} from './service';

/** Opaque ids for history rows: not nodes (no `node(id:)` for them), so they get their own prefix. */
function changeId(type: 'CustomerStatusChange' | 'LeadStatusChange', id: string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

// The organisation's rules, read once per request however many records ask.
const customerRules = (ctx: Context) =>
  ctx.loaders.once('organisation.customerTransitionRules', () => customerTransitionRules(ctx.db, viewerOf(ctx).organisationId));
const leadRules = (ctx: Context) => ctx.loaders.once('organisation.leadTransitionRules', () => leadTransitionRules(ctx.db, viewerOf(ctx).organisationId));

/** What `changeLeadStatus` sets; CONVERTED is conversion's. */
const leadTargets: readonly LeadStatus[] = ['NEW', 'CONTACTED', 'QUALIFIED', 'LOST'];

export const statusHistoryResolvers: Resolvers = {
  Query: {
    customerStatusTransitionRules: async (_p, _a, ctx) => (await customerRules(ctx)).map((r) => ({ ...r })),
    leadStatusTransitionRules: async (_p, _a, ctx) => (await leadRules(ctx)).map((r) => ({ ...r })),
  },
  Mutation: {
    createCustomerStatusTransitionRule: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createCustomerStatusTransitionRule', input, (db) => createCustomerStatusTransitionRule(db, actorOf(ctx), input), { rule: null }),
    createLeadStatusTransitionRule: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createLeadStatusTransitionRule', input, (db) => createLeadStatusTransitionRule(db, actorOf(ctx), input), { rule: null }),
    deleteStatusTransitionRule: (_p, { input }, ctx) => payload(() => deleteStatusTransitionRule(ctx.db, actorOf(ctx), input), { deletedRuleId: null }),
  },
  Customer: {
    statusHistory: (c, args, ctx) => customerStatusHistoryPage(ctx, c.id, args),
    // The same tests as changeCustomerStatus: the role (rule tree), the status security groups (the
    // current status and the new one), the organisation's transition rules. Per request: the
    // statuses, the viewer's groups and the rules are read once, whatever the number of customers.
    allowedTransitions: async (c, _a, ctx) => {
      const viewer = viewerOf(ctx);
      if (viewer.kind !== 'user' || !inRoleSet(customerEditors, viewer.role)) return [];
      const [assignable, targets, rules] = await Promise.all([viewerAssignableStatusIds(ctx), customerStatusesFor(ctx, true), customerRules(ctx)]);
      if (assignable !== 'all' && !assignable.has(c.statusId)) return [];
      return targets.filter((s) => s.id !== c.statusId && refusingRules(rules, viewer.role, c.statusId, s.id).length === 0);
    },
  },
  Lead: {
    statusHistory: (l, args, ctx) => leadStatusHistoryPage(ctx, l.id, args),
    allowedTransitions: async (l, _a, ctx) => {
      const viewer = viewerOf(ctx);
      if (viewer.kind !== 'user' || !inRoleSet(sellers, viewer.role) || l.status === 'CONVERTED') return [];
      const rules = await leadRules(ctx);
      return leadTargets.filter((s) => s !== l.status && refusingRules(rules, viewer.role, l.status, s).length === 0);
    },
  },
  CustomerStatusChange: {
    id: (e) => changeId('CustomerStatusChange', e.id),
    fromStatus: (e, _a, ctx) => (e.fromStatusId ? ctx.loaders.byId('CustomerStatus').load(e.fromStatusId) : null),
    toStatus: async (e, _a, ctx) => (await ctx.loaders.byId('CustomerStatus').load(e.toStatusId))!,
    changedBy: (e, _a, ctx) => (e.changedById ? ctx.loaders.byId('User').load(e.changedById) : null),
    onMergedCustomer: (e) => e.recordedForId !== e.customerId,
  },
  LeadStatusChange: {
    id: (e) => changeId('LeadStatusChange', e.id),
    changedBy: (e, _a, ctx) => (e.changedById ? ctx.loaders.byId('User').load(e.changedById) : null),
  },
  CustomerStatusTransitionRule: {
    id: globalIdField('CustomerStatusTransitionRule'),
    fromStatus: (r, _a, ctx) => (r.fromStatusId ? ctx.loaders.byId('CustomerStatus').load(r.fromStatusId) : null),
    toStatus: (r, _a, ctx) => (r.toStatusId ? ctx.loaders.byId('CustomerStatus').load(r.toStatusId) : null),
    createdBy: (r, _a, ctx) => (r.createdById ? ctx.loaders.byId('User').load(r.createdById) : null),
  },
  LeadStatusTransitionRule: {
    id: globalIdField('LeadStatusTransitionRule'),
    createdBy: (r, _a, ctx) => (r.createdById ? ctx.loaders.byId('User').load(r.createdById) : null),
  },
};
