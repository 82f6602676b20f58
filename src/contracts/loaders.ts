// Lists of contracts: a customer's (batched across every customer in the request: one query for the
// pages, one for the counts) and those due for renewal in a date range.
import { and, eq, sql } from 'drizzle-orm';
import { paginate, parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import { viewerOf, type Context } from '../graph/context';
import { badUserInput } from '../graph/errors';
import { contracts, type ContractRow } from './tables';

/** Soonest renewal first, ties by id; the key is the renewal date as a day number (indexed: tables.ts). */
const renewalDay = sql`(${contracts.renewalDate} - date '2000-01-01')`;
const renewalSort: SortSpec = { name: 'RENEWAL_DATE', expr: renewalDay, cast: 'bigint', direction: 'ASC' };

export function customerContractsPage(ctx: Context, customerId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: contracts,
      parentColumn: contracts.customerId,
      where: undefined,
      name: 'customer.contracts',
      sort: renewalSort,
      page: parsePageArgs(args, renewalSort, ctx.config.maxPageSize),
    })
    .load(customerId);
}

/** Contracts not cancelled whose renewal date is from `from` to `to` (both included), among the customers the viewer sees. */
export function contractsDueForRenewalPage(ctx: Context, args: PageArgs & { from: string; to: string }) {
  if (args.from > args.to) throw badUserInput(`to: ${args.to} is before from (${args.from}).`, 'to');
  return paginate({
    db: ctx.db,
    table: contracts,
    where: and(
      eq(contracts.organisationId, viewerOf(ctx).organisationId),
      // The partial index's condition, and the range on its sort key: one index range scan.
      sql`${contracts.status} = 'ACTIVE'`,
      sql`${renewalDay} between (${args.from}::date - date '2000-01-01') and (${args.to}::date - date '2000-01-01')`,
      ctx.visibility.rows(contracts),
    ),
    sort: renewalSort,
    page: parsePageArgs(args, renewalSort, ctx.config.maxPageSize),
  });
}

/** ACTIVE until the renewal date has passed on a contract that does not renew itself (then EXPIRED); CANCELLED stays. */
export function contractStatus(contract: ContractRow, today: string): 'ACTIVE' | 'CANCELLED' | 'EXPIRED' {
  if (contract.status === 'CANCELLED') return 'CANCELLED';
  return contract.renewalDate < today && !contract.autoRenew ? 'EXPIRED' : 'ACTIVE';
}
