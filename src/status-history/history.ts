// Pages of a customer's and a lead's status changes, newest first, batched across the records of a
// request (one query per page shape, one count query) like every nested list.
import type { Connection, PageArgs, SortSpec } from '../graph/connection';
import { parsePageArgs } from '../graph/connection';
import type { Context } from '../graph/context';
import { customerStatusChanges, leadStatusChanges, type CustomerStatusChangeRow, type LeadStatusChangeRow } from './tables';

/** Newest first. Ids are serial, so they give the order of writing. */
const customerSort: SortSpec = { name: 'NEWEST', expr: customerStatusChanges.id, cast: 'bigint', direction: 'DESC', idKind: 'serial' };
const leadSort: SortSpec = { name: 'NEWEST', expr: leadStatusChanges.id, cast: 'bigint', direction: 'DESC', idKind: 'serial' };

export async function customerStatusHistoryPage(ctx: Context, customerId: string, args: PageArgs): Promise<Connection<CustomerStatusChangeRow>> {
  const connection = await ctx.loaders
    .childPage({
      table: customerStatusChanges,
      parentColumn: customerStatusChanges.customerId,
      where: undefined,
      name: 'customer.statusHistory',
      sort: customerSort,
      page: parsePageArgs(args, customerSort, ctx.config.maxPageSize),
    })
    .load(customerId);
  // childPage types its rows' ids as uuid strings; these are serial numbers.
  return connection as unknown as Connection<CustomerStatusChangeRow>;
}

export async function leadStatusHistoryPage(ctx: Context, leadId: string, args: PageArgs): Promise<Connection<LeadStatusChangeRow>> {
  const connection = await ctx.loaders
    .childPage({
      table: leadStatusChanges,
      parentColumn: leadStatusChanges.leadId,
      where: undefined,
      name: 'lead.statusHistory',
      sort: leadSort,
      page: parsePageArgs(args, leadSort, ctx.config.maxPageSize),
    })
    .load(leadId);
  return connection as unknown as Connection<LeadStatusChangeRow>;
}
