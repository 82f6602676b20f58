// GraphQL resolvers of the sales pipeline: thin, over the service and the batched loaders.
// Totals are derived from the lines with the invoices' arithmetic (lineAmounts / invoiceAmounts).
import { sql } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import { bookkeepers, inRoleSet } from '../auth/roles';
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { globalIdField, moneyOf } from '../graph/fields';
import { inputId, payload } from '../graph/user-errors';
import { invoiceAmounts, lineAmounts, quantityText } from '../invoices/service';
import { createEstimate } from './estimates';
import { abortJob, cancelJob, completeJob, markJobFreeOfCharge, scheduleJob } from './job-lifecycle';
import { createJob } from './jobs';
import { estimatesPage, jobsPage, linesOfQuote, linesOfSalesOrder, opportunitiesPage, quotesPage, salesOrdersPage } from './loaders';
import { createOpportunity, updateOpportunity } from './opportunities';
import { createQuote, declineQuote, quoteReference, sendQuote, updateQuote } from './quotes';
import { closeSalesOrder, salesOrderReference } from './sales-orders';
import { mayOverrideStatus as mayOverride } from './shared';
import { salesOrders, type QuoteLineView, type SalesOrderLineView } from './tables';

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;

/** The fields a quote line and a sales order line share. */
const lineFields = {
  quantity: (l: QuoteLineView | SalesOrderLineView) => quantityText(l.quantityMilli),
  unitPrice: (l: QuoteLineView | SalesOrderLineView, _a: unknown, ctx: Context) => money(ctx, l.unitPriceMinor, l.currency),
  taxRatePercent: (l: QuoteLineView | SalesOrderLineView) => l.taxRateBp / 100,
  net: (l: QuoteLineView | SalesOrderLineView, _a: unknown, ctx: Context) => money(ctx, lineAmounts(l).netMinor, l.currency),
  tax: (l: QuoteLineView | SalesOrderLineView, _a: unknown, ctx: Context) => money(ctx, lineAmounts(l).taxMinor, l.currency),
  total: (l: QuoteLineView | SalesOrderLineView, _a: unknown, ctx: Context) => money(ctx, lineAmounts(l).totalMinor, l.currency),
  assetGroup: (l: QuoteLineView | SalesOrderLineView, _a: unknown, ctx: Context) =>
    l.assetGroupId ? ctx.loaders.byId('AssetGroup').load(l.assetGroupId) : null,
  assetMake: (l: QuoteLineView | SalesOrderLineView, _a: unknown, ctx: Context) => (l.assetMakeId ? ctx.loaders.byId('AssetMake').load(l.assetMakeId) : null),
  assetModel: (l: QuoteLineView | SalesOrderLineView, _a: unknown, ctx: Context) =>
    l.assetModelId ? ctx.loaders.byId('AssetModel').load(l.assetModelId) : null,
};

const customerOf = (ctx: Context, id: string | null) => (id ? ctx.loaders.byId('Customer').load(id) : null);
const leadOf = (ctx: Context, id: string | null) => (id ? ctx.loaders.byId('Lead').load(id) : null);

/** Whether the viewer may override the status gating of new work (src/pipeline/shared.ts). */
function mayOverrideStatus(ctx: Context): boolean {
  return mayOverride(actorOf(ctx));
}

/** Those who keep the books decide that work is not invoiced (docs/domain.md#the-work-lifecycle). */
function mayWaiveCharge(ctx: Context): boolean {
  const viewer = viewerOf(ctx);
  return viewer.kind === 'user' && inRoleSet(bookkeepers, viewer.role);
}

const jobId = (id: string) => inputId(id, ['Job'], ['input', 'id']).id;
const salesOrderId = (id: string) => inputId(id, ['SalesOrder'], ['input', 'id']).id;

export const pipelineResolvers: Resolvers = {
  Customer: {
    opportunities: (c, args, ctx) => opportunitiesPage(ctx, 'customer', c.id, args),
    quotes: (c, args, ctx) => quotesPage(ctx, 'customer', c.id, args),
    salesOrders: (c, args, ctx) => salesOrdersPage(ctx, c.id, args),
    jobs: (c, args, ctx) => jobsPage(ctx, c.id, args),
    estimates: (c, args, ctx) => estimatesPage(ctx, c.id, args),
  },
  Lead: {
    opportunities: (l, args, ctx) => opportunitiesPage(ctx, 'lead', l.id, args),
    quotes: (l, args, ctx) => quotesPage(ctx, 'lead', l.id, args),
  },
  Opportunity: {
    id: globalIdField('Opportunity'),
    value: (o, _a, ctx) => moneyOf(ctx, o.valueMinor, o.currency),
    owner: (o, _a, ctx) => (o.ownerId ? ctx.loaders.byId('User').load(o.ownerId) : null),
    customer: (o, _a, ctx) => customerOf(ctx, o.customerId),
    lead: (o, _a, ctx) => leadOf(ctx, o.leadId),
  },
  Quote: {
    id: globalIdField('Quote'),
    reference: (q) => quoteReference(q),
    customer: (q, _a, ctx) => customerOf(ctx, q.customerId),
    lead: (q, _a, ctx) => leadOf(ctx, q.leadId),
    opportunity: (q, _a, ctx) => (q.opportunityId ? ctx.loaders.byId('Opportunity').load(q.opportunityId) : null),
    lines: (q, _a, ctx) => linesOfQuote(ctx, q),
    net: async (q, _a, ctx) => money(ctx, invoiceAmounts(await linesOfQuote(ctx, q)).netMinor, q.currency),
    tax: async (q, _a, ctx) => money(ctx, invoiceAmounts(await linesOfQuote(ctx, q)).taxMinor, q.currency),
    total: async (q, _a, ctx) => money(ctx, invoiceAmounts(await linesOfQuote(ctx, q)).totalMinor, q.currency),
    salesOrder: (q, _a, ctx) => ctx.loaders.oneByParent(salesOrders, salesOrders.quoteId, sql`true`, 'quote.salesOrder').load(q.id),
  },
  QuoteLine: {
    ...lineFields,
    asset: (l, _a, ctx) => (l.assetId ? ctx.loaders.byId('Asset').load(l.assetId) : null),
    assetLinkKind: (l) => (l.assetId ? l.assetLinkKind : null),
  },
  SalesOrder: {
    id: globalIdField('SalesOrder'),
    reference: (o) => salesOrderReference(o),
    customer: async (o, _a, ctx) => (await customerOf(ctx, o.customerId))!,
    quote: (o, _a, ctx) => ctx.loaders.byId('Quote').load(o.quoteId),
    lines: (o, _a, ctx) => linesOfSalesOrder(ctx, o),
    net: async (o, _a, ctx) => money(ctx, invoiceAmounts(await linesOfSalesOrder(ctx, o)).netMinor, o.currency),
    tax: async (o, _a, ctx) => money(ctx, invoiceAmounts(await linesOfSalesOrder(ctx, o)).taxMinor, o.currency),
    total: async (o, _a, ctx) => money(ctx, invoiceAmounts(await linesOfSalesOrder(ctx, o)).totalMinor, o.currency),
  },
  SalesOrderLine: lineFields,
  Job: {
    id: globalIdField('Job'),
    customer: async (j, _a, ctx) => (await customerOf(ctx, j.customerId))!,
    workAddress: (j, _a, ctx) => ctx.loaders.byId('WorkAddress').load(j.workAddressId),
  },
  Estimate: {
    id: globalIdField('Estimate'),
    amount: (e, _a, ctx) => money(ctx, e.amountMinor, e.currency),
    customer: async (e, _a, ctx) => (await customerOf(ctx, e.customerId))!,
    workAddress: (e, _a, ctx) => ctx.loaders.byId('WorkAddress').load(e.workAddressId),
  },
  Mutation: {
    createOpportunity: (_p, { input }, ctx) => payload(() => createOpportunity(ctx.db, actorOf(ctx), input), { opportunity: null }),
    updateOpportunity: (_p, { input }, ctx) =>
      payload(() => updateOpportunity(ctx.db, actorOf(ctx), inputId(input.id, ['Opportunity'], ['input', 'id']).id, input), { opportunity: null }),
    createQuote: (_p, { input }, ctx) => payload(() => createQuote(ctx.db, actorOf(ctx), input), { quote: null }),
    updateQuote: (_p, { input }, ctx) =>
      payload(() => updateQuote(ctx.db, actorOf(ctx), inputId(input.id, ['Quote'], ['input', 'id']).id, input), { quote: null }),
    sendQuote: (_p, { input }, ctx) => payload(() => sendQuote(ctx.db, actorOf(ctx), inputId(input.id, ['Quote'], ['input', 'id']).id, input), { quote: null }),
    declineQuote: (_p, { input }, ctx) =>
      payload(() => declineQuote(ctx.db, actorOf(ctx), inputId(input.id, ['Quote'], ['input', 'id']).id, input), { quote: null }),
    createJob: (_p, { input }, ctx) => payload(() => createJob(ctx.db, actorOf(ctx), input, mayOverrideStatus(ctx)), { job: null }),
    createEstimate: (_p, { input }, ctx) => payload(() => createEstimate(ctx.db, actorOf(ctx), input), { estimate: null }),
    scheduleJob: (_p, { input }, ctx) => payload(() => scheduleJob(ctx.db, actorOf(ctx), jobId(input.id), input), { job: null }),
    completeJob: (_p, { input }, ctx) => payload(() => completeJob(ctx.db, actorOf(ctx), jobId(input.id), input, mayWaiveCharge(ctx)), { job: null }),
    abortJob: (_p, { input }, ctx) => payload(() => abortJob(ctx.db, actorOf(ctx), jobId(input.id), input), { job: null }),
    cancelJob: (_p, { input }, ctx) => payload(() => cancelJob(ctx.db, actorOf(ctx), jobId(input.id), input), { job: null }),
    markJobFreeOfCharge: (_p, { input }, ctx) => payload(() => markJobFreeOfCharge(ctx.db, actorOf(ctx), jobId(input.id), input), { job: null }),
    completeSalesOrder: (_p, { input }, ctx) =>
      payload(() => closeSalesOrder(ctx.db, actorOf(ctx), salesOrderId(input.id), { expectedVersion: input.expectedVersion }, 'COMPLETED'), {
        salesOrder: null,
      }),
    cancelSalesOrder: (_p, { input }, ctx) =>
      payload(() => closeSalesOrder(ctx.db, actorOf(ctx), salesOrderId(input.id), input, 'CANCELLED'), { salesOrder: null }),
  },
};
