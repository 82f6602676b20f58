// GraphQL resolvers for service plans: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { globalIdField, moneyOf } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { coveredWorkAddresses, customerServicePlansPage, heldPlanStatus, servicePlansExpiringPage, servicePlansPage } from './loaders';
import { assignServicePlan, cancelCustomerServicePlan, createServicePlan, updateCustomerServicePlan, updateServicePlan } from './service';

/** Today in UTC, as the Date scalar writes it: what "past its expiry date" is measured against. */
export const todayIso = () => new Date().toISOString().slice(0, 10);

const heldId = (id: string) => inputId(id, ['CustomerServicePlan'], ['input', 'id']).id;
const none = { customerServicePlan: null };

export const servicePlansResolvers: Resolvers = {
  ServicePlan: {
    id: globalIdField('ServicePlan'),
    price: (p, _a, ctx: Context) => moneyOf(ctx, p.priceMinor, p.currency)!,
  },
  CustomerServicePlan: {
    id: globalIdField('CustomerServicePlan'),
    customer: async (h, _a, ctx) => (await ctx.loaders.byId('Customer').load(h.customerId))!,
    plan: async (h, _a, ctx) => (await ctx.loaders.byId('ServicePlan').load(h.planId))!,
    status: (h) => heldPlanStatus(h, todayIso()),
    workAddresses: (h, _a, ctx) => coveredWorkAddresses(ctx, h),
  },
  Customer: {
    servicePlans: (c, args, ctx) => customerServicePlansPage(ctx, c.id, args),
  },
  Query: {
    servicePlans: (_p, args, ctx) => servicePlansPage(ctx, args),
    servicePlansExpiring: (_p, args, ctx) => servicePlansExpiringPage(ctx, args),
  },
  Mutation: {
    createServicePlan: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createServicePlan', input, (db) => createServicePlan(db, actorOf(ctx), input), { servicePlan: null }),
    updateServicePlan: (_p, { input }, ctx) =>
      payload(() => updateServicePlan(ctx.db, actorOf(ctx), inputId(input.id, ['ServicePlan'], ['input', 'id']).id, input), { servicePlan: null }),
    assignServicePlan: (_p, { input }, ctx) => payload(() => assignServicePlan(ctx.db, actorOf(ctx), input), none),
    updateCustomerServicePlan: (_p, { input }, ctx) => payload(() => updateCustomerServicePlan(ctx.db, actorOf(ctx), heldId(input.id), input), none),
    cancelCustomerServicePlan: (_p, { input }, ctx) => payload(() => cancelCustomerServicePlan(ctx.db, actorOf(ctx), heldId(input.id), input), none),
  },
};
