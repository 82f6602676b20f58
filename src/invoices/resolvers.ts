// GraphQL for invoices: a customer's invoices (paged, newest first) and each invoice's lines and
// derived totals. Lines for a whole page of invoices load in one query.
import { sql } from 'drizzle-orm';
import type { Resolvers } from '../generated/graphql';
import { parsePageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { globalIdField, moneyOf } from '../graph/fields';
import { invoiceAmounts, invoiceReference, lineAmounts, quantityText } from './service';
import { invoiceLines, invoices, type InvoiceRow } from './tables';

const invoiceSort: SortSpec = { name: 'CREATED_AT', expr: invoices.createdAt, cast: 'timestamptz', direction: 'DESC' };

function linesOf(ctx: Context, invoice: InvoiceRow) {
  return ctx.loaders.allByParent(invoiceLines, invoiceLines.invoiceId, [invoiceLines.position], 'invoice.lines').load(invoice.id);
}

async function totals(ctx: Context, invoice: InvoiceRow) {
  return invoiceAmounts(await linesOf(ctx, invoice));
}

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;

export const invoiceResolvers: Resolvers = {
  Customer: {
    invoices: (c, args, ctx) => {
      const statuses = args.statuses?.length ? args.statuses : null;
      return ctx.loaders
        .childPage({
          table: invoices,
          parentColumn: invoices.customerId,
          where: statuses ? sql`${invoices.status}::text = any(${`{${statuses.join(',')}}`}::text[])` : undefined,
          name: `customer.invoices:${statuses?.join(',') ?? '*'}`,
          sort: invoiceSort,
          page: parsePageArgs(args, invoiceSort, ctx.config.maxPageSize),
        })
        .load(c.id);
    },
  },
  Invoice: {
    id: globalIdField('Invoice'),
    reference: (i) => invoiceReference(i),
    customer: async (i, _a, ctx) => (await ctx.loaders.byId('Customer').load(i.customerId))!,
    lines: (i, _a, ctx) => linesOf(ctx, i),
    net: async (i, _a, ctx) => money(ctx, (await totals(ctx, i)).netMinor, i.currency),
    tax: async (i, _a, ctx) => money(ctx, (await totals(ctx, i)).taxMinor, i.currency),
    total: async (i, _a, ctx) => money(ctx, (await totals(ctx, i)).totalMinor, i.currency),
    paid: (i, _a, ctx) => money(ctx, i.paidMinor, i.currency),
    outstanding: async (i, _a, ctx) => money(ctx, (await totals(ctx, i)).totalMinor - i.paidMinor, i.currency),
  },
  InvoiceLine: {
    quantity: (l) => quantityText(l.quantityMilli),
    unitPrice: async (l, _a, ctx) => money(ctx, l.unitPriceMinor, await currencyOf(ctx, l.invoiceId)),
    taxRatePercent: (l) => l.taxRateBp / 100,
    net: async (l, _a, ctx) => money(ctx, lineAmounts(l).netMinor, await currencyOf(ctx, l.invoiceId)),
    tax: async (l, _a, ctx) => money(ctx, lineAmounts(l).taxMinor, await currencyOf(ctx, l.invoiceId)),
    total: async (l, _a, ctx) => money(ctx, lineAmounts(l).totalMinor, await currencyOf(ctx, l.invoiceId)),
  },
};

/** A line's currency is its invoice's (already loaded for the page, so no extra query). */
async function currencyOf(ctx: Context, invoiceId: string): Promise<string> {
  return (await ctx.loaders.byId('Invoice').load(invoiceId))!.currency;
}
