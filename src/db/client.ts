// The database: embedded PostgreSQL (PGlite, persisted in DATA_DIR) when no DATABASE_URL is set,
// otherwise a PostgreSQL server through a postgres.js pool. Both are exposed as one Drizzle type,
// so services never know which one they run on.
import fs from 'node:fs';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { sql, type Logger } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { migrationsDir } from '../paths';
import { instrumentPglite, instrumentPostgres, type PoolUsage } from './instrument';
import * as schema from './schema';
import { recordStatement } from './statement-count';

export type Schema = typeof schema;
/** A Drizzle handle: the database itself or a transaction; services accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema>;

export type Database = {
  db: Db;
  kind: 'embedded' | 'postgres';
  /** Applies pending migrations from drizzle/. */
  migrate(): Promise<void>;
  /** Cheap round trip for the readiness probe. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Connections in use, for /metrics. */
  pool: PoolUsage;
};

const countingLogger: Logger = { logQuery: () => recordStatement() };

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  /** `dataDir` undefined: in memory (tests). */
  | { kind: 'embedded'; dataDir?: string };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === 'postgres') {
    const { client, pool } = instrumentPostgres(
      postgres(options.url, {
        max: options.poolSize ?? 10,
        onnotice: () => {},
        // Stable UTC on the wire; the app formats dates itself.
        connection: { TimeZone: 'UTC' },
      }),
      options.poolSize ?? 10,
    );
    const db = drizzlePostgres(client, { schema, logger: countingLogger }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      migrate: () => migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: migrationsDir }),
      ping: async () => {
        await db.execute(sql`select 1`);
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
  const { client, pool } = instrumentPglite(
    await PGlite.create({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), extensions: { pg_trgm } }),
  );
  await client.exec(`set timezone = 'UTC'`);
  const db = drizzlePglite(client, { schema, logger: countingLogger }) as unknown as Db;
  return {
    db,
    kind: 'embedded',
    migrate: () => migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: migrationsDir }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
    pool,
  };
}

/** Rows of a raw SQL query; the two drivers shape `execute` results differently. */
export async function selectRows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}
