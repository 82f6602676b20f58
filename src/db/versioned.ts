// Optimistic concurrency for every updatable record: read the row under a lock, check the version
// the client last saw, write the change with version + 1. Two people editing the same record get a
// VERSION_CONFLICT instead of one silently overwriting the other.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { notFound, userError, type UserErrors } from '../graph/user-errors';
import type { Db } from './client';

type VersionedTable = PgTable & { id: PgColumn; organisationId: PgColumn; version: PgColumn; updatedAt: PgColumn };

/** Who is changing the row: its organisation and, unless it is the server's own job, what it may see. */
export type LockingActor = { organisationId: string; visibility?: { rows(table: PgTable): SQL | undefined } | null };

/**
 * The row, locked until the transaction ends; user errors for a missing row, one the actor may not
 * see (the same "not found"), or a stale version. `notFound` replaces the plain "no <what> with this
 * ID" (a merged customer's id gets MERGED, naming the customer it went into).
 */
export async function lockForUpdate<T extends VersionedTable>(
  tx: Db,
  table: T,
  actor: LockingActor,
  id: string,
  expectedVersion: number | null | undefined,
  what: string,
  notFoundError?: () => Promise<UserErrors>,
): Promise<T['$inferSelect']> {
  const [row] = (await tx
    .select()
    .from(table as PgTable)
    .where(and(eq(table.id, id), eq(table.organisationId, actor.organisationId), actor.visibility?.rows(table)))
    .for('update')) as Array<T['$inferSelect'] & { version: number }>;
  if (!row) throw notFoundError ? await notFoundError() : notFound(['input', 'id'], what);
  refuseStaleVersion(row, expectedVersion, what);
  return row;
}

/**
 * The version check of `lockForUpdate`, for a row the caller has locked itself (several rows in a
 * fixed order, the organisation's own row, a record another mutation is about): VERSION_CONFLICT
 * on `expectedVersion` when it is given and the row has moved on.
 */
export function refuseStaleVersion(row: { version: number }, expectedVersion: number | null | undefined, what: string): void {
  if (expectedVersion != null && row.version !== expectedVersion) {
    throw userError(
      ['input', 'expectedVersion'],
      `expectedVersion: the ${what} is at version ${row.version}, not ${expectedVersion}; someone else changed it. Reload and try again.`,
      'VERSION_CONFLICT',
    );
  }
}

/** Writes `changes` and bumps the version; returns the row as it now is. */
export async function writeUpdate<T extends VersionedTable>(tx: Db, table: T, id: string, changes: PgUpdateSetSource<T>): Promise<T['$inferSelect']> {
  const [row] = (await tx
    .update(table)
    .set({ ...changes, version: sql`${table.version} + 1`, updatedAt: sql`clock_timestamp()` } as PgUpdateSetSource<T>)
    .where(eq(table.id, id))
    .returning()) as Array<T['$inferSelect']>;
  return row!;
}

/** The keys of `input` that were given (not undefined): what an update should change. */
export function givenFields<T extends object, K extends keyof T>(input: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

/** Custom field values merged into the old ones; a null value removes its key. */
export function mergeCustomFields(current: Record<string, unknown>, changes: Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (!changes) return current;
  const next = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
