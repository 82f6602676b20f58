// Lists of service plans: the organisation's definitions, a customer's held plans (batched across
// every customer in the request: one query for the pages, one for the counts), the held plans
// expiring in a date range, and the work addresses each held plan covers (one query per request).
import { and, eq, sql } from 'drizzle-orm';
import { paginate, parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import { viewerOf, type Context } from '../graph/context';
import { badUserInput } from '../graph/errors';
import { workAddresses } from '../work-addresses/tables';
import { customerServicePlans, customerServicePlanWorkAddresses, servicePlans, type CustomerServicePlanRow } from './tables';

/** By name, ignoring case. */
const planSort: SortSpec = { name: 'NAME', expr: sql`lower(${servicePlans.name}) collate "C"`, cast: 'text', direction: 'ASC' };

/** Soonest expiry first, ties by id; the key is the expiry date as a day number (indexed: tables.ts). */
const expiryDay = sql`(${customerServicePlans.expiryDate} - date '2000-01-01')`;
const heldSort: SortSpec = { name: 'EXPIRY_DATE', expr: expiryDay, cast: 'bigint', direction: 'ASC' };

export function servicePlansPage(ctx: Context, args: PageArgs & { includeArchived?: boolean | null }) {
  return paginate({
    db: ctx.db,
    table: servicePlans,
    where: and(eq(servicePlans.organisationId, viewerOf(ctx).organisationId), args.includeArchived ? undefined : eq(servicePlans.archived, false)),
    sort: planSort,
    page: parsePageArgs(args, planSort, ctx.config.maxPageSize),
  });
}

export function customerServicePlansPage(ctx: Context, customerId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: customerServicePlans,
      parentColumn: customerServicePlans.customerId,
      where: undefined,
      name: 'customer.servicePlans',
      sort: heldSort,
      page: parsePageArgs(args, heldSort, ctx.config.maxPageSize),
    })
    .load(customerId);
}

/** Held plans not cancelled expiring from `from` to `to` (both included), among the customers the viewer sees. */
export function servicePlansExpiringPage(ctx: Context, args: PageArgs & { from: string; to: string }) {
  if (args.from > args.to) throw badUserInput(`to: ${args.to} is before from (${args.from}).`, 'to');
  return paginate({
    db: ctx.db,
    table: customerServicePlans,
    where: and(
      eq(customerServicePlans.organisationId, viewerOf(ctx).organisationId),
      // The partial index's condition, and the range on its sort key: one index range scan.
      sql`${customerServicePlans.status} = 'ACTIVE'`,
      sql`${expiryDay} between (${args.from}::date - date '2000-01-01') and (${args.to}::date - date '2000-01-01')`,
      ctx.visibility.rows(customerServicePlans),
    ),
    sort: heldSort,
    page: parsePageArgs(args, heldSort, ctx.config.maxPageSize),
  });
}

/** The work addresses a held plan covers, by first line. */
export function coveredWorkAddresses(ctx: Context, held: CustomerServicePlanRow) {
  return ctx.loaders
    .allThroughLink({
      table: workAddresses,
      link: customerServicePlanWorkAddresses,
      linkParent: customerServicePlanWorkAddresses.customerServicePlanId,
      linkTarget: customerServicePlanWorkAddresses.workAddressId,
      orderBy: [workAddresses.line1, workAddresses.id],
      name: 'customerServicePlan.workAddresses',
    })
    .load(held.id);
}

/** ACTIVE until the expiry date has passed (then EXPIRED); CANCELLED stays. */
export function heldPlanStatus(held: CustomerServicePlanRow, today: string): 'ACTIVE' | 'CANCELLED' | 'EXPIRED' {
  if (held.status === 'CANCELLED') return 'CANCELLED';
  return held.expiryDate < today ? 'EXPIRED' : 'ACTIVE';
}
