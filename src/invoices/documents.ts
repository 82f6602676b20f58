// What the money documents (invoices, credit notes, payments) share in GraphQL: a customer's page of
// them, newest first, optionally in some states; and the fields of a priced line, whose currency is
// its document's.
import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { moneyOf } from '../graph/fields';
import type { OrgTable } from '../graph/loaders';
import { quantityText } from './service';
import type { InvoiceLineRow } from './tables';

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;

/** A customer's documents of one table, newest first, in the given states (all when none). */
export function customerDocumentsPage<T extends OrgTable & { customerId: PgColumn; status: PgColumn; createdAt: PgColumn }>(
  ctx: Context,
  customerId: string,
  options: { table: T; name: string; statuses?: readonly string[] | null; args: PageArgs },
) {
  const { table, name } = options;
  const statuses = options.statuses?.length ? options.statuses : null;
  const sort: SortSpec = { name: 'CREATED_AT', expr: table.createdAt, cast: 'timestamptz', direction: 'DESC' };
  return ctx.loaders
    .childPage({
      table,
      parentColumn: table.customerId,
      where: statuses ? sql`${table.status}::text = any(${`{${statuses.join(',')}}`}::text[])` : undefined,
      name: `${name}:${statuses?.join(',') ?? '*'}`,
      sort,
      page: parsePageArgs(options.args, sort, ctx.config.maxPageSize),
    })
    .load(customerId);
}

type PricedLineRow = Pick<InvoiceLineRow, 'quantityMilli' | 'unitPriceMinor' | 'taxRateBp' | 'netMinor' | 'taxMinor'>;

/** The fields of a priced line (InvoiceLine, CreditNoteLine); `currencyOf` reads its document's currency (batched). */
export function pricedLineFields<L extends PricedLineRow>(currencyOf: (line: L, ctx: Context) => Promise<string>) {
  return {
    quantity: (l: L) => quantityText(l.quantityMilli),
    taxRatePercent: (l: L) => l.taxRateBp / 100,
    unitPrice: async (l: L, _a: unknown, ctx: Context) => money(ctx, l.unitPriceMinor, await currencyOf(l, ctx)),
    net: async (l: L, _a: unknown, ctx: Context) => money(ctx, l.netMinor, await currencyOf(l, ctx)),
    tax: async (l: L, _a: unknown, ctx: Context) => money(ctx, l.taxMinor, await currencyOf(l, ctx)),
    total: async (l: L, _a: unknown, ctx: Context) => money(ctx, l.netMinor + l.taxMinor, await currencyOf(l, ctx)),
  };
}
