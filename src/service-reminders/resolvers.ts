// GraphQL resolvers for service reminders: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { dueServiceRemindersPage, serviceReminderTypesPage, workAddressRemindersPage } from './loaders';
import { createServiceReminder, createServiceReminderType, deleteServiceReminder, updateServiceReminder, updateServiceReminderType } from './service';

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
  },
  WorkAddress: {
    serviceReminders: (w, args, ctx) => workAddressRemindersPage(ctx, w.id, args),
  },
  Query: {
    serviceReminderTypes: (_p, args, ctx) => serviceReminderTypesPage(ctx, args),
    dueServiceReminders: (_p, args, ctx) => dueServiceRemindersPage(ctx, args),
  },
  Mutation: {
    createServiceReminderType: (_p, { input }, ctx) => payload(() => createServiceReminderType(ctx.db, actorOf(ctx), input), { serviceReminderType: null }),
    updateServiceReminderType: (_p, { input }, ctx) =>
      payload(() => updateServiceReminderType(ctx.db, actorOf(ctx), inputId(input.id, ['ServiceReminderType'], ['input', 'id']).id, input), {
        serviceReminderType: null,
      }),
    createServiceReminder: (_p, { input }, ctx) => payload(() => createServiceReminder(ctx.db, actorOf(ctx), input), { serviceReminder: null }),
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
