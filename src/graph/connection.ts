// Relay cursor connections paged by keyset (never OFFSET). A cursor holds the sort key of its row
// (read back from PostgreSQL as text, so timestamps keep their microseconds) and the row's id, which
// breaks ties. Root lists page with one query; nested lists (a page of contacts for each of 50
// customers) page all parents in one query with a window function, through a DataLoader.
import { and, Column, getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { PREPARED, type Db } from '../db/client';
import { badUserInput } from './errors';
import { isUuid } from './ids';
import type { ColumnSelection } from './selection';

export type PageInfo = {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
};
export type Edge<T> = { cursor: string; node: T };
export type Connection<T> = {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Resolved only when the client asks for it: counting costs a query. */
  totalCount: () => Promise<number>;
};

export type PageArgs = { first?: number | null; after?: string | null; last?: number | null; before?: string | null };

/**
 * How a list is ordered: the name put in cursors, the SQL sort expression, and how to compare it.
 * `idKind` says what the rows' ids are: uuids (the default) or serial integers (log tables).
 */
export type SortSpec = {
  name: string;
  expr: SQL | PgColumn;
  cast: 'text' | 'timestamptz' | 'bigint';
  direction: 'ASC' | 'DESC';
  idKind?: 'uuid' | 'serial';
};

/** The orders most record lists offer: by name (case-insensitive), by creation, by last change. */
export function nameAndTimeSorts(columns: { name: PgColumn; createdAt: PgColumn; updatedAt: PgColumn }) {
  return {
    NAME: { name: 'NAME', expr: sql`lower(${columns.name}) collate "C"`, cast: 'text' },
    CREATED_AT: { name: 'CREATED_AT', expr: columns.createdAt, cast: 'timestamptz' },
    UPDATED_AT: { name: 'UPDATED_AT', expr: columns.updatedAt, cast: 'timestamptz' },
  } satisfies Record<string, Omit<SortSpec, 'direction'>>;
}

type Cursor = { sort: string; key: string; id: string };

export type Page = {
  /** Rows to return. */
  limit: number;
  /** Reading backwards (`last`/`before`): fetch in reverse order, then flip. */
  backwards: boolean;
  cursor: Cursor | null;
  hadCursor: boolean;
};

export const DEFAULT_PAGE_SIZE = 20;

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.key, c.id]), 'utf8').toString('base64url');
}

/** The longest cursor we hand out: a 200-character name lower-cased, in UTF-8, in JSON, in base64. */
const CURSOR_MAX = 2048;

/** PostgreSQL's text form of a timestamptz (ISO DateStyle), with every field in range. */
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2}){0,2})$/;

function isTimestampText(text: string): boolean {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60;
}

/**
 * Whether a cursor's sort key can be what we put there: a cursor is the client's to send back, so a
 * forged one (a bad timestamp, a NUL) is refused here, as BAD_USER_INPUT, before it reaches SQL.
 */
function isSortKey(key: string, cast: SortSpec['cast']): boolean {
  if (cast === 'timestamptz') return isTimestampText(key);
  if (cast === 'bigint') return /^-?[0-9]{1,18}$/.test(key);
  return !key.includes('\u0000');
}

function decodeCursor(value: string, argument: string, sort: SortSpec): Cursor {
  let parsed: unknown;
  try {
    parsed = value.length <= CURSOR_MAX ? JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) : null;
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    !parsed.every((p) => typeof p === 'string') ||
    !(sort.idKind === 'serial' ? /^[0-9]{1,15}$/.test(parsed[2] as string) : isUuid(parsed[2] as string)) ||
    // Another list's cursor is reported as such below; its key is checked against its own sort there.
    (parsed[0] === sort.name && !isSortKey(parsed[1] as string, sort.cast))
  ) {
    throw badUserInput(`${argument}: ${JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)} is not a valid cursor.`, argument);
  }
  const [sortName, key, id] = parsed as [string, string, string];
  if (sortName !== sort.name) {
    throw badUserInput(`${argument}: the cursor belongs to a list sorted by ${sortName}, not ${sort.name}.`, argument);
  }
  return { sort: sortName, key, id };
}

/** Checks first/last/after/before and turns them into one page request. */
export function parsePageArgs(args: PageArgs, sort: SortSpec, maxPageSize: number): Page {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badUserInput('Pass either `first` or `last`, not both.', 'first');
  if (after != null && before != null) throw badUserInput('Pass either `after` or `before`, not both.', 'after');
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (value < 0 || value > maxPageSize)) {
      throw badUserInput(`${name} must be between 0 and ${maxPageSize} (got ${value}).`, name);
    }
  }
  const backwards = last != null || (before != null && first == null);
  const limit = (backwards ? last : first) ?? DEFAULT_PAGE_SIZE;
  const raw = after ?? before ?? null;
  const cursor = raw == null ? null : decodeCursor(raw, after != null ? 'after' : 'before', sort);
  return { limit, backwards, cursor, hadCursor: cursor != null };
}

/** Direction actually read: reversed when paging backwards. */
function readDirection(sort: SortSpec, page: Page): 'asc' | 'desc' {
  const asc = sort.direction === 'ASC';
  return asc !== page.backwards ? 'asc' : 'desc';
}

export function sortKeySql(sort: SortSpec): SQL<string> {
  return sql<string>`(${sort.expr})::text`;
}

export function orderSql(sort: SortSpec, idColumn: PgColumn, page: Page): SQL {
  const dir = sql.raw(readDirection(sort, page));
  return sql`${sort.expr} ${dir}, ${idColumn} ${dir}`;
}

/** Rows strictly beyond the cursor, in reading direction. Ties on the sort key are broken by id. */
export function cursorCondition(sort: SortSpec, idColumn: PgColumn, page: Page): SQL | undefined {
  if (!page.cursor) return undefined;
  const key =
    sort.cast === 'timestamptz'
      ? sql`${page.cursor.key}::timestamptz`
      : sort.cast === 'bigint'
        ? sql`${page.cursor.key}::bigint`
        : sql`${page.cursor.key}::text`;
  const op = sql.raw(readDirection(sort, page) === 'asc' ? '>' : '<');
  const id = sort.idKind === 'serial' ? sql`${page.cursor.id}::bigint` : sql`${page.cursor.id}::uuid`;
  return sql`(${sort.expr}, ${idColumn}) ${op} (${key}, ${id})`;
}

export type WithSortKey<T> = T & { _sortKey: string };

/**
 * A page of rows read in reading direction (one more than the page when there is more), with each
 * row's sort key. Cursors are encoded only when asked for: a list screen that reads `nodes` never
 * pays for them; `edges` pays for one per row, `pageInfo` for two.
 */
class KeysetConnection<T extends { id: string | number }> implements Connection<T> {
  readonly nodes: T[];

  private readonly keys: string[];

  private edgeList: Edge<T>[] | undefined;

  private info: PageInfo | undefined;

  private readonly hasMore: boolean;

  constructor(
    nodes: T[],
    keys: string[],
    private readonly sort: SortSpec,
    private readonly page: Page,
    readonly totalCount: () => Promise<number>,
  ) {
    this.hasMore = nodes.length > page.limit;
    if (this.hasMore) {
      nodes.length = page.limit;
      keys.length = page.limit;
    }
    if (page.backwards) {
      nodes.reverse();
      keys.reverse();
    }
    this.nodes = nodes;
    this.keys = keys;
  }

  private cursorAt(index: number): string {
    const key = this.keys[index];
    // A nested page read without sort keys is made only for a query that asks for no cursor.
    if (key === undefined) throw new Error('a cursor was asked of a page read without its sort keys');
    return encodeCursor({ sort: this.sort.name, key, id: String(this.nodes[index]!.id) });
  }

  get edges(): Edge<T>[] {
    this.edgeList ??= this.nodes.map((node, index) => ({ cursor: this.cursorAt(index), node }));
    return this.edgeList;
  }

  get pageInfo(): PageInfo {
    const { page, hasMore, nodes } = this;
    this.info ??= {
      hasNextPage: page.backwards ? page.hadCursor : hasMore,
      hasPreviousPage: page.backwards ? hasMore : page.hadCursor,
      startCursor: nodes.length > 0 ? this.cursorAt(0) : null,
      endCursor: nodes.length > 0 ? this.cursorAt(nodes.length - 1) : null,
    };
    return this.info;
  }
}

/** A connection from rows and their sort keys (same order, reading direction); takes both arrays over. */
export function connectionOf<T extends { id: string | number }>(
  nodes: T[],
  keys: string[],
  sort: SortSpec,
  page: Page,
  totalCount: () => Promise<number>,
): Connection<T> {
  return new KeysetConnection(nodes, keys, sort, page, totalCount);
}

/** A connection from rows fetched in reading direction, one more than the page when there is more. */
export function buildConnection<T extends { id: string | number }>(
  rows: WithSortKey<T>[],
  sort: SortSpec,
  page: Page,
  totalCount: () => Promise<number>,
): Connection<T> {
  const keys = rows.map((row) => row._sortKey);
  const nodes = rows.map(({ _sortKey, ...node }) => node as unknown as T);
  return connectionOf(nodes, keys, sort, page, totalCount);
}

type TableWithId = PgTable & { id: PgColumn };

/** The fenced page's column that counts the matching rows. */
const MATCHES = 'matching_rows';

/** One page of a top-level list, in one query (plus one more only if `totalCount` is asked for). */
export async function paginate<TTable extends TableWithId>(options: {
  db: Db;
  table: TTable;
  where: SQL | undefined;
  sort: SortSpec;
  page: Page;
  /** False when the client shapes the statement's text (a search's rule tree): run it unprepared. */
  prepare?: boolean;
  /** Only these columns (src/graph/selection.ts); the whole row when absent or null. */
  columns?: ColumnSelection | null;
  /**
   * More values per row, read in the same statement (each row's nested pages as JSON, see
   * `childPageJsonSql`), handed to `use` with each row's id before the page is returned.
   */
  extras?: { values: Record<string, SQL>; use: (rows: Array<{ id: string; values: Record<string, unknown> }>) => void } | null;
  /**
   * Read the rows matching `where` first and sort them then (a subquery the planner cannot merge),
   * rather than walking the sort order's index and filtering: for a filter that an index of its own
   * finds quickly (a name pattern matching a few thousand of a million customers).
   */
  fence?: boolean;
  /**
   * The query asks for `totalCount`. A fenced page then counts the matching rows in the same
   * statement (it reads them all anyway), instead of a second statement that finds them again.
   */
  total?: boolean;
}): Promise<Connection<TTable['$inferSelect'] & { id: string }>> {
  const { db, table, where, sort, page, extras } = options;
  type Row = TTable['$inferSelect'] & { id: string };
  const idColumn = table.id;
  // The row as its own object (no copy to drop the sort key). Prepared unless told otherwise: a list's
  // statement text repeats with every page, so PostgreSQL parses and plans it once per connection.
  let rows: Array<{ row: Row; key: string; extras?: Record<string, unknown>; total?: number }> = [];
  const countInPage = Boolean(options.fence && options.total);
  if (page.limit > 0) {
    // Fenced: the matching rows, under the table's own name so that every column reference stays
    // valid; a LIMIT (one no page reaches) keeps PostgreSQL from merging the subquery into the page's
    // query, where it would walk the sort order's index again. (Drizzle drops an OFFSET of 0.)
    const name = getTableName(table);
    const source = options.fence
      ? db
          .select({ ...getTableColumns(table as PgTable), ...(countInPage ? { [MATCHES]: sql<number>`count(*) over ()`.as(MATCHES) } : {}) })
          .from(table as PgTable)
          .where(where)
          .limit(Number.MAX_SAFE_INTEGER)
          .as(name)
      : (table as PgTable);
    const query = db
      .select({
        row: options.columns ?? (table as PgTable),
        key: sortKeySql(sort),
        ...(extras ? { extras: extras.values } : {}),
        ...(countInPage ? { total: sql<number>`${sql.identifier(name)}.${sql.identifier(MATCHES)}::int` } : {}),
      })
      .from(source)
      .where(and(options.fence ? undefined : where, cursorCondition(sort, idColumn, page)))
      .orderBy(orderSql(sort, idColumn, page))
      .limit(page.limit + 1);
    rows = (options.prepare === false ? await query : await query.prepare(PREPARED).execute()) as unknown as typeof rows;
    if (extras) extras.use(rows.map((r) => ({ id: r.row.id, values: r.extras ?? {} })));
  }
  // Counted with the page when it has a row; otherwise (past the last page, or none asked) on its own.
  const counted = countInPage ? rows[0]?.total : undefined;
  const totalCount = async () => {
    if (counted !== undefined) return Number(counted);
    const [result] = await db
      .select({ count: sql<number>`count(*)::int` })
      .from(table as PgTable)
      .where(where);
    return result?.count ?? 0;
  };
  return connectionOf(
    rows.map((r) => r.row),
    rows.map((r) => r.key),
    sort,
    page,
    totalCount,
  );
}

/**
 * One page of a nested list for each of many parents, in one query: rows are numbered per parent
 * with `row_number()` and cut at the page size. Returns connections in the order of `parentIds`.
 * `countByParent` gives each connection's `totalCount`, usually through a per-request loader.
 */
export async function paginateByParent<TTable extends TableWithId>(options: {
  db: Db;
  table: TTable;
  parentColumn: PgColumn;
  parentIds: readonly string[];
  where: SQL | undefined;
  sort: SortSpec;
  page: Page;
  countByParent: (parentId: string) => Promise<number>;
  /** Only these columns (src/graph/selection.ts); the whole row when absent or null. */
  columns?: ColumnSelection | null;
}): Promise<Connection<TTable['$inferSelect'] & { id: string }>[]> {
  const { db, table, parentColumn, parentIds, where, sort, page } = options;
  type Row = TTable['$inferSelect'] & { id: string };
  const idColumn = table.id;
  const byParent = new Map<string, { nodes: Row[]; keys: string[] }>();
  if (page.limit > 0 && parentIds.length > 0) {
    const columns = options.columns ?? (getTableColumns(table) as ColumnSelection);
    const numbered = db
      .select({
        ...columns,
        _sortKey: sortKeySql(sort).as('_sort_key'),
        _parent: sql<string>`${parentColumn}`.as('_parent'),
        _rn: sql<number>`row_number() over (partition by ${parentColumn} order by ${orderSql(sort, idColumn, page)})`.as('_rn'),
      })
      .from(table as PgTable)
      .where(and(sql`${parentColumn} = any(${uuidArray(parentIds)})`, where, cursorCondition(sort, idColumn, page)))
      .as('numbered') as unknown as PgTable & Record<'_parent' | '_rn' | '_sortKey', PgColumn>;
    // Drizzle's types cannot follow a generic table through a subquery; the shape is checked above.
    const row = Object.fromEntries(Object.keys(columns).map((key) => [key, (numbered as unknown as Record<string, PgColumn>)[key]!]));
    const result = (await db
      .select({ row, key: numbered._sortKey, parent: numbered._parent })
      .from(numbered)
      .where(sql`${numbered._rn} <= ${page.limit + 1}`)
      .orderBy(numbered._parent, numbered._rn)
      .prepare(PREPARED)
      .execute()) as unknown as Array<{ row: Row; key: string; parent: string }>;
    for (const r of result) {
      const list = byParent.get(r.parent);
      if (list) {
        list.nodes.push(r.row);
        list.keys.push(r.key);
      } else byParent.set(r.parent, { nodes: [r.row], keys: [r.key] });
    }
  }
  return parentIds.map((parentId) => {
    const list = byParent.get(parentId);
    return connectionOf(list?.nodes ?? [], list?.keys ?? [], sort, page, () => options.countByParent(parentId));
  });
}

/**
 * How a column travels inside JSON so that it decodes exactly as the driver would have handed it to
 * Drizzle: strings, booleans, small numbers and JSON as themselves; timestamps, dates, numerics and
 * 64-bit integers as their text (JSON numbers would lose digits, and timestamps their format). Null:
 * a column of another kind, which a nested page then does not read through JSON.
 */
function jsonCell(column: PgColumn): SQL | null {
  const kind = column.columnType;
  if (NATIVE_JSON.has(kind)) return sql`${column}`;
  if (AS_TEXT.has(kind)) return sql`${column}::text`;
  if (kind === 'PgArray') {
    const base = (column as unknown as { baseColumn?: PgColumn }).baseColumn;
    return base && NATIVE_JSON.has(base.columnType) && base.columnType !== 'PgJson' && base.columnType !== 'PgJsonb' ? sql`${column}` : null;
  }
  return null;
}

const NATIVE_JSON = new Set([
  'PgText',
  'PgVarchar',
  'PgChar',
  'PgUUID',
  'PgEnumColumn',
  'PgBoolean',
  'PgInteger',
  'PgSmallInt',
  'PgSerial',
  'PgSmallSerial',
  'PgReal',
  'PgDoublePrecision',
  'PgJson',
  'PgJsonb',
]);
const AS_TEXT = new Set([
  'PgTimestamp',
  'PgTimestampString',
  'PgDate',
  'PgDateString',
  'PgNumeric',
  'PgNumericNumber',
  'PgBigInt53',
  'PgBigInt64',
  'PgBigSerial53',
  'PgBigSerial64',
  'PgInterval',
  'PgTime',
]);

/**
 * What `childPageJsonSql` reads for each parent, decoded by `decodeChildPage`: the page's rows (the
 * `columns` in JSON, the `constants` as given) and, when `keys`, their sort keys.
 */
export type ChildPageJson = {
  sql: SQL;
  columns: Array<[string, PgColumn]>;
  /** For each of `columns`: the column when its value needs Drizzle's decoding, null when it is kept as it came. */
  decoders: Array<PgColumn | null>;
  constants: Array<[string, unknown]>;
  keys: boolean;
};

/**
 * One parent's nested page as a JSON array, for a statement that reads the parents (one statement
 * for a page of customers and their contacts and addresses, instead of one per relation): the same
 * rows, order, cursor and limit as `paginateByParent`, for the parent whose id is `parentId` (a
 * column of the outer statement). Null when a column cannot travel in JSON (see `jsonCell`).
 */
export function childPageJsonSql(options: {
  table: TableWithId;
  parentColumn: PgColumn;
  parentId: PgColumn;
  where: SQL | undefined;
  sort: SortSpec;
  page: Page;
  columns: ColumnSelection;
  /**
   * Columns whose value `where` fixes for every row (the organisation's id): not sent in the JSON of
   * every row, but set on each row as decoded.
   */
  constants?: ReadonlyMap<PgColumn, unknown>;
  /** Read each row's sort key: false when the query asks for no cursor (no `edges`, no `pageInfo`). */
  keys?: boolean;
}): ChildPageJson | null {
  const { table, parentColumn, parentId, where, sort, page } = options;
  // An empty page is no query at all in paginateByParent (and would read one row here).
  if (page.limit === 0) return null;
  const constants: Array<[string, unknown]> = [];
  const columns: Array<[string, PgColumn]> = [];
  for (const [key, column] of Object.entries(options.columns)) {
    if (options.constants?.has(column)) constants.push([key, options.constants.get(column)]);
    else columns.push([key, column]);
  }
  const keys = options.keys !== false;
  const cells: SQL[] = [];
  for (const [, column] of columns) {
    const cell = jsonCell(column);
    if (!cell) return null;
    cells.push(sql`${cell} as ${sql.identifier(`c${cells.length}`)}`);
  }
  const order = orderSql(sort, table.id, page);
  const dir = sql.raw(readDirection(sort, page));
  // Each row as a JSON array: its cells, then (when asked) its sort key, which decodeChildPage reads last.
  const elements = [...columns.map((_, i) => sql`t.${sql.identifier(`c${i}`)}`), ...(keys ? [sql`t._k`] : [])];
  const selected = [...cells, ...(keys ? [sql`${sortKeySql(sort)} as _k`] : []), sql`${sort.expr} as _s`, sql`${table.id} as _i`];
  // The page is cut in the subquery's order; the aggregate orders by the same key again (its own
  // ORDER BY, not the subquery's order, which SQL does not promise to keep). Measured against a
  // window function numbering the rows: ~30% less PostgreSQL time.
  return {
    columns,
    // Most columns (text, uuid, boolean) decode as themselves: no call per cell for them.
    decoders: columns.map(([, column]) => (column.mapFromDriverValue === Column.prototype.mapFromDriverValue ? null : column)),
    constants,
    keys,
    sql: sql`(select coalesce(json_agg(json_build_array(${sql.join(elements, sql`, `)}) order by t._s ${dir}, t._i ${dir}), '[]'::json) from (select ${sql.join(selected, sql`, `)} from ${table} where ${and(sql`${parentColumn} = ${parentId}`, where, cursorCondition(sort, table.id, page))} order by ${order} limit ${page.limit + 1}) t)`,
  };
}

/** The rows and sort keys of a nested page read by `childPageJsonSql`, decoded as Drizzle decodes them. */
export function decodeChildPage<Row>(json: ChildPageJson, value: unknown): { nodes: Row[]; keys: string[] } {
  const nodes: Row[] = [];
  const keys: string[] = [];
  if (!Array.isArray(value)) return { nodes, keys };
  const { columns, decoders, constants } = json;
  const width = columns.length;
  for (let r = 0; r < value.length; r++) {
    const cells = value[r] as unknown[];
    const row: Record<string, unknown> = {};
    for (let c = 0; c < constants.length; c++) row[constants[c]![0]] = constants[c]![1];
    for (let i = 0; i < width; i++) {
      const cell = cells[i];
      const decoder = decoders[i];
      row[columns[i]![0]] = cell === null || cell === undefined ? null : decoder ? decoder.mapFromDriverValue(cell) : cell;
    }
    nodes.push(row as Row);
    if (json.keys) keys.push(cells[width] as string);
  }
  return { nodes, keys };
}

/**
 * A uuid[] literal as one bound parameter. Drizzle spreads a JS array into one parameter per item
 * (`inArray`), which makes a new plan per list length and caps at 65,534; one array parameter
 * (`= any($1)`) does neither. The ids are checked first, so the literal cannot be malformed.
 */
export function uuidArray(ids: readonly string[]): SQL {
  for (const id of ids) if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a uuid: ${id}`);
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}
