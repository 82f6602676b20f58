// Pages of work addresses under a customer (filtered) or a branch, batched across all parents in
// the request: a list of customers each asking for its work addresses costs one query per page.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { WorkAddressFilter } from '../generated/graphql';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { decodeIdArgument } from '../graph/ids';
import { workAddresses } from './tables';

/** Oldest first; ties (rows of one transaction) broken by id. */
export const workAddressSort: SortSpec = { name: 'CREATED_AT', expr: workAddresses.createdAt, cast: 'timestamptz', direction: 'ASC' };

/** Postcodes compared without case or spaces, as the postcode index stores them. */
const postcodeKey = (value: string) => value.replace(/\s+/g, '').toUpperCase();

function filterSql(filter: WorkAddressFilter | null | undefined): { where: SQL | undefined; key: string } {
  if (!filter) return { where: undefined, key: '*' };
  const branchId = filter.branchId ? decodeIdArgument(filter.branchId, ['Branch'], 'filter.branchId').id : null;
  const postcode = filter.postcode?.trim() ? postcodeKey(filter.postcode) : null;
  const where = and(
    filter.status ? eq(workAddresses.status, filter.status) : undefined,
    branchId ? eq(workAddresses.branchId, branchId) : undefined,
    postcode ? sql`upper(replace(${workAddresses.postcode}, ' ', '')) = ${postcode}` : undefined,
  );
  return { where, key: JSON.stringify([filter.status ?? null, branchId, postcode]) };
}

function page(ctx: Context, parentColumn: PgColumn, relation: string, parentId: string, filter: WorkAddressFilter | null | undefined, args: PageArgs) {
  const { where, key } = filterSql(filter);
  return ctx.loaders
    .childPage({
      table: workAddresses,
      parentColumn,
      where,
      name: `${relation}:${key}`,
      sort: workAddressSort,
      page: parsePageArgs(args, workAddressSort, ctx.config.maxPageSize),
    })
    .load(parentId);
}

export const customerWorkAddressesPage = (ctx: Context, customerId: string, filter: WorkAddressFilter | null | undefined, args: PageArgs) =>
  page(ctx, workAddresses.customerId, 'customer.workAddresses', customerId, filter, args);

export const branchWorkAddressesPage = (ctx: Context, branchId: string, args: PageArgs) =>
  page(ctx, workAddresses.branchId, 'branch.workAddresses', branchId, null, args);
