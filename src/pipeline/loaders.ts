// Pages of a customer's or lead's pipeline records (opportunities, quotes, sales orders, jobs,
// estimates) and the lines of quotes and orders, batched across all parents in the request: a list
// of customers each asking for its quotes with their lines costs the same queries for 2 as for 60.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { QuoteStatus } from '../generated/graphql';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { estimates, jobs, opportunities, quoteLines, quotes, salesOrderLines, salesOrders, type QuoteRow, type SalesOrderRow } from './tables';

type Listed = typeof opportunities | typeof quotes | typeof salesOrders | typeof jobs | typeof estimates;

/** Oldest first; ties (rows of one transaction) broken by id. */
const oldestFirst = (table: Listed): SortSpec => ({ name: 'CREATED_AT', expr: table.createdAt, cast: 'timestamptz', direction: 'ASC' });

function page<T extends Listed>(ctx: Context, table: T, parentColumn: PgColumn, name: string, parentId: string, args: PageArgs, where?: SQL) {
  const sort = oldestFirst(table);
  return ctx.loaders.childPage({ table, parentColumn, where, name, sort, page: parsePageArgs(args, sort, ctx.config.maxPageSize) }).load(parentId);
}

export type RecordKind = 'customer' | 'lead';

export const opportunitiesPage = (ctx: Context, kind: RecordKind, parentId: string, args: PageArgs) =>
  page(ctx, opportunities, kind === 'customer' ? opportunities.customerId : opportunities.leadId, `${kind}.opportunities`, parentId, args);

export function quotesPage(ctx: Context, kind: RecordKind, parentId: string, args: PageArgs & { statuses?: QuoteStatus[] | null }) {
  const statuses = args.statuses?.length ? [...new Set(args.statuses)].sort() : null;
  const where = statuses ? sql`${quotes.status}::text = any(${`{${statuses.join(',')}}`}::text[])` : undefined;
  return page(ctx, quotes, kind === 'customer' ? quotes.customerId : quotes.leadId, `${kind}.quotes:${statuses?.join(',') ?? '*'}`, parentId, args, where);
}

export const salesOrdersPage = (ctx: Context, customerId: string, args: PageArgs) =>
  page(ctx, salesOrders, salesOrders.customerId, 'customer.salesOrders', customerId, args);

export const jobsPage = (ctx: Context, customerId: string, args: PageArgs) => page(ctx, jobs, jobs.customerId, 'customer.jobs', customerId, args);

export const estimatesPage = (ctx: Context, customerId: string, args: PageArgs) =>
  page(ctx, estimates, estimates.customerId, 'customer.estimates', customerId, args);

/** A quote's lines in order, each with the quote's currency. */
export async function linesOfQuote(ctx: Context, quote: QuoteRow) {
  const rows = await ctx.loaders.allByParent(quoteLines, quoteLines.quoteId, [quoteLines.position], 'quote.lines').load(quote.id);
  return rows.map((line) => ({ ...line, currency: quote.currency }));
}

/** An order's lines in order, each with the order's currency. */
export async function linesOfSalesOrder(ctx: Context, order: SalesOrderRow) {
  const rows = await ctx.loaders.allByParent(salesOrderLines, salesOrderLines.salesOrderId, [salesOrderLines.position], 'salesOrder.lines').load(order.id);
  return rows.map((line) => ({ ...line, currency: order.currency }));
}
