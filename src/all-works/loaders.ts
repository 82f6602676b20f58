// All Works (docs/domain.md#all-works): a work address's or a customer's jobs, estimates, service
// reminders and reminder decisions as one list, newest first, keyset paged on (time, id).
//
// One SQL statement per page, whatever the number of parents: a UNION ALL of the four tables (only the
// kinds asked for), each branch reading (kind, id, time, parent) for the parents of the batch, then
// `row_number()` per parent cuts each parent's page. The records themselves are read by the entries'
// `item` through the node loaders (one query per kind on the page). `totalCount`, when asked, is one
// more statement for all parents. Rows under a work address or customer follow their parent's
// visibility (the parent was itself read through the viewer's visibility), as every nested list does.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { selectRows, type Db } from '../db/client';
import {
  buildConnection,
  cursorCondition,
  orderSql,
  parsePageArgs,
  sortKeySql,
  uuidArray,
  type Connection,
  type Page,
  type PageArgs,
  type SortSpec,
  type WithSortKey,
} from '../graph/connection';
import type { Context } from '../graph/context';
import { viewerOf } from '../graph/context';
import { estimates, jobs } from '../pipeline/tables';
import { serviceReminderDecisions, serviceReminders } from '../service-reminders/tables';

export const workHistoryKinds = ['JOB', 'ESTIMATE', 'SERVICE_REMINDER', 'SERVICE_REMINDER_DECISION'] as const;
export type WorkHistoryKind = (typeof workHistoryKinds)[number];

/** What an entry resolves from: the record is read by `item` (WorkHistoryItem) through its node loader. */
export type WorkHistoryEntryValue = { kind: WorkHistoryKind; id: string; occurredAt: Date };

export type AllWorksArgs = PageArgs & {
  kinds?: readonly WorkHistoryKind[] | null;
  occurredFrom?: Date | null;
  occurredBefore?: Date | null;
};

type Parent = 'workAddress' | 'customer';

/** Each kind's table, time and parent columns. */
const sources: Record<
  WorkHistoryKind,
  { table: typeof jobs | typeof estimates | typeof serviceReminders | typeof serviceReminderDecisions; at: PgColumn; parent: Record<Parent, PgColumn> }
> = {
  JOB: { table: jobs, at: jobs.createdAt, parent: { workAddress: jobs.workAddressId, customer: jobs.customerId } },
  ESTIMATE: { table: estimates, at: estimates.createdAt, parent: { workAddress: estimates.workAddressId, customer: estimates.customerId } },
  SERVICE_REMINDER: {
    table: serviceReminders,
    at: serviceReminders.createdAt,
    parent: { workAddress: serviceReminders.workAddressId, customer: serviceReminders.customerId },
  },
  SERVICE_REMINDER_DECISION: {
    table: serviceReminderDecisions,
    at: serviceReminderDecisions.decidedAt,
    parent: { workAddress: serviceReminderDecisions.workAddressId, customer: serviceReminderDecisions.customerId },
  },
};

/** Newest first; the union's columns are named `at` and `id`. */
const historySort: SortSpec = { name: 'OCCURRED_AT', expr: sql.raw('u.at'), cast: 'timestamptz', direction: 'DESC' };
const unionId = sql.raw('u.id') as unknown as PgColumn;

/** The UNION ALL of the kinds asked for: (kind, id, at, parent) of the given parents' records. */
function unionOf(organisationId: string, parent: Parent, parentIds: readonly string[], args: AllWorksArgs): SQL {
  const kinds = args.kinds && args.kinds.length > 0 ? workHistoryKinds.filter((k) => args.kinds!.includes(k)) : workHistoryKinds;
  const branches = kinds.map((kind) => {
    const s = sources[kind];
    const table = s.table as typeof jobs;
    return sql`select ${kind}::text as kind, ${table.id} as id, ${s.at} as at, ${s.parent[parent]} as parent
      from ${s.table}
      where ${table.organisationId} = ${organisationId} and ${s.parent[parent]} = any(${uuidArray(parentIds)})
        ${args.occurredFrom ? sql`and ${s.at} >= ${args.occurredFrom.toISOString()}::timestamptz` : sql``}
        ${args.occurredBefore ? sql`and ${s.at} < ${args.occurredBefore.toISOString()}::timestamptz` : sql``}`;
  });
  return sql.join(branches, sql` union all `);
}

type HistoryRow = { kind: WorkHistoryKind; id: string; at: Date | string; parent: string; _sortKey: string };

async function pagesFor(db: Db, organisationId: string, parent: Parent, parentIds: readonly string[], args: AllWorksArgs, page: Page) {
  const rows =
    page.limit === 0
      ? []
      : await selectRows<HistoryRow>(
          db,
          sql`select kind, id, at, parent, _sort_key as "_sortKey" from (
            select u.*, ${sortKeySql(historySort)} as _sort_key,
              row_number() over (partition by u.parent order by ${orderSql(historySort, unionId, page)}) as rn
            from (${unionOf(organisationId, parent, parentIds, args)}) u
            ${page.cursor ? sql`where ${cursorCondition(historySort, unionId, page)}` : sql``}
          ) n where rn <= ${page.limit + 1} order by parent, rn`,
        );
  const byParent = new Map<string, Array<WithSortKey<WorkHistoryEntryValue>>>();
  for (const r of rows) {
    const list = byParent.get(r.parent) ?? [];
    list.push({ kind: r.kind, id: r.id, occurredAt: new Date(r.at), _sortKey: r._sortKey });
    byParent.set(r.parent, list);
  }
  return byParent;
}

async function countsFor(db: Db, organisationId: string, parent: Parent, parentIds: readonly string[], args: AllWorksArgs) {
  const rows = await selectRows<{ parent: string; n: number }>(
    db,
    sql`select u.parent, count(*)::int as n from (${unionOf(organisationId, parent, parentIds, args)}) u group by u.parent`,
  );
  return new Map(rows.map((r) => [r.parent, Number(r.n)]));
}

/** A parent's All Works page, batched with every other parent asking for the same page in the request. */
export function allWorksPage(ctx: Context, parent: Parent, parentId: string, args: AllWorksArgs): Promise<Connection<WorkHistoryEntryValue & { id: string }>> {
  const organisationId = viewerOf(ctx).organisationId;
  const page = parsePageArgs(args, historySort, ctx.config.maxPageSize);
  const filter = {
    kinds: args.kinds ? [...args.kinds].sort() : null,
    from: args.occurredFrom?.toISOString() ?? null,
    before: args.occurredBefore?.toISOString() ?? null,
  };
  const name = `allWorks:${parent}:${JSON.stringify(filter)}`;
  const counts = ctx.loaders.batch(`${name}:count`, async (ids) => {
    const found = await countsFor(ctx.db, organisationId, parent, ids, args);
    return ids.map((id) => found.get(id) ?? 0);
  });
  return ctx.loaders
    .batch(`${name}:page:${JSON.stringify(page)}`, async (ids) => {
      const found = await pagesFor(ctx.db, organisationId, parent, ids, args, page);
      return ids.map((id) => buildConnection(found.get(id) ?? [], historySort, page, () => counts.load(id)));
    })
    .load(parentId);
}
