// Atomicity checks (issue 5: "every one runs in a single transaction"): a fingerprint of every table
// (every row version in it), a real PostgreSQL failure injected midway through a mutation (a trigger
// that raises), and the whole round — fingerprint, fail, fingerprint again, retry — as one call, so
// a new workflow's test is a few lines. Plain SQL that PGlite and PostgreSQL both accept.
import { sql } from 'drizzle-orm';
import { selectRows, type Db } from '../../src/db/client';
import type { GraphQLResponse, TestServer } from './server';

/**
 * A table's fingerprint: its row count and the md5 of where each row version sits and which
 * transaction wrote it (`ctid`, `xmin`), in a stable order. Any committed insert, update (even of the
 * same values) or delete changes it; a rolled-back one leaves it as it was. Stricter than comparing
 * the rows' text, and it never reads their contents (a table of file chunks costs what a table of
 * ids does).
 */
export type TableChecksum = { rows: number; md5: string };
export type Checksums = Record<string, TableChecksum>;

const quoted = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The tables of the public schema (drizzle's own migration table left out, wherever it lives). */
export async function publicTables(db: Db): Promise<string[]> {
  const rows = await selectRows<{ name: string }>(
    db,
    sql`select tablename as name from pg_tables where schemaname = 'public' and tablename <> '__drizzle_migrations' order by tablename`,
  );
  return rows.map((r) => r.name);
}

/** The public tables with an organisation_id column, by database (the schema does not change during a test file). */
const organisationTables = new WeakMap<Db, Promise<Set<string>>>();

function tablesWithOrganisation(db: Db): Promise<Set<string>> {
  let tables = organisationTables.get(db);
  if (!tables) {
    tables = selectRows<{ name: string }>(
      db,
      sql`select table_name as name from information_schema.columns where table_schema = 'public' and column_name = 'organisation_id'`,
    ).then((rows) => new Set(rows.map((r) => r.name)));
    organisationTables.set(db, tables);
  }
  return tables;
}

/**
 * Count and checksum of every public table, in one statement. With `organisationId`, only that
 * organisation's rows of the tables that have an organisation_id column (and its own row of
 * organisations): cheaper when a file makes many organisations, and blind to the others' rows.
 */
export async function tableChecksums(db: Db, scope: { organisationId?: string } = {}): Promise<Checksums> {
  const tables = await publicTables(db);
  const scoped = scope.organisationId ? await tablesWithOrganisation(db) : new Set<string>();
  const where = (name: string) => {
    if (!scope.organisationId) return '';
    if (scoped.has(name)) return ` where organisation_id = ${literal(scope.organisationId)}`;
    return name === 'organisations' ? ` where id = ${literal(scope.organisationId)}` : '';
  };
  const parts = tables.map(
    (name) =>
      `select ${literal(name)}::text as name, count(*)::int as rows, md5(coalesce(string_agg(t.ctid::text || t.xmin::text, '|' order by t.ctid), '')) as md5 from ${quoted(name)} t${where(name)}`,
  );
  const rows = await selectRows<{ name: string; rows: number; md5: string }>(db, sql.raw(parts.join('\nunion all\n')));
  return Object.fromEntries(rows.map((r) => [r.name, { rows: Number(r.rows), md5: r.md5 }]));
}

/** The tables whose fingerprint differs (or that exist on one side only), with both fingerprints. */
export function changedTables(before: Checksums, after: Checksums): Array<{ table: string; before?: TableChecksum; after?: TableChecksum }> {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((name) => before[name]?.rows !== after[name]?.rows || before[name]?.md5 !== after[name]?.md5)
    .map((table) => ({ table, before: before[table], after: after[table] }));
}

export type WriteOperation = 'INSERT' | 'UPDATE' | 'DELETE';

/** Where to fail: the first `op` on `table` (past `afterRows` of them) whose row matches `when`. */
export type Injection = {
  table: string;
  op?: WriteOperation;
  /** A trigger WHEN condition over `new`/`old`, e.g. `new.action = 'lead.convert'`. */
  when?: string;
  /** Rows to let through before failing (default 0: fail on the first matching row). */
  afterRows?: number;
  /** Fail only this many rows, then let the rest through (default: every one past `afterRows`). */
  times?: number;
  /** The SQLSTATE to raise, e.g. `40P01` for a deadlock (default P0001, a plain raised exception). */
  errcode?: string;
};

/** A failure at the first audit entry of `action` (past `afterRows` of them): most workflows' last write. */
export const auditEntryOf = (action: string, afterRows?: number): Injection => ({
  table: 'audit_entries',
  when: `new.action = ${literal(action)}`,
  ...(afterRows ? { afterRows } : {}),
});

/** A failure at the idempotency key's stored result: written after everything else, in the same transaction. */
export const idempotencyKeyResult: Injection = { table: 'idempotency_keys', op: 'UPDATE' };

export type InjectedFailure = {
  injection: Injection;
  /** How many matching rows reached the trigger (it counts in a sequence, which no rollback undoes). */
  rowsSeen(): Promise<number>;
  /** Whether the trigger raised: what shows the failure came from here and not from elsewhere. */
  fired(): Promise<boolean>;
  /** Removes the trigger, its function and its counter. */
  drop(): Promise<void>;
};

/** The message the trigger raises; a client must never see it. */
export const INJECTED_MESSAGE = 'injected failure';

let injections = 0;

/**
 * A BEFORE `op` trigger on `table` that raises `injected failure` on a matching row, so the mutation
 * fails for real, inside PostgreSQL, at that write.
 */
export async function failOn(db: Db, table: string, op: WriteOperation = 'INSERT', options: Omit<Injection, 'table' | 'op'> = {}): Promise<InjectedFailure> {
  const injection: Injection = { table, op, ...options };
  const name = `injected_failure_${process.pid}_${++injections}`;
  const counter = `${name}_seen`;
  const skip = options.afterRows ?? 0;
  const row = op === 'DELETE' ? 'old' : 'new';
  await db.execute(sql.raw(`create sequence ${quoted(counter)}`));
  await db.execute(
    sql.raw(`create function ${quoted(name)}() returns trigger language plpgsql as $fn$
declare
  seen bigint := nextval(${literal(quoted(counter))});
begin
  if seen > ${skip}${options.times === undefined ? '' : ` and seen <= ${skip + options.times}`} then
    raise exception ${literal(INJECTED_MESSAGE)} using errcode = ${literal(options.errcode ?? 'P0001')};
  end if;
  return ${row};
end
$fn$`),
  );
  await db.execute(
    sql.raw(
      `create trigger ${quoted(name)} before ${op.toLowerCase()} on ${quoted(table)} for each row` +
        (options.when ? ` when (${options.when})` : '') +
        ` execute function ${quoted(name)}()`,
    ),
  );
  const rowsSeen = async () => {
    const [state] = await selectRows<{ last_value: string | number; is_called: boolean }>(db, sql.raw(`select last_value, is_called from ${quoted(counter)}`));
    return state!.is_called ? Number(state!.last_value) : 0;
  };
  return {
    injection,
    rowsSeen,
    fired: async () => (await rowsSeen()) > skip,
    drop: async () => {
      await db.execute(sql.raw(`drop trigger if exists ${quoted(name)} on ${quoted(table)}`));
      await db.execute(sql.raw(`drop function if exists ${quoted(name)}()`));
      await db.execute(sql.raw(`drop sequence if exists ${quoted(counter)}`));
    },
  };
}

/** `failOn(db, table, 'INSERT', …)`: the next insert into `table` (matching `when`, past `afterRows`) fails. */
export function failNextInsertInto(db: Db, table: string, options: Omit<Injection, 'table' | 'op'> = {}): Promise<InjectedFailure> {
  return failOn(db, table, 'INSERT', options);
}

/** The request a test sends: a mutation whose result is at `data[field]`, with `userErrors`. */
export type MutationAttempt = { query: string; variables: Record<string, unknown>; field: string; token: string };

export type AtomicityOutcome = {
  failure: GraphQLResponse;
  retry: GraphQLResponse;
  /** The fingerprints before the failed attempt, and after the successful retry. */
  before: Checksums;
  afterRetry: Checksums;
};

/**
 * The whole check: fingerprint every table, inject the failure, send the mutation and expect a bare
 * INTERNAL_SERVER_ERROR (the server must run with NODE_ENV=production, which is what hides internal
 * messages), remove the failure, expect every table as it was (not a row version changed), then
 * send the same mutation again and expect it to succeed: the failed attempt left no idempotency key,
 * lock or half-made row in its way.
 */
export async function expectAtomic(server: TestServer, attempt: MutationAttempt, injection: Injection): Promise<AtomicityOutcome> {
  const db = server.database.db;
  const before = await tableChecksums(db);
  const injected = await failOn(db, injection.table, injection.op ?? 'INSERT', injection);
  let failure: GraphQLResponse;
  try {
    failure = await server.graphql(attempt.query, attempt.variables, attempt.token);
    expect(await injected.fired()).toBe(true);
  } finally {
    await injected.drop();
  }
  expect(failure.errors).toEqual([{ message: 'Internal server error', path: [attempt.field], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
  expect(failure.data?.[attempt.field] ?? null).toBeNull();
  const body = JSON.stringify(failure);
  for (const leak of [INJECTED_MESSAGE, injection.table, 'Failed query', 'stacktrace']) {
    expect(body).not.toContain(leak);
  }
  expect(changedTables(before, await tableChecksums(db))).toEqual([]);

  const retry = await server.graphql(attempt.query, attempt.variables, attempt.token);
  expect(retry.errors).toBeUndefined();
  expect(retry.data?.[attempt.field]?.userErrors).toEqual([]);
  return { failure, retry, before, afterRetry: await tableChecksums(db) };
}

/** One workflow's atomicity cases: how to build what it needs, where to fail it, which tables it writes. */
export type AtomicityCase = {
  workflow: string;
  /** Builds the records the mutation needs (committed before the fingerprint) and returns the request. */
  arrange(): Promise<MutationAttempt>;
  /** Where to fail it, by description; its last write first. */
  failAt: Record<string, Injection>;
  /** Tables a successful run changes: the retry must change them, which shows those writes came before the failure point and were undone. */
  writes: string[];
};

/**
 * A test per workflow and failure point: `expectAtomic`, then the tables the successful retry changed
 * must include the workflow's writes and the table the failure was injected on. `server` is read when
 * the tests run (it is started in beforeAll), and must run with NODE_ENV=production.
 */
export function describeAtomicity(cases: AtomicityCase[], server: () => TestServer): void {
  describe.each(cases)('$workflow', ({ arrange, failAt, writes }) => {
    it.each(Object.entries(failAt))('failing at %s leaves every table as it was, and the same call then succeeds', async (_where, injection) => {
      const request = await arrange();
      const { before, afterRetry } = await expectAtomic(server(), request, injection);
      const changed = changedTables(before, afterRetry).map((t) => t.table);
      expect(changed).toEqual(expect.arrayContaining([...writes, injection.table]));
    });
  });
}
