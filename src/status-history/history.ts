// Pages of a customer's and a lead's status changes, newest first, batched across the records of a
// request (one query per page shape, one count query) like every nested list.
import type { Connection, PageArgs, SortSpec } from '../graph/connection';
import { parsePageArgs } from '../graph/connection';
import type { Context } from '../graph/context';
import { customerStatusChanges, leadStatusChanges, type CustomerStatusChangeRow, type LeadStatusChangeRow } from './tables';

/** Newest first: `seq` is the order of writing (changes in one transaction share its time). */
const customerSort: SortSpec = { name: 'NEWEST', expr: customerStatusChanges.seq, cast: 'bigint', direction: 'DESC' };
const leadSort: SortSpec = { name: 'NEWEST', expr: leadStatusChanges.seq, cast: 'bigint', direction: 'DESC' };

export function customerStatusHistoryPage(ctx: Context, customerId: string, args: PageArgs): Promise<Connection<CustomerStatusChangeRow>> {
  return ctx.loaders
    .childPage({
      table: customerStatusChanges,
      parentColumn: customerStatusChanges.customerId,
      where: undefined,
      name: 'customer.statusHistory',
      sort: customerSort,
      page: parsePageArgs(args, customerSort, ctx.config.maxPageSize),
    })
    .load(customerId);
}

export function leadStatusHistoryPage(ctx: Context, leadId: string, args: PageArgs): Promise<Connection<LeadStatusChangeRow>> {
  return ctx.loaders
    .childPage({
      table: leadStatusChanges,
      parentColumn: leadStatusChanges.leadId,
      where: undefined,
      name: 'lead.statusHistory',
      sort: leadSort,
      page: parsePageArgs(args, leadSort, ctx.config.maxPageSize),
    })
    .load(leadId);
}
