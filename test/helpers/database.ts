// A fresh database for one test file: an embedded PGlite in a copy of the migrated data directory
// that global-setup made (or, run without it, a new one migrated here), or, when
// TEST_DATABASE_URL is set, a new PostgreSQL database copied from the template that global-setup
// migrated (CREATE DATABASE … TEMPLATE is much faster than migrating each time).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/client';

// TEST_DB_TAG keeps concurrent runs on one server (several checkouts) out of each other's databases.
const TAG = (process.env.TEST_DB_TAG ?? '').replace(/[^a-z0-9]/gi, '').toLowerCase();
export const DATABASE_PREFIX = `crm_test_${TAG ? `${TAG}_` : ''}`;
export const TEMPLATE_DATABASE = `${DATABASE_PREFIX}template`;
/** Matches this run's databases (and leftovers of this tag's interrupted runs), not other tags'. */
export const OWN_DATABASES = new RegExp(`^${DATABASE_PREFIX}([0-9]+_[0-9a-f]+|template)$`);

export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Where global-setup leaves the migrated embedded data directory that each test file copies. */
export const MIGRATED_DIR_ENV = 'TEST_PGLITE_MIGRATED_DIR';

/** The embedded databases' cache: small databases, and a smaller cache starts faster. */
const SHARED_BUFFERS = '8MB';

export type TestDatabase = Database & { name: string; url: string | null; drop(): Promise<void> };

/** `poolSize`: connections to PostgreSQL (concurrency tests ask for one per concurrent call). */
export async function createTestDatabase(options: { poolSize?: number; statementTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-db-')), 'data');
    const migrated = process.env[MIGRATED_DIR_ENV];
    if (migrated) await fs.promises.cp(migrated, dataDir, { recursive: true });
    const database = await openDatabase({ kind: 'embedded', dataDir, statementTimeoutMs: options.statementTimeoutMs, sharedBuffers: SHARED_BUFFERS });
    // Nothing to apply when it starts from global-setup's migrated copy; the run without one migrates here.
    await database.migrate();
    return {
      ...database,
      name: 'embedded',
      url: null,
      drop: async () => {
        await database.close();
        await fs.promises.rm(path.dirname(dataDir), { recursive: true, force: true });
      },
    };
  }
  const name = `${DATABASE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${TEMPLATE_DATABASE}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(adminUrl, name);
  const database = await openDatabase({ kind: 'postgres', url, poolSize: options.poolSize ?? 10, statementTimeoutMs: options.statementTimeoutMs });
  return {
    ...database,
    name,
    url,
    drop: async () => {
      await database.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
