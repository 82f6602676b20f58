// The database: embedded PostgreSQL (PGlite, persisted in DATA_DIR) when no DATABASE_URL is set,
// otherwise a PostgreSQL server through a postgres.js pool. Both are exposed as one Drizzle type,
// so services never know which one they run on.
import fs from 'node:fs';
import { PGlite, type Extension, type PGliteOptions } from '@electric-sql/pglite';
import { sql, type Logger } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { DEFAULT_RANDOM_PAGE_COST } from '../config';
import { migrationsDir } from '../paths';
import type { DataDirLock } from './data-dir-lock';
import { withTimeout } from './faults';
import { instrumentPglite, instrumentPostgres, type PoolUsage } from './instrument';
import { throwIfRequestStopped } from './request-signal';
import { recordStatement } from './statement-count';

/** A Drizzle handle: the database itself or a transaction; services accept either. */
export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<PgQueryResultHKT>;

/**
 * The name passed to Drizzle's `prepare` for statements whose text comes from a bounded set of
 * shapes (list pages, loaders): on PostgreSQL each connection parses and plans such a statement once
 * and then only binds it, one round trip instead of two. Statements whose text the client shapes
 * freely (a search's rule tree) stay unprepared, so no connection collects plans without bound.
 */
export const PREPARED = 'prepared';

export type Database = {
  db: Db;
  kind: 'embedded' | 'postgres';
  /** Applies pending migrations from drizzle/. */
  migrate(): Promise<void>;
  /** Cheap round trip for the readiness probe. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The embedded data directory's lock, held while this process has it open (see data-dir-lock.ts). */
  dataDirLock?: DataDirLock;
  /** Connections in use, for /metrics. */
  pool: PoolUsage;
};

const countingLogger: Logger = {
  logQuery: () => {
    throwIfRequestStopped();
    recordStatement();
  },
};

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number; statementTimeoutMs?: number; randomPageCost?: number }
  /**
   * `dataDir` undefined: in memory. The tests open a copy of a migrated data directory
   * (test/helpers/database.ts), which skips initdb and the migrations.
   */
  | {
      kind: 'embedded';
      dataDir?: string;
      statementTimeoutMs?: number;
      randomPageCost?: number;
      /**
       * PostgreSQL's `shared_buffers` (default 128MB, PGlite's). A smaller cache starts faster:
       * the tests open a small database per test file and ask for 8MB.
       */
      sharedBuffers?: string;
      /**
       * PGlite's compiled program and its file bundle, when the caller already has them: a process
       * that opens many embedded databases (the tests: one per file) reads them once, instead of
       * every open reading 15 MB and compiling it anew (test/helpers/database.ts).
       */
      artifacts?: Required<Pick<PGliteOptions, 'pgliteWasmModule' | 'fsBundle'>>;
    };

/**
 * Where postgres.js connects for a URL. libpq lets a URL name its host and port as parameters too
 * (`?host=…&port=…`, taking precedence), which postgres.js would send to the server as settings and
 * fail ("unrecognized configuration parameter"). A server on the same machine is reached through its
 * Unix socket the way libpq names it, `?host=<socket directory>` (e.g.
 * `postgres://app@localhost/crm?host=/var/run/postgresql`): that becomes postgres.js's `path` (the
 * socket file). Any other `host` or `port` parameter becomes the URL's own host or port.
 */
export function postgresTarget(url: string): { url: string; path?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  const host = parsed.searchParams.get('host');
  const port = parsed.searchParams.get('port');
  if (host === null && port === null) return { url };
  parsed.searchParams.delete('host');
  parsed.searchParams.delete('port');
  if (host?.startsWith('/')) return { url: parsed.toString(), path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${port ?? (parsed.port || '5432')}` };
  if (host) parsed.hostname = host;
  if (port) parsed.port = port;
  return { url: parsed.toString() };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === 'postgres') {
    const target = postgresTarget(options.url);
    const { client, pool } = instrumentPostgres(
      postgres(target.url, {
        path: target.path,
        max: options.poolSize ?? 10,
        onnotice: () => {},
        // Stable UTC on the wire; the app formats dates itself. No statement runs longer than the
        // timeout (0: no limit); PostgreSQL cancels it and its transaction rolls back. No JIT: the
        // API's statements are short, and a count over many rows crossed the JIT threshold and was
        // compiled on every execution, costing more than it saved (issue 15).
        connection: {
          TimeZone: 'UTC',
          statement_timeout: options.statementTimeoutMs ?? 0,
          jit: 'off',
          random_page_cost: options.randomPageCost ?? DEFAULT_RANDOM_PAGE_COST,
        },
        // While PostgreSQL is down, waiting requests fail within seconds and the pool finds it again
        // within a second of its return (the default backoff grows to 20 s between attempts).
        connect_timeout: 10,
        backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
      }),
      options.poolSize ?? 10,
    );
    const db = drizzlePostgres(client, { logger: countingLogger }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      // Migrations may take longer than a request's statements: one connection without the timeout.
      migrate: async () => {
        const migrator = postgres(target.url, {
          path: target.path,
          max: 1,
          onnotice: () => {},
          connect_timeout: 10,
          connection: { TimeZone: 'UTC' },
        });
        try {
          await migratePostgres(drizzlePostgres(migrator), { migrationsFolder: migrationsDir });
        } finally {
          await migrator.end({ timeout: 5 });
        }
      },
      // Bounded: a probe that hangs while connections are retried would look like a dead process.
      ping: async () => {
        await withTimeout(db.execute(sql`select 1`), 2_000, 'the readiness query');
      },
      close: () => client.end({ timeout: 5 }),
      pool,
    };
  }
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  // pg_trgm backs the name search's trigram indexes; PostgreSQL servers have it in contrib. (Its
  // package's type declarations are ESM-only, hence require in this CommonJS build.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension };
  const embedded = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    extensions: { pg_trgm },
    ...(options.artifacts ?? {}),
    ...(options.sharedBuffers ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers}`] } : {}),
  });
  yieldBeforeStatements(embedded);
  // Counted outside the yield, so a statement waiting for its turn already shows in the pool's use.
  const { client, pool } = instrumentPglite(embedded);
  await client.exec(`set timezone = 'UTC'`);
  await client.exec(`set random_page_cost = ${Number(options.randomPageCost ?? DEFAULT_RANDOM_PAGE_COST)}`);
  const statementTimeout = `set statement_timeout = ${Math.trunc(options.statementTimeoutMs ?? 0)}`;
  await client.exec(statementTimeout);
  const db = drizzlePglite(client, { logger: countingLogger }) as unknown as Db;
  return {
    db,
    kind: 'embedded',
    migrate: async () => {
      await client.exec('set statement_timeout = 0');
      try {
        await migratePglite(drizzlePglite(client), { migrationsFolder: migrationsDir });
      } finally {
        await client.exec(statementTimeout);
      }
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
    pool,
  };
}

/**
 * PGlite answers in promise callbacks without going back to the event loop, so a request's
 * statements would run back to back, blind to its client hanging up (and to every other request).
 * Each statement and transaction outside a transaction first lets the event loop turn once.
 */
function yieldBeforeStatements(client: PGlite): void {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const query = client.query.bind(client);
  const transaction = client.transaction.bind(client);
  client.query = (async (...args: Parameters<typeof query>) => {
    await turn();
    return query(...args);
  }) as typeof client.query;
  client.transaction = (async (...args: Parameters<typeof transaction>) => {
    await turn();
    return transaction(...args);
  }) as typeof client.transaction;
}

/** Rows of a raw SQL query; the two drivers shape `execute` results differently. */
export async function selectRows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}
