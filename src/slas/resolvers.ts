// GraphQL resolvers for SLAs: thin, over the service, the loaders and the deadline arithmetic.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { breachedAt, missed, withSla } from './deadlines';
import { customerSla, slaBreachesPage, slasPage } from './loaders';
import { createSla, setCustomerSla, updateSla } from './service';
import { jobPriorities } from './tables';

export const slasResolvers: Resolvers = {
  Sla: {
    id: globalIdField('Sla'),
    targets: (s) => jobPriorities.map((priority) => ({ priority, ...s.targets[priority] })),
  },
  Job: {
    sla: (j) => withSla(j),
  },
  JobSla: {
    sla: async (j, _a, ctx) => (await ctx.loaders.byId('Sla').load(j.slaId))!,
    responseBreached: (j) => missed(j.respondBy, j.respondedAt, new Date()),
    resolutionBreached: (j) => missed(j.resolveBy, j.resolvedAt, new Date()),
    breachedAt: (j) => breachedAt(j, new Date()),
  },
  Customer: {
    sla: (c, _a, ctx) => customerSla(ctx, c.id),
  },
  Query: {
    slas: (_p, args, ctx) => slasPage(ctx, args),
    slaBreaches: (_p, { kind, ...args }, ctx) => slaBreachesPage(ctx, kind, args),
  },
  Mutation: {
    createSla: (_p, { input }, ctx) => keyedPayload(ctx, 'createSla', input, (db) => createSla(db, actorOf(ctx), input), { sla: null }),
    updateSla: (_p, { input }, ctx) => payload(() => updateSla(ctx.db, actorOf(ctx), inputId(input.id, ['Sla'], ['input', 'id']).id, input), { sla: null }),
    setCustomerSla: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { customerId } = await setCustomerSla(ctx.db, actorOf(ctx), input);
          return { customer: (await ctx.loaders.byId('Customer').load(customerId))! };
        },
        { customer: null },
      ),
  },
};
