// Reading the audit trail and the read log back: a page of a record's entries, newest first, for
// every record a request asks about in one query (a list of 50 customers each asking for
// `auditTrail(first: 5)` costs one query for the pages and one for the counts, not 50).
//
// A record's trail is the entries about the record itself and about the rows under it. Those rows
// are found through the record children the areas declare (`trail: true`, src/db/record-children.ts,
// read from the request's composition): an area whose rows belong to a customer or lead declares its
// table, and its entries join the trail. A customer's trail includes the history of the customers
// merged into it (their tombstones are such a child). A child row that has been deleted is still
// found: its deletion left a link to the record (audit_deleted_rows, written by recordAudit), which is
// itself a child.
import DataLoader from 'dataloader';
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { RecordChild } from '../db/record-children';
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
import { auditEntries, recordReads, type AuditEntryRow, type RecordReadRow } from './tables';

export type RecordKind = 'customer' | 'lead';

/** Newest first. Ids are serial, so they give the order of writing (`createdAt` is per transaction). */
export const auditSort: SortSpec = { name: 'NEWEST', expr: auditEntries.id, cast: 'bigint', direction: 'DESC', idKind: 'serial' };
export const readSort: SortSpec = { name: 'NEWEST', expr: recordReads.id, cast: 'bigint', direction: 'DESC', idKind: 'serial' };

/**
 * (entity_id, record_id) for each record and each row under it: the rows of audit_entries that
 * belong to a record are those whose entity_id appears here.
 */
function ownersSql(kind: RecordKind, organisationId: string, recordIds: readonly string[], children: readonly RecordChild[]): SQL {
  const ids = uuidArray(recordIds);
  const parts: SQL[] = [sql`select r.id as entity_id, r.id as record_id from unnest(${ids}) as r(id)`];
  for (const child of children) {
    const column = child.trail ? child[kind] : undefined;
    if (!column) continue;
    parts.push(
      sql`select ${child.table.id} as entity_id, ${column} as record_id from ${child.table} where ${child.table.organisationId} = ${organisationId} and ${column} = any(${ids})`,
    );
  }
  // `union`, not `union all`: a row kept after its deletion (a document's metadata) is found both as a
  // live child and through its deletion link, and its entries must count once.
  return sql.join(parts, sql` union `);
}

/** Per-request loaders, kept beside the request's context so they die with it. */
const requestLoaders = new WeakMap<Context, Map<string, DataLoader<string, unknown>>>();

function memo<V>(ctx: Context, key: string, create: () => DataLoader<string, V>): DataLoader<string, V> {
  let loaders = requestLoaders.get(ctx);
  if (!loaders) {
    loaders = new Map();
    requestLoaders.set(ctx, loaders);
  }
  let loader = loaders.get(key) as DataLoader<string, V> | undefined;
  if (!loader) {
    loader = create();
    loaders.set(key, loader as DataLoader<string, unknown>);
  }
  return loader;
}

const MAX_BATCH = 500;

function auditCounts(ctx: Context, kind: RecordKind): DataLoader<string, number> {
  const organisationId = viewerOf(ctx).organisationId;
  return memo(
    ctx,
    `audit.count:${kind}`,
    () =>
      new DataLoader<string, number>(
        async (recordIds) => {
          const rows = await ctx.db
            .select({ parent: sql<string>`o.record_id`, count: sql<number>`count(*)::int` })
            .from(auditEntries)
            .innerJoin(sql`(${ownersSql(kind, organisationId, recordIds, ctx.composition.children)}) as o`, sql`o.entity_id = ${auditEntries.entityId}`)
            .where(eq(auditEntries.organisationId, organisationId))
            .groupBy(sql`o.record_id`);
          const counts = new Map(rows.map((r) => [r.parent, r.count]));
          return recordIds.map((id) => counts.get(id) ?? 0);
        },
        { maxBatchSize: MAX_BATCH },
      ),
  );
}

function auditPages(ctx: Context, kind: RecordKind, page: Page): DataLoader<string, Connection<AuditEntryRow>> {
  const organisationId = viewerOf(ctx).organisationId;
  const counts = auditCounts(ctx, kind);
  return memo(
    ctx,
    `audit.page:${kind}:${JSON.stringify(page)}`,
    () =>
      new DataLoader<string, Connection<AuditEntryRow>>(
        async (recordIds) => {
          type Row = WithSortKey<AuditEntryRow> & { _parent: string };
          let rows: Row[] = [];
          if (page.limit > 0) {
            // Each record's entries numbered newest first and cut at the page size (plus one, to know
            // whether there is a next page), as in paginateByParent but through the owners join.
            const numbered = ctx.db
              .select({
                ...getTableColumns(auditEntries),
                _sortKey: sortKeySql(auditSort).as('_sort_key'),
                _parent: sql<string>`o.record_id`.as('_parent'),
                _rn: sql<number>`row_number() over (partition by o.record_id order by ${orderSql(auditSort, auditEntries.id, page)})`.as('_rn'),
              })
              .from(auditEntries)
              .innerJoin(sql`(${ownersSql(kind, organisationId, recordIds, ctx.composition.children)}) as o`, sql`o.entity_id = ${auditEntries.entityId}`)
              .where(and(eq(auditEntries.organisationId, organisationId), cursorCondition(auditSort, auditEntries.id, page)))
              .as('numbered');
            rows = (await ctx.db
              .select()
              .from(numbered)
              .where(sql`${numbered._rn} <= ${page.limit + 1}`)
              .orderBy(numbered._parent, numbered._rn)) as unknown as Row[];
          }
          const byRecord = new Map<string, WithSortKey<AuditEntryRow>[]>();
          for (const row of rows) {
            const { _parent, _rn, ...entry } = row as Row & { _rn: number };
            void _rn;
            const list = byRecord.get(_parent) ?? [];
            list.push(entry);
            byRecord.set(_parent, list);
          }
          return recordIds.map((id) => buildConnection<AuditEntryRow>(byRecord.get(id) ?? [], auditSort, page, () => counts.load(id)));
        },
        { maxBatchSize: MAX_BATCH },
      ),
  );
}

/** A page of the changes to a customer or lead and to the rows under it, newest first. */
export function auditTrailPage(ctx: Context, kind: RecordKind, recordId: string, args: PageArgs): Promise<Connection<AuditEntryRow>> {
  const page = parsePageArgs(args, auditSort, ctx.config.maxPageSize);
  return auditPages(ctx, kind, page).load(recordId);
}

/**
 * A page of the changes to one entity itself (not to rows under it), newest first: e.g. a work
 * address's own history. Batched across entities like the other nested lists.
 */
export async function entityHistoryPage(ctx: Context, entityType: string, entityId: string, args: PageArgs): Promise<Connection<AuditEntryRow>> {
  const connection = await ctx.loaders
    .childPage({
      table: auditEntries,
      parentColumn: auditEntries.entityId,
      where: eq(auditEntries.entityType, entityType),
      name: `history:${entityType}`,
      sort: auditSort,
      page: parsePageArgs(args, auditSort, ctx.config.maxPageSize),
    })
    .load(entityId);
  // childPage types its rows' ids as uuid strings; these are serial numbers.
  return connection as unknown as Connection<AuditEntryRow>;
}

/** A page of the reads of a customer record, newest first. */
export async function readLogPage(ctx: Context, customerId: string, args: PageArgs): Promise<Connection<RecordReadRow>> {
  const connection = await ctx.loaders
    .childPage({
      table: recordReads,
      parentColumn: recordReads.customerId,
      where: undefined,
      name: 'customer.readLog',
      sort: readSort,
      page: parsePageArgs(args, readSort, ctx.config.maxPageSize),
    })
    .load(customerId);
  // childPage types its rows' ids as uuid strings; these are serial numbers.
  return connection as unknown as Connection<RecordReadRow>;
}
