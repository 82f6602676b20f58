// Safe retries (CONVENTIONS "Safe retries"): a mutation given an `idempotencyKey` runs once; a retry
// with the same key and the same input gets the first result back, and one with another input is
// refused. The key row is written in the same transaction as the mutation's effect, so a call that
// ends in user errors (a rollback) leaves no key behind and may be retried with the key.
//
// Payloads hold rows, and rows hold Dates: what is stored is the rows' JSON, and a replay rebuilds
// them with `rowsCodec` (timestamp columns back to Dates), so a retry returns the same record at the
// same version as the first call did, even if it has changed since.
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { getTableColumns, type Table } from 'drizzle-orm';
import type { Db } from '../db/client';
import { retryingTransaction } from '../db/faults';
import { viewerOf, type Context } from './context';
import { DryRunRollback, type ChangeTally } from './previews';
import { idempotencyKeys } from './tables';
import { payload, userError, type UserError } from './user-errors';

export const IDEMPOTENCY_KEY_MAX = 255;
const KEY_FIELD = ['input', 'idempotencyKey'];

/** How a result is stored (JSON) and rebuilt for a replay. */
export type ResultCodec<T> = { store(result: T): unknown; replay(stored: unknown): T };

/**
 * Payloads whose values are rows of the given tables (or null), stored as JSON and rebuilt with their
 * Dates; other members (ids, counts) are plain JSON and come back as they were stored.
 */
export function rowsCodec<T extends object>(tables: { [K in keyof T]?: Table }): ResultCodec<T> {
  return {
    store: (result) => JSON.parse(JSON.stringify(result)),
    replay: (stored) => {
      const out: Record<string, unknown> = { ...(stored as Record<string, unknown>) };
      for (const [key, table] of Object.entries(tables) as Array<[string, Table]>) {
        const row = (stored as Record<string, Record<string, unknown> | null>)[key] ?? null;
        out[key] = row === null ? null : reviveRow(table, row);
      }
      return out as T;
    },
  };
}

function reviveRow(table: Table, row: Record<string, unknown>): Record<string, unknown> {
  const revived = { ...row };
  for (const [name, column] of Object.entries(getTableColumns(table))) {
    if (column.dataType === 'date' && typeof revived[name] === 'string') revived[name] = new Date(revived[name] as string);
  }
  return revived;
}

/** JSON with object keys sorted and null/undefined members dropped: the same input always hashes the same. */
export function canonicalJson(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map((item) => (item === undefined ? null : canon(item)));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .filter((k) => (v as Record<string, unknown>)[k] != null)
          .sort()
          .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(canon(value));
}

/**
 * Input fields added after keys were first stored, with the default every earlier call had: left out
 * of the hash at that value, so a key stored before the field existed still matches its retry.
 */
const LATER_DEFAULTS: Readonly<Record<string, unknown>> = { refuseIfDuplicates: false };

/**
 * sha256 of the input's canonical JSON, without the key itself and without `dryRun` (a real call
 * always has `dryRun: false`, its default: keys stored before inputs had it still match their
 * retries), and without later fields at their defaults (LATER_DEFAULTS).
 */
export function requestHash(input: object): string {
  const { idempotencyKey: _key, dryRun: _dryRun, ...rest } = input as Record<string, unknown>;
  for (const [field, value] of Object.entries(LATER_DEFAULTS)) if (rest[field] === value) delete rest[field];
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** A key used with another input, or by another user, is not this call's. */
function refuseReuse(first: { requestHash: string; userId: string | null }, actor: IdempotencyActor, operation: string, hash: string): void {
  if (first.requestHash !== hash || first.userId !== actor.userId) {
    throw userError(
      KEY_FIELD,
      `idempotencyKey: this key was already used for ${operation} with a different input or by another user; use a new key for a new change.`,
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
}

/** Who runs the operation: a key belongs to its organisation and to the user who first sent it. */
export type IdempotencyActor = { organisationId: string; userId: string | null };

/**
 * Runs `run` in one transaction (again, from the start, if PostgreSQL chose it as a deadlock or
 * serialization victim); with a key, at most once per (organisation, operation, key).
 * Concurrent calls with one key queue on the key row (`insert … on conflict do nothing` waits for the
 * first caller's transaction; `select … for update` then reads its stored result).
 *
 * `tally` (src/graph/previews.ts) is restarted at each attempt; when it is a dry run's, the
 * transaction is rolled back once `run` has finished, and its result leaves as a `DryRunRollback`.
 * A dry run never stores the key, so a real call with it afterwards really runs; it reads it, though,
 * to answer as the real call would: a key already used with another input is refused
 * (IDEMPOTENCY_KEY_REUSED), and one used with this input previews the replay — the first result,
 * with nothing changed.
 */
export async function withIdempotency<T>(
  db: Db,
  actor: IdempotencyActor,
  operation: string,
  key: string | null | undefined,
  input: object,
  run: (tx: Db) => Promise<T>,
  codec: ResultCodec<T>,
  tally?: ChangeTally,
): Promise<T> {
  const attempt = tally
    ? (tx: Db) => {
        tally.restart();
        return run(tx);
      }
    : run;
  if (key != null) {
    if (key.trim() === '') throw userError(KEY_FIELD, 'idempotencyKey: must not be blank; omit it to run without one.', 'REQUIRED');
    if (key.length > IDEMPOTENCY_KEY_MAX) throw userError(KEY_FIELD, `idempotencyKey: must be at most ${IDEMPOTENCY_KEY_MAX} characters`, 'TOO_LONG');
  }
  if (tally?.dryRun) {
    return retryingTransaction(db, async (tx) => {
      if (key != null) {
        const [first] = await tx
          .select()
          .from(idempotencyKeys)
          .where(and(eq(idempotencyKeys.organisationId, actor.organisationId), eq(idempotencyKeys.operation, operation), eq(idempotencyKeys.key, key)));
        if (first) {
          tally.restart();
          refuseReuse(first, actor, operation, requestHash(input));
          throw new DryRunRollback(codec.replay(first.response));
        }
      }
      throw new DryRunRollback(await attempt(tx));
    });
  }
  if (key == null) return retryingTransaction(db, attempt);
  const hash = requestHash(input);
  return retryingTransaction(db, async (tx) => {
    const [mine] = await tx
      .insert(idempotencyKeys)
      .values({ organisationId: actor.organisationId, operation, key, requestHash: hash, userId: actor.userId })
      .onConflictDoNothing()
      .returning({ id: idempotencyKeys.id });
    if (!mine) {
      const [first] = await tx
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.organisationId, actor.organisationId), eq(idempotencyKeys.operation, operation), eq(idempotencyKeys.key, key)))
        .for('update');
      if (!first) throw new Error('idempotency key vanished under its lock');
      refuseReuse(first, actor, operation, hash);
      // Committed rows always carry a response (it is written in the transaction that made the row).
      return codec.replay(first.response);
    }
    const result = await attempt(tx);
    await tx
      .update(idempotencyKeys)
      .set({ response: codec.store(result) })
      .where(eq(idempotencyKeys.id, mine.id));
    return result;
  });
}

/**
 * A payload of any shape, stored as JSON with its Dates marked, and rebuilt with them: for mutations
 * whose payload is a record or two (the generic `keyedPayload`). Members named in `secret` (a new
 * token's plaintext, shown once) are never stored; a replay answers with them null.
 */
export function jsonCodec<T extends object>(secret: readonly (keyof T)[] = []): ResultCodec<T> {
  const encode = (v: unknown): unknown => {
    if (v instanceof Date) return { $date: v.toISOString() };
    if (Array.isArray(v)) return v.map(encode);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
    return v;
  };
  const decode = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      if (entries.length === 1 && entries[0]![0] === '$date' && typeof entries[0]![1] === 'string') return new Date(entries[0]![1]);
      return Object.fromEntries(entries.map(([k, x]) => [k, decode(x)]));
    }
    return v;
  };
  return {
    store: (result) => {
      const kept: Record<string, unknown> = { ...(result as Record<string, unknown>) };
      for (const key of secret) kept[key as string] = null;
      return encode(kept);
    },
    replay: (stored) => decode(stored) as T,
  };
}

/**
 * `payload` for a mutation whose input takes an `idempotencyKey` (CONVENTIONS "Safe retries"): with a
 * key, the service runs inside `withIdempotency`'s transaction (its own transaction becomes a
 * savepoint in it), so a retry with the same key and input gets the first answer back and changes
 * nothing; user errors roll the key back with the rest. `secret`: payload members shown once and
 * never stored (a new token's plaintext); a replay answers with them null.
 */
export function keyedPayload<T extends object>(
  ctx: Context,
  operation: string,
  input: { idempotencyKey?: string | null },
  run: (db: Db) => Promise<T>,
  empty: { [K in keyof T]: null },
  options: { secret?: readonly (keyof T)[] } = {},
): Promise<(T | { [K in keyof T]: null }) & { userErrors: UserError[] }> {
  if (input.idempotencyKey == null) return payload(() => run(ctx.db), empty);
  const viewer = viewerOf(ctx);
  return payload(
    () =>
      withIdempotency(
        ctx.db,
        { organisationId: viewer.organisationId, userId: viewer.userId },
        operation,
        input.idempotencyKey,
        input,
        run,
        jsonCodec<T>(options.secret),
      ),
    empty,
  );
}
