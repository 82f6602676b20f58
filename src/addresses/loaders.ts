// Pages of addresses, and default addresses, for leads and customers, batched per request.
import { and, eq } from 'drizzle-orm';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { asksForCursors, columnsForConnection, type SelectionInfo } from '../graph/selection';
import { addresses, type AddressType } from './tables';

export const addressSort: SortSpec = { name: 'CREATED_AT', expr: addresses.createdAt, cast: 'timestamptz', direction: 'ASC' };

function parentColumn(owner: 'customer' | 'lead') {
  return owner === 'customer' ? addresses.customerId : addresses.leadId;
}

/** The page of a lead's or customer's addresses that `addresses(…)` reads, with the columns its selection needs. */
export function addressesPageSpec(ctx: Context, owner: 'customer' | 'lead', args: PageArgs & { type?: AddressType | null }, info: SelectionInfo) {
  return {
    table: addresses,
    parentColumn: parentColumn(owner),
    where: args.type ? eq(addresses.type, args.type) : undefined,
    name: `${owner}.addresses:${args.type ?? 'ALL'}`,
    sort: addressSort,
    page: parsePageArgs(args, addressSort, ctx.config.maxPageSize),
    columns: columnsForConnection(ctx.composition, info, 'Address', addresses),
    cursors: asksForCursors(info),
  };
}

export function addressesPage(ctx: Context, owner: 'customer' | 'lead', parentId: string, args: PageArgs & { type?: AddressType | null }, info: SelectionInfo) {
  // One loader per field of the query, not one page spec per parent (see Loaders.perField).
  const loader = ctx.loaders.perField(info.fieldNodes[0]!, owner === 'customer' ? 'customer.addresses' : 'lead.addresses', () =>
    ctx.loaders.childPage(addressesPageSpec(ctx, owner, args, info)),
  );
  return ctx.loaders.pageOf(loader, parentId);
}

export function defaultAddress(ctx: Context, owner: 'customer' | 'lead', parentId: string, type: AddressType) {
  return ctx.loaders
    .oneByParent(addresses, parentColumn(owner), and(eq(addresses.type, type), eq(addresses.isDefault, true))!, `${owner}.defaultAddress:${type}`)
    .load(parentId);
}
