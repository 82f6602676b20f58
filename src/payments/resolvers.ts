// GraphQL for payments, allocations and payment methods: thin, over the service and the loaders.
import { and, asc, eq, sql } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { globalIdField, moneyOf } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { inputId, payload } from '../graph/user-errors';
import { customerDocumentsPage } from '../invoices/documents';
import { allocatePayment, createPaymentMethod, recordPayment, reversePayment, undoAllocation, updatePaymentMethod } from './service';
import { allocations, paymentMethods, payments } from './tables';

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;

/** An allocation's currency is its invoice's (loaded by id, batched). */
async function allocationCurrency(ctx: Context, invoiceId: string): Promise<string> {
  return (await ctx.loaders.byId('Invoice').load(invoiceId))!.currency;
}

export const paymentsResolvers: Resolvers = {
  PaymentMethod: { id: globalIdField('PaymentMethod') },
  Payment: {
    id: globalIdField('Payment'),
    customer: async (p, _a, ctx) => (await ctx.loaders.byId('Customer').load(p.customerId))!,
    method: async (p, _a, ctx) => (await ctx.loaders.byId('PaymentMethod').load(p.methodId))!,
    amount: (p, _a, ctx) => money(ctx, p.amountMinor, p.currency),
    allocated: (p, _a, ctx) => money(ctx, p.allocatedMinor, p.currency),
    unallocated: (p, _a, ctx) => money(ctx, p.status === 'REVERSED' ? 0 : p.amountMinor - p.allocatedMinor, p.currency),
    allocations: (p, _a, ctx) =>
      ctx.loaders.allByParent(allocations, allocations.paymentId, [asc(allocations.createdAt), asc(allocations.id)], 'payment.allocations').load(p.id),
  },
  Allocation: {
    id: globalIdField('Allocation'),
    invoice: async (a, _x, ctx) => (await ctx.loaders.byId('Invoice').load(a.invoiceId))!,
    payment: (a, _x, ctx) => (a.paymentId ? ctx.loaders.byId('Payment').load(a.paymentId) : null),
    amount: async (a, _x, ctx) => money(ctx, a.amountMinor, await allocationCurrency(ctx, a.invoiceId)),
  },
  Customer: {
    payments: (c, args, ctx) => customerDocumentsPage(ctx, c.id, { table: payments, name: 'customer.payments', statuses: args.statuses, args }),
  },
  Invoice: {
    allocations: (i, _a, ctx) =>
      ctx.loaders.allByParent(allocations, allocations.invoiceId, [asc(allocations.createdAt), asc(allocations.id)], 'invoice.allocations').load(i.id),
  },
  Query: {
    paymentMethods: (_p, { includeArchived }, ctx) =>
      ctx.db
        .select()
        .from(paymentMethods)
        .where(and(eq(paymentMethods.organisationId, viewerOf(ctx).organisationId), includeArchived ? undefined : eq(paymentMethods.archived, false)))
        .orderBy(asc(sql`lower(${paymentMethods.name})`)),
  },
  Mutation: {
    recordPayment: (_p, { input }, ctx) => payload(() => recordPayment(ctx.db, actorOf(ctx), input), { payment: null }),
    allocatePayment: (_p, { input }, ctx) =>
      payload(() => allocatePayment(ctx.db, actorOf(ctx), inputId(input.paymentId, ['Payment'], ['input', 'paymentId']).id, input), { payment: null }),
    reversePayment: (_p, { input }, ctx) =>
      payload(() => reversePayment(ctx.db, actorOf(ctx), inputId(input.id, ['Payment'], ['input', 'id']).id, input), { payment: null }),
    undoAllocation: (_p, { input }, ctx) =>
      payload(() => undoAllocation(ctx.db, actorOf(ctx), inputId(input.id, ['Allocation'], ['input', 'id']).id, input), { allocation: null }),
    createPaymentMethod: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createPaymentMethod', input, (db) => createPaymentMethod(db, actorOf(ctx), input), { paymentMethod: null }),
    updatePaymentMethod: (_p, { input }, ctx) =>
      payload(() => updatePaymentMethod(ctx.db, actorOf(ctx), inputId(input.id, ['PaymentMethod'], ['input', 'id']).id, input), { paymentMethod: null }),
  },
};
