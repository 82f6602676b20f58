// Lists of service reminders and their types: a work address's reminders (batched across every work
// address in the request: one query for the pages, one for the counts), the organisation's types,
// and the reminders due in a date range, without those that must not be sent.
import { and, eq, sql } from 'drizzle-orm';
import { customers } from '../customers/tables';
import { paginate, parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { viewerOf } from '../graph/context';
import { badUserInput } from '../graph/errors';
import { decodeIdArgument } from '../graph/ids';
import { workAddresses } from '../work-addresses/tables';
import { serviceReminderDecisions, serviceReminders, serviceReminderTypes } from './tables';

/**
 * Soonest due first, ties broken by id. The key is the due date as a day number (an integer, so the
 * cursor compares it exactly whatever the session's date style).
 */
const dueDay = sql`(${serviceReminders.dueDate} - date '2000-01-01')`;
export const reminderSort: SortSpec = { name: 'DUE_DATE', expr: dueDay, cast: 'bigint', direction: 'ASC' };

/** By name, ignoring case. */
export const reminderTypeSort: SortSpec = { name: 'NAME', expr: sql`lower(${serviceReminderTypes.name}) collate "C"`, cast: 'text', direction: 'ASC' };

export function workAddressRemindersPage(ctx: Context, workAddressId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: serviceReminders,
      parentColumn: serviceReminders.workAddressId,
      where: undefined,
      name: 'workAddress.serviceReminders',
      sort: reminderSort,
      page: parsePageArgs(args, reminderSort, ctx.config.maxPageSize),
    })
    .load(workAddressId);
}

/** A customer's reminders across its work addresses, in the same order (the customer's tab). */
export function customerRemindersPage(ctx: Context, customerId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: serviceReminders,
      parentColumn: serviceReminders.customerId,
      where: undefined,
      name: 'customer.serviceReminders',
      sort: reminderSort,
      page: parsePageArgs(args, reminderSort, ctx.config.maxPageSize),
    })
    .load(customerId);
}

/** Newest decision first, ties broken by id. */
export const decisionSort: SortSpec = { name: 'DECIDED_AT', expr: serviceReminderDecisions.decidedAt, cast: 'timestamptz', direction: 'DESC' };

/** The decisions about a reminder, or about the reminders at a work address: batched across parents. */
export function decisionsPage(ctx: Context, parent: 'reminder' | 'workAddress', parentId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: serviceReminderDecisions,
      parentColumn: parent === 'reminder' ? serviceReminderDecisions.reminderId : serviceReminderDecisions.workAddressId,
      where: undefined,
      name: `${parent}.serviceReminderDecisions`,
      sort: decisionSort,
      page: parsePageArgs(args, decisionSort, ctx.config.maxPageSize),
    })
    .load(parentId);
}

export function serviceReminderTypesPage(ctx: Context, args: PageArgs & { includeArchived?: boolean | null }) {
  const organisationId = viewerOf(ctx).organisationId;
  return paginate({
    db: ctx.db,
    table: serviceReminderTypes,
    where: and(eq(serviceReminderTypes.organisationId, organisationId), args.includeArchived ? undefined : eq(serviceReminderTypes.archived, false)),
    sort: reminderTypeSort,
    page: parsePageArgs(args, reminderTypeSort, ctx.config.maxPageSize),
  });
}

export type DueArgs = PageArgs & { from: string; to: string; typeId?: string | null; branchId?: string | null; businessUnitId?: string | null };

/**
 * Reminders due from `from` to `to` (both included) that may be sent: the work address is active,
 * and its customer's status is neither the dormant one nor one that stops automated communications.
 * Optionally only one type, one branch's work addresses, or one business unit's customers. Among the
 * customers the viewer sees (the visibility layer, through the reminder's customer).
 */
export function dueServiceRemindersPage(ctx: Context, args: DueArgs) {
  if (args.from > args.to) throw badUserInput(`to: ${args.to} is before from (${args.from}).`, 'to');
  const organisationId = viewerOf(ctx).organisationId;
  const typeId = args.typeId != null ? decodeIdArgument(args.typeId, ['ServiceReminderType'], 'typeId').id : null;
  const branchId = args.branchId != null ? decodeIdArgument(args.branchId, ['Branch'], 'branchId').id : null;
  const businessUnitId = args.businessUnitId != null ? decodeIdArgument(args.businessUnitId, ['BusinessUnit'], 'businessUnitId').id : null;
  // One branch's work addresses, or one business unit's customers: through the work address.
  const within =
    branchId || businessUnitId
      ? sql`exists (
    select 1 from ${workAddresses}
      join ${customers} on ${customers.id} = ${workAddresses.customerId}
    where ${workAddresses.id} = ${serviceReminders.workAddressId}
      ${branchId ? sql`and ${workAddresses.branchId} = ${branchId}` : sql``}
      ${businessUnitId ? sql`and ${customers.businessUnitId} = ${businessUnitId}` : sql``})`
      : undefined;
  return paginate({
    db: ctx.db,
    table: serviceReminders,
    where: and(
      eq(serviceReminders.organisationId, organisationId),
      // Cancelled for good: never due (and not in the due index).
      sql`${serviceReminders.cancelledAt} is null`,
      // On the sort key itself, so that the range and the order are one index scan.
      sql`${dueDay} between (${args.from}::date - date '2000-01-01') and (${args.to}::date - date '2000-01-01')`,
      // May be sent (the work address active, the customer's status neither dormant nor one that
      // stops automated communications): kept on the row by triggers, and in the due index.
      sql`${serviceReminders.sendable}`,
      typeId ? eq(serviceReminders.typeId, typeId) : undefined,
      within,
      ctx.visibility.rows(serviceReminders),
    ),
    sort: reminderSort,
    page: parsePageArgs(args, reminderSort, ctx.config.maxPageSize),
  });
}
