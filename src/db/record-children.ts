// The tables whose rows sit under (or point at) a customer or a lead, each declared once by the
// area that owns it (the `children` of its manifest, src/<area>/index.ts). Merging, deleting and
// anonymising a customer and the record's audit trail all read this one list (`composition.children`),
// so a new child table cannot be missed by any of them: test/customers/merge.test.ts checks the
// list against the database's foreign keys to customers and leads.
//
// One declaration says everything about a child table:
//   merge      every row whose `customer` column names a merged customer moves to the survivor
//              (counted in the payload's `moved` as `recordType`);
//   onDelete   deleting the customer deletes the rows (children before parents, sorted by the foreign
//              keys between child tables) or detaches them; `refuseDeletion` names rows that are kept
//              and so refuse the deletion;
//   anonymise  which columns are personal and what replaces them, or that the rows go;
//   trail      whether changes to the rows are part of the customer's (and the lead's) audit trail.
import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Config } from '../config';
import type { UserErrorCode } from '../generated/graphql';
import type { Db } from './client';

export type ChildTable = PgTable & { id: PgColumn; organisationId: PgColumn };

/** What replaces personal text that has to stay non-null: nothing about the person, the same everywhere. */
export const REDACTED = '[redacted]';
/** Address line 1 (NOT NULL) of anonymised addresses, branches and work addresses. */
export const ANONYMISED_LINE = 'Anonymised';
/** A postal address (db/columns.ts `postalAddress`) with nothing about the person left in it; the country stays. */
export const anonymisedAddress = {
  line1: ANONYMISED_LINE,
  line2: null,
  line3: null,
  town: null,
  county: null,
  postcode: null,
  what3words: null,
  latitude: null,
  longitude: null,
} as const;

/** `<prefix> <code>`, the code taken from the row's id: the same on every call, and nothing about the person. */
export function namedByCode(prefix: string, id: PgColumn): SQL {
  return sql`${`${prefix} `}::text || upper(substr(replace(${id}::text, '-', ''), 1, 8))`;
}

/** REDACTED where the column holds text, null where it held none. */
export function redactedIfSet(column: PgColumn): SQL {
  return sql`case when ${column} is null then null else ${REDACTED} end`;
}

/** A value anonymisation writes into a column: null, a fixed value (text, empty list, empty object) or an SQL expression. */
export type Replacement = SQL | string | boolean | null | readonly never[] | Readonly<Record<string, never>>;

/** The personal columns (by their key in the table) and what replaces each. */
export type Replacements = Readonly<Record<string, Replacement>>;

export type Anonymisation =
  /** The rows are deleted (files and such go with them through `onRemove`). */
  | 'delete'
  /**
   * The personal columns are overwritten (a function when the values name who anonymised); the
   * row's version and updatedAt move on where the table has them. `countAs`: the name of its count
   * in `anonymisedRecords` when it is not `recordType`.
   */
  | { set: Replacements | ((by: { userId: string | null }) => Replacements); countAs?: string }
  /** Values computed row by row, by the area's own code: it changes the rows `where` selects and returns them. */
  | { run: (tx: Db, where: SQL) => Promise<Array<{ id: string }>> };

export type RecordChild = {
  /**
   * The kind of record, as payloads name it (`moved`, `deletedRecords`, `anonymisedRecords`): its
   * node type, or a description where the table points at the customer in another role
   * ('WorkAddress (as landlord)').
   */
  recordType: string;
  /** The node type its audit entries name (`entityType`), when it is not `recordType`. */
  entityType?: string;
  table: ChildTable;
  /** The column naming the customer the row sits under or points at; the merge moves it to the survivor. */
  customer?: PgColumn;
  /** The column naming the lead the row sits under. */
  lead?: PgColumn;
  /**
   * What deleting the customer does to the rows `customer` names:
   * - 'delete': they are deleted, children before parents (a table referencing another child table's
   *   rows is deleted first, so each count is of the customer's own rows, nothing left to cascades);
   * - { detach }: they stay and stop pointing at it: the column is set to null (and `alsoSet`), each
   *   row gets an audit entry `<entityType>.update` naming the deleted customer, and their ids go
   *   into the deletion's audit entry under the key `detach`. Rows of the same table that another
   *   declaration deletes with the customer are not detached first.
   */
  onDelete: 'delete' | { detach: string; alsoSet?: Readonly<Record<string, unknown>> };
  /**
   * Rows that are kept (e.g. issued invoices): while the customer has any, its deletion is refused
   * with `code` and `message`; the other rows are deleted. Without `while`, every row is kept (payments).
   */
  refuseDeletion?: { while?: SQL; code: UserErrorCode; message: (count: number) => string };
  /**
   * What anonymising the customer does to the rows under it (`customer`) and under the leads
   * converted into it (`lead`). Absent: the rows are kept as they are (the ledger, the pipeline).
   */
  anonymise?: Anonymisation;
  /** Whether changes to the rows are part of the customer's (and, through `lead`, the lead's) audit trail. */
  trail: boolean;
  /**
   * Work outside the table when rows are removed (deleted with the customer or by anonymisation),
   * e.g. a document's stored file: `columns` are read from the removed rows; `run` runs in the
   * transaction once they are gone and returns what must run after the commit (not on a replay).
   */
  onRemove?: {
    columns: Readonly<Record<string, PgColumn>>;
    run: (tx: Db, config: Config, rows: ReadonlyArray<Record<string, unknown>>) => Promise<() => Promise<void>>;
  };
};

/** The key of `column` in its table (e.g. 'landlordCustomerId'), as audit entries and updates name it. */
export function columnKey(table: ChildTable, column: PgColumn): string {
  const entry = Object.entries(getTableColumns(table) as Record<string, PgColumn>).find(([, c]) => c === column);
  if (!entry) throw new Error(`record children: ${column.name} is not a column of ${getTableConfig(table).name}`);
  return entry[0];
}

/** The version and updatedAt of a changed row move on, where the table has them. */
export function touched(table: ChildTable): Record<string, SQL> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const changes: Record<string, SQL> = {};
  if (columns.version) changes.version = sql`${columns.version} + 1`;
  if (columns.updatedAt) changes.updatedAt = sql`clock_timestamp()`;
  return changes;
}

/**
 * The children deleted with a customer, children before parents: a child whose table is referenced
 * by another child table still to be deleted waits for it. Otherwise in the given (composition) order.
 */
export function deletionOrder(children: readonly RecordChild[]): RecordChild[] {
  const refs = (child: RecordChild) => new Set(getTableConfig(child.table).foreignKeys.map((fk) => fk.reference().foreignTable));
  const left = children.filter((c) => c.onDelete === 'delete' && c.customer).map((child) => ({ child, refs: refs(child) }));
  const order: RecordChild[] = [];
  while (left.length > 0) {
    const next = left.findIndex(({ child }) => !left.some((other) => other.child.table !== child.table && other.refs.has(child.table)));
    if (next < 0) throw new Error(`record children: the foreign keys between ${left.map((l) => l.child.recordType).join(', ')} form a cycle`);
    order.push(left.splice(next, 1)[0]!.child);
  }
  return order;
}
