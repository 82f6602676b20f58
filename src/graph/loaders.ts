// Per-request DataLoaders. Every relation a resolver follows goes through one of these, so a page
// of 50 customers costs the same number of queries as a page of 5. Every loader is scoped to the
// viewer's organisation, and batches its keys into one array parameter. Rows by id are also limited
// to what the viewer may see (src/auth/visibility.ts); rows under a parent follow the parent, which
// was itself loaded through a visible path.
//
// Records of a node type are read by type: `loaders.byId('Customer')`. The table comes from the node
// sources the areas declare (src/graph/area.ts, passed in by createContext) and the row type from the
// type's mapper (`NodeRowTypes`, generated from the areas' mappers.ts), so no call site names a table
// and a type that must agree. `node(id:)` reads through the same loader, so they share batches.
import DataLoader from 'dataloader';
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Visibility } from '../auth/visibility';
import { PREPARED, type Db } from '../db/client';
import type { NodeRowTypes } from '../generated/graphql';
import {
  childPageJsonSql,
  connectionOf,
  decodeChildPage,
  paginateByParent,
  uuidArray,
  type ChildPageJson,
  type Connection,
  type Page,
  type SortSpec,
} from './connection';
import type { NodeType } from './ids';
import { selectionKey, type ColumnSelection } from './selection';

const MAX_BATCH = 500;

export type OrgTable = PgTable & { id: PgColumn; organisationId: PgColumn };

/** The row a node type is read as (its mapper type). */
export type RowOf<T extends NodeType> = NodeRowTypes[T];

/** Where each node type's rows live: the areas' node sources (src/graph/area.ts `Composition.nodes`). */
export type NodeTables = ReadonlyMap<NodeType, { readonly table?: OrgTable }>;

/** A name that is not a node type's: `tableById` is for tables no node type reads from. */
type NotANodeType<N extends string> = N extends NodeType ? never : N;

export class Loaders {
  private readonly cache = new Map<string, DataLoader<string, unknown>>();

  private readonly values = new Map<string, Promise<unknown>>();

  private readonly organisationId: string;

  constructor(
    private readonly db: Db,
    private readonly visibility: Visibility,
    private readonly nodes: NodeTables,
  ) {
    this.organisationId = visibility.organisationId;
  }

  private memo<V>(key: string, create: () => DataLoader<string, V>): DataLoader<string, V> {
    let loader = this.cache.get(key) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = create();
      this.cache.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }

  /**
   * An area's own batched read, per request: `load` gets the keys of one tick (at most MAX_BATCH) and
   * returns a value per key, in order. `name` must say everything that changes the answer besides the
   * key (arguments such as a date), so two different reads never share a loader.
   */
  batch<V>(name: string, load: (keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
    return this.memo(`batch:${name}`, () => new DataLoader<string, V>(load, { maxBatchSize: MAX_BATCH }));
  }

  /**
   * Records of a node type by id, read from the table its area declares; null for ids not in this
   * organisation or not visible to the viewer. (A plain read: no redirects such as a merged customer's.)
   */
  byId<T extends NodeType>(type: T): DataLoader<string, RowOf<T> | null> {
    const table = this.nodes.get(type)?.table;
    if (!table) throw new Error(`loaders: node type ${type} has no table in the areas' node sources`);
    return this.rowsById(table, type) as DataLoader<string, RowOf<T> | null>;
  }

  /**
   * The exception: rows by id of a table no node type reads from (a merged customer's tombstone, a
   * sales order line), under a name of its own. Node types go through `byId(type)`.
   */
  tableById<T extends OrgTable, N extends string>(table: T, name: NotANodeType<N>): DataLoader<string, T['$inferSelect'] | null> {
    return this.rowsById(table, name);
  }

  /** Rows by id, null for ids not in this organisation or not visible to the viewer. */
  private rowsById<T extends OrgTable>(table: T, name: string): DataLoader<string, T['$inferSelect'] | null> {
    return this.memo(
      `byId:${name}`,
      () =>
        new DataLoader<string, T['$inferSelect'] | null>(
          async (ids) => {
            const rows = (await this.db
              .select()
              .from(table as PgTable)
              .where(and(eq(table.organisationId, this.organisationId), sql`${table.id} = any(${uuidArray(ids)})`, this.visibility.rows(table as PgTable)))
              .prepare(PREPARED)
              .execute()) as Array<T['$inferSelect'] & { id: string }>;
            const found = new Map(rows.map((r) => [r.id, r]));
            return ids.map((id) => found.get(id) ?? null);
          },
          { maxBatchSize: MAX_BATCH },
        ),
    );
  }

  /** At most one row per parent matching `where` (a default address, a primary contact). */
  oneByParent<T extends OrgTable>(table: T, parentColumn: PgColumn, where: SQL, name: string): DataLoader<string, T['$inferSelect'] | null> {
    return this.memo(
      `one:${name}`,
      () =>
        new DataLoader<string, T['$inferSelect'] | null>(
          async (parentIds) => {
            const rows = (await this.db
              .select({ row: table as PgTable, parent: sql<string>`${parentColumn}` })
              .from(table as PgTable)
              .where(and(eq(table.organisationId, this.organisationId), sql`${parentColumn} = any(${uuidArray(parentIds)})`, where))) as unknown as Array<{
              row: T['$inferSelect'];
              parent: string;
            }>;
            const found = new Map(rows.map((r) => [r.parent, r.row]));
            return parentIds.map((id) => found.get(id) ?? null);
          },
          { maxBatchSize: MAX_BATCH },
        ),
    );
  }

  /** Every row of each parent (short lists: an invoice's lines, a user's tokens), in `orderBy` order. */
  allByParent<T extends OrgTable>(
    table: T,
    parentColumn: PgColumn,
    orderBy: Array<PgColumn | SQL>,
    name: string,
  ): DataLoader<string, Array<T['$inferSelect']>> {
    return this.memo(
      `all:${name}`,
      () =>
        new DataLoader<string, Array<T['$inferSelect']>>(
          async (parentIds) => {
            const rows = (await this.db
              .select({ row: table as PgTable, parent: sql<string>`${parentColumn}` })
              .from(table as PgTable)
              .where(and(eq(table.organisationId, this.organisationId), sql`${parentColumn} = any(${uuidArray(parentIds)})`))
              .orderBy(...orderBy)) as unknown as Array<{ row: T['$inferSelect']; parent: string }>;
            const byParent = new Map<string, Array<T['$inferSelect']>>();
            for (const r of rows) {
              const list = byParent.get(r.parent);
              if (list) list.push(r.row);
              else byParent.set(r.parent, [r.row]);
            }
            return parentIds.map((id) => byParent.get(id) ?? []);
          },
          { maxBatchSize: MAX_BATCH },
        ),
    );
  }

  /**
   * Every row of `table` linked to each parent through a link table (`link`: parent column and target
   * column holding `table`'s id), in `orderBy` order: a group's members, a user's groups.
   */
  allThroughLink<T extends OrgTable>(options: {
    table: T;
    link: PgTable;
    linkParent: PgColumn;
    linkTarget: PgColumn;
    orderBy: Array<PgColumn | SQL>;
    name: string;
  }): DataLoader<string, Array<T['$inferSelect']>> {
    const { table, link, linkParent, linkTarget, orderBy, name } = options;
    return this.memo(
      `link:${name}`,
      () =>
        new DataLoader<string, Array<T['$inferSelect']>>(
          async (parentIds) => {
            const rows = (await this.db
              .select({ parent: sql<string>`${linkParent}`, row: table as PgTable })
              .from(link)
              .innerJoin(table as PgTable, eq(table.id, linkTarget))
              .where(and(sql`${linkParent} = any(${uuidArray(parentIds)})`, eq(table.organisationId, this.organisationId)))
              .orderBy(...orderBy)) as unknown as Array<{ row: T['$inferSelect']; parent: string }>;
            const byParent = new Map<string, Array<T['$inferSelect']>>();
            for (const r of rows) {
              const list = byParent.get(r.parent);
              if (list) list.push(r.row);
              else byParent.set(r.parent, [r.row]);
            }
            return parentIds.map((id) => byParent.get(id) ?? []);
          },
          { maxBatchSize: MAX_BATCH },
        ),
    );
  }

  /** Pages `childPagePrimer` handed over, by loader and parent, for `pageOf` to give back at once. */
  private readonly primedPages = new WeakMap<object, Map<string, unknown>>();

  /**
   * A parent's page from a `childPage` loader: the page itself when the list's statement has already
   * read it (primed), otherwise the loader's promise. A customer whose nested lists are all primed
   * then resolves without a promise, and so does the page of them: graphql-js awaits nothing, where
   * a promise per list per customer cost a promise, a hook call and a microtask each (and a
   * Promise.all per customer and per page).
   */
  pageOf<V>(loader: DataLoader<string, V>, parentId: string): V | Promise<V> {
    const primed = this.primedPages.get(loader)?.get(parentId);
    return primed !== undefined ? (primed as V) : loader.load(parentId);
  }

  private readonly perFieldValues = new WeakMap<object, Map<string, unknown>>();

  /**
   * A value worked out once per field of the query (`node`, the field's syntax node) and `kind`,
   * however many parents ask for it: a nested list's loader, which every customer of a page asks
   * for with the same arguments (a field node's arguments and the request's variables do not change
   * within a request). `kind` tells apart what one node may stand for (a fragment on an interface:
   * a customer's contacts and a lead's).
   */
  perField<V>(node: object, kind: string, make: () => V): V {
    let byKind = this.perFieldValues.get(node);
    if (byKind?.has(kind)) return byKind.get(kind) as V;
    const value = make();
    if (!byKind) this.perFieldValues.set(node, (byKind = new Map()));
    byKind.set(kind, value);
    return value;
  }

  /**
   * A value worked out once per request, however many resolvers ask for it (the viewer's assignable
   * statuses, a short organisation-wide list). `name` identifies it; the first caller's `compute` wins.
   */
  once<V>(name: string, compute: () => Promise<V>): Promise<V> {
    let value = this.values.get(name) as Promise<V> | undefined;
    if (!value) {
      // A real promise, settled once: a Drizzle query builder is a thenable that runs its query again
      // on every `await`, so keeping it would cost a statement per caller.
      value = Promise.resolve(compute());
      this.values.set(name, value);
    }
    return value;
  }

  /** How many rows each parent has, matching `where`. */
  countByParent(table: OrgTable, parentColumn: PgColumn, where: SQL | undefined, name: string): DataLoader<string, number> {
    return this.memo(
      `count:${name}`,
      () =>
        new DataLoader<string, number>(
          async (parentIds) => {
            const rows = await this.db
              .select({ parent: sql<string>`${parentColumn}`, count: sql<number>`count(*)::int` })
              .from(table as PgTable)
              .where(and(eq(table.organisationId, this.organisationId), sql`${parentColumn} = any(${uuidArray(parentIds)})`, where))
              .groupBy(parentColumn);
            const counts = new Map(rows.map((r) => [r.parent, r.count]));
            return parentIds.map((id) => counts.get(id) ?? 0);
          },
          { maxBatchSize: MAX_BATCH },
        ),
    );
  }

  /**
   * A page of children for each parent. One loader per distinct (relation, filter, page) so that all
   * parents asking for the same page in one request share one query.
   */
  childPage<T extends OrgTable>(options: ChildPageSpec<T>): DataLoader<string, Connection<T['$inferSelect'] & { id: string }>> {
    const { table, parentColumn, where, name, sort, page, columns } = options;
    const counts = this.countByParent(table, parentColumn, where, name);
    return this.memo(
      childPageKey(options),
      () =>
        new DataLoader(
          (parentIds) =>
            paginateByParent({
              db: this.db,
              table,
              parentColumn,
              parentIds,
              where: and(eq(table.organisationId, this.organisationId), where),
              sort,
              page,
              columns,
              countByParent: (id) => counts.load(id),
            }),
          { maxBatchSize: MAX_BATCH },
        ),
    );
  }

  /**
   * The SQL that reads, inside a statement over the parents, each parent's page exactly as
   * `childPage` would (same rows, visibility and order), as JSON; null when it cannot (see
   * `childPageJsonSql`). `childPagePrimer` then hands each parent's page to the loader.
   */
  childPageJson<T extends OrgTable>(options: ChildPageSpec<T>, parentId: PgColumn): ChildPageJson | null {
    const { table, parentColumn, where, sort, page } = options;
    return childPageJsonSql({
      table,
      parentColumn,
      parentId,
      where: and(eq(table.organisationId, this.organisationId), where),
      sort,
      page,
      columns: options.columns ?? (getTableColumns(table) as ColumnSelection),
      // Every row read is the organisation's (the condition above): its id need not travel per row.
      constants: new Map([[table.organisationId, this.organisationId]]),
      keys: options.cursors !== false,
    });
  }

  /**
   * What hands each parent's page read through `childPageJson` to the `childPage` loader, so that its
   * `load` needs no query: made once per list field, called once per parent.
   */
  childPagePrimer<T extends OrgTable>(options: ChildPageSpec<T>, json: ChildPageJson): (parentId: string, value: unknown) => void {
    const { table, parentColumn, where, name, sort, page } = options;
    const counts = this.countByParent(table, parentColumn, where, name);
    const loader = this.childPage(options);
    const pages = this.primedPages.get(loader) ?? new Map<string, unknown>();
    this.primedPages.set(loader, pages);
    return (parentId, value) => {
      // As DataLoader's prime: the first page given for a parent stays.
      if (pages.has(parentId)) return;
      const { nodes, keys } = decodeChildPage<T['$inferSelect'] & { id: string }>(json, value);
      const connection = connectionOf(nodes, keys, sort, page, () => counts.load(parentId));
      loader.prime(parentId, connection);
      pages.set(parentId, connection);
    };
  }
}

/** What `childPage` reads: the relation, its filter, order and page, and the columns its fields need. */
export type ChildPageSpec<T extends OrgTable = OrgTable> = {
  table: T;
  parentColumn: PgColumn;
  where: SQL | undefined;
  /** Identifies the relation and its filter, e.g. `customer.addresses:BILLING`. */
  name: string;
  sort: SortSpec;
  page: Page;
  /** The columns the query's fields need (src/graph/selection.ts); the whole row when null or absent. */
  columns?: ColumnSelection | null;
  /**
   * False when the query asks for no cursor of these pages (no `edges`, no `pageInfo`,
   * src/graph/selection.ts `asksForCursors`): pages read with the parents' statement then leave
   * each row's sort key out. Absent: read.
   */
  cursors?: boolean;
};

function childPageKey(options: ChildPageSpec): string {
  const { name, sort, page, columns } = options;
  // Asked once per parent of a list: the cursor (rarely there) is the only part worth quoting.
  const cursor = page.cursor ? JSON.stringify(page.cursor) : '-';
  const keys = options.cursors === false ? 'no-cursors' : 'cursors';
  return `page:${name}:${sort.name}:${sort.direction}:${page.limit}:${page.backwards}:${cursor}:${keys}:${selectionKey(columns ?? null)}`;
}
