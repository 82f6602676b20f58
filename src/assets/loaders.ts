// Pages of assets under a customer or a work address, filtered, batched across all parents in the
// request (one query for the pages and one for the counts, however many parents).
import { and, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { AssetFilter } from '../generated/graphql';
import { parsePageArgs, uuidArray, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { decodeIdArgument, type NodeType } from '../graph/ids';
import { assets } from './tables';

export const assetSort: SortSpec = { name: 'CREATED_AT', expr: assets.createdAt, cast: 'timestamptz', direction: 'ASC' };

/** The filter as SQL, and a stable key naming it (so parents asking the same share one loader). */
function filterSql(filter: AssetFilter | null | undefined, parent: 'customer' | 'workAddress'): { where: SQL | undefined; key: string } {
  const parts: SQL[] = [];
  const key: Record<string, string[]> = {};
  const anyOf = (column: PgColumn, ids: readonly string[] | null | undefined, type: NodeType, argument: string) => {
    if (ids == null) return;
    const uuids = ids.map((id, i) => decodeIdArgument(id, [type], `filter.${argument}[${i}]`).id).sort();
    parts.push(sql`${column} = any(${uuidArray(uuids)})`);
    key[argument] = uuids;
  };
  anyOf(assets.groupId, filter?.groupIds, 'AssetGroup', 'groupIds');
  anyOf(assets.fuelTypeId, filter?.fuelTypeIds, 'FuelType', 'fuelTypeIds');
  anyOf(assets.locationId, filter?.locationIds, 'AssetLocation', 'locationIds');
  if (parent === 'customer' && filter?.workAddressId != null) {
    anyOf(assets.workAddressId, [filter.workAddressId], 'WorkAddress', 'workAddressId');
  }
  return { where: parts.length ? and(...parts) : undefined, key: JSON.stringify(key) };
}

export function assetsPage(ctx: Context, parent: 'customer' | 'workAddress', parentId: string, args: PageArgs & { filter?: AssetFilter | null }) {
  const { where, key } = filterSql(args.filter, parent);
  return ctx.loaders
    .childPage({
      table: assets,
      parentColumn: parent === 'customer' ? assets.customerId : assets.workAddressId,
      where,
      name: `${parent}.assets:${key}`,
      sort: assetSort,
      page: parsePageArgs(args, assetSort, ctx.config.maxPageSize),
    })
    .load(parentId);
}
