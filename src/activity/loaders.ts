// Pages of a lead's or customer's notes, tasks, communications and expiries, batched across every
// parent in the request (one query for the pages and one for the counts, whatever the number of
// parents).
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { TaskType, TaskView } from '../generated/graphql';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { communications, expiries, notes, tasks } from './tables';

export type Owner = 'customer' | 'lead';

/**
 * Important notes first, then newest first: one text key, `1…` for important and `0…` otherwise,
 * followed by the creation time to the microsecond (so a cursor can hold it).
 */
export const noteSort: SortSpec = {
  name: 'IMPORTANT_NEWEST',
  expr: sql`((case when ${notes.important} then '1' else '0' end) || to_char(${notes.createdAt} at time zone 'UTC', 'YYYYMMDDHH24MISSUS')) collate "C"`,
  cast: 'text',
  direction: 'DESC',
};

/** Open tasks: soonest due first. */
export const taskDueSort: SortSpec = { name: 'DUE_AT', expr: tasks.dueAt, cast: 'timestamptz', direction: 'ASC' };
/** Completed tasks: most recently completed first. */
export const taskCompletedSort: SortSpec = { name: 'COMPLETED_AT', expr: tasks.completedAt, cast: 'timestamptz', direction: 'DESC' };

export const communicationSort: SortSpec = { name: 'SENT_AT', expr: communications.sentAt, cast: 'timestamptz', direction: 'DESC' };

/** Soonest ending first; ISO dates compare correctly as text. */
export const expirySort: SortSpec = { name: 'ENDS_ON', expr: sql`(${expiries.endsOn})::text collate "C"`, cast: 'text', direction: 'ASC' };

function parentColumn(table: { customerId: PgColumn; leadId: PgColumn }, owner: Owner): PgColumn {
  return owner === 'customer' ? table.customerId : table.leadId;
}

export function notesPage(ctx: Context, owner: Owner, parentId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: notes,
      parentColumn: parentColumn(notes, owner),
      where: undefined,
      name: `${owner}.notes`,
      sort: noteSort,
      page: parsePageArgs(args, noteSort, ctx.config.maxPageSize),
    })
    .load(parentId);
}

const taskViews: Record<TaskView, SQL> = {
  OVERDUE: sql`${tasks.completedAt} is null and ${tasks.dueAt} < now()`,
  SCHEDULED: sql`${tasks.completedAt} is null and ${tasks.dueAt} >= now()`,
  COMPLETED: sql`${tasks.completedAt} is not null`,
};

export function tasksPage(ctx: Context, owner: Owner, parentId: string, args: PageArgs & { view?: TaskView | null; types?: readonly TaskType[] | null }) {
  const sort = args.view === 'COMPLETED' ? taskCompletedSort : taskDueSort;
  const types = args.types?.length ? [...new Set(args.types)].sort() : null;
  const conditions = [
    args.view ? taskViews[args.view] : undefined,
    // Enum values are checked by GraphQL, so the literal is one of five known words.
    types ? sql`${tasks.type}::text = any(${`{${types.join(',')}}`}::text[])` : undefined,
  ].filter((c): c is SQL => c !== undefined);
  return ctx.loaders
    .childPage({
      table: tasks,
      parentColumn: parentColumn(tasks, owner),
      where: conditions.length ? sql.join(conditions, sql` and `) : undefined,
      name: `${owner}.tasks:${args.view ?? '*'}:${types?.join(',') ?? '*'}`,
      sort,
      page: parsePageArgs(args, sort, ctx.config.maxPageSize),
    })
    .load(parentId);
}

export function communicationsPage(ctx: Context, owner: Owner, parentId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: communications,
      parentColumn: parentColumn(communications, owner),
      where: undefined,
      name: `${owner}.communications`,
      sort: communicationSort,
      page: parsePageArgs(args, communicationSort, ctx.config.maxPageSize),
    })
    .load(parentId);
}

export function expiriesPage(ctx: Context, owner: Owner, parentId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: expiries,
      parentColumn: parentColumn(expiries, owner),
      where: undefined,
      name: `${owner}.expiries`,
      sort: expirySort,
      page: parsePageArgs(args, expirySort, ctx.config.maxPageSize),
    })
    .load(parentId);
}
