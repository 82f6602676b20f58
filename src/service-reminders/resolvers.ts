// GraphQL resolvers for service reminders: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import { inRoleSet, managers } from '../auth/roles';
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { viewerOf } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload, UserErrors } from '../graph/user-errors';
import { decideServiceReminders } from './decisions';
import { customerRemindersPage, decisionsPage, dueServiceRemindersPage, serviceReminderTypesPage, workAddressRemindersPage } from './loaders';
import { createServiceReminder, createServiceReminderType, deleteServiceReminder, updateServiceReminder, updateServiceReminderType } from './service';

/** Admins and managers may raise work despite the customer's status (as with createJob). */
function mayOverrideStatus(ctx: Context): boolean {
  const viewer = viewerOf(ctx);
  return viewer.kind === 'user' && inRoleSet(managers, viewer.role);
}

export const serviceRemindersResolvers: Resolvers = {
  ServiceReminderType: {
    id: globalIdField('ServiceReminderType'),
  },
  ServiceReminder: {
    id: globalIdField('ServiceReminder'),
    // Each through a batched loader: a page of reminders costs one query per relation, not one per reminder.
    workAddress: async (r, _a, ctx) => (await ctx.loaders.byId('WorkAddress').load(r.workAddressId))!,
    customer: async (r, _a, ctx) => (await ctx.loaders.byId('Customer').load(r.customerId))!,
    asset: (r, _a, ctx) => (r.assetId ? ctx.loaders.byId('Asset').load(r.assetId) : null),
    type: async (r, _a, ctx) => (await ctx.loaders.byId('ServiceReminderType').load(r.typeId))!,
    decisions: (r, args, ctx) => decisionsPage(ctx, 'reminder', r.id, args),
    maySend: (r) => r.sendable,
  },
  ServiceReminderDecision: {
    id: globalIdField('ServiceReminderDecision'),
    reminder: async (d, _a, ctx) => (await ctx.loaders.byId('ServiceReminder').load(d.reminderId))!,
    workAddress: async (d, _a, ctx) => (await ctx.loaders.byId('WorkAddress').load(d.workAddressId))!,
    customer: async (d, _a, ctx) => (await ctx.loaders.byId('Customer').load(d.customerId))!,
    decidedBy: (d, _a, ctx) => (d.decidedById ? ctx.loaders.byId('User').load(d.decidedById) : null),
    job: (d, _a, ctx) => (d.jobId ? ctx.loaders.byId('Job').load(d.jobId) : null),
  },
  WorkAddress: {
    serviceReminders: (w, args, ctx) => workAddressRemindersPage(ctx, w.id, args),
    serviceReminderDecisions: (w, args, ctx) => decisionsPage(ctx, 'workAddress', w.id, args),
  },
  Customer: {
    serviceReminders: (c, args, ctx) => customerRemindersPage(ctx, c.id, args),
  },
  Query: {
    serviceReminderTypes: (_p, args, ctx) => serviceReminderTypesPage(ctx, args),
    dueServiceReminders: (_p, args, ctx) => dueServiceRemindersPage(ctx, args),
  },
  Mutation: {
    // Not `payload()`: a batch that is written may still carry the refused items' errors.
    decideServiceReminders: async (_p, { input }, ctx) => {
      try {
        return await decideServiceReminders(ctx.db, actorOf(ctx), input, mayOverrideStatus(ctx));
      } catch (error) {
        if (error instanceof UserErrors) return { results: null, userErrors: error.errors };
        throw error;
      }
    },
    createServiceReminderType: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createServiceReminderType', input, (db) => createServiceReminderType(db, actorOf(ctx), input), { serviceReminderType: null }),
    updateServiceReminderType: (_p, { input }, ctx) =>
      payload(() => updateServiceReminderType(ctx.db, actorOf(ctx), inputId(input.id, ['ServiceReminderType'], ['input', 'id']).id, input), {
        serviceReminderType: null,
      }),
    createServiceReminder: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createServiceReminder', input, (db) => createServiceReminder(db, actorOf(ctx), input), { serviceReminder: null }),
    updateServiceReminder: (_p, { input }, ctx) =>
      payload(() => updateServiceReminder(ctx.db, actorOf(ctx), inputId(input.id, ['ServiceReminder'], ['input', 'id']).id, input), {
        serviceReminder: null,
      }),
    deleteServiceReminder: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedServiceReminderId } = await deleteServiceReminder(
            ctx.db,
            actorOf(ctx),
            inputId(input.id, ['ServiceReminder'], ['input', 'id']).id,
            input,
          );
          return { deletedServiceReminderId: toGlobalId('ServiceReminder', deletedServiceReminderId) };
        },
        { deletedServiceReminderId: null },
      ),
  },
};
