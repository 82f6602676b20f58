// A fresh database for one test file: an in-memory PGlite with the migrations applied, or, when
// TEST_DATABASE_URL is set, a new PostgreSQL database copied from the template that global-setup
// migrated (CREATE DATABASE … TEMPLATE is much faster than migrating each time).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
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

/** Where global-setup leaves the migrated embedded database that each test file starts from. */
export const SNAPSHOT_ENV = 'TEST_PGLITE_SNAPSHOT';
let snapshot: Promise<Blob | undefined> | undefined;

function migratedSnapshot(): Promise<Blob | undefined> {
  const file = process.env[SNAPSHOT_ENV];
  snapshot ??= file ? fs.promises.readFile(file).then((bytes) => new Blob([bytes])) : Promise.resolve(undefined);
  return snapshot;
}

export type TestDatabase = Database & { name: string; url: string | null; drop(): Promise<void> };

/** `poolSize`: connections to PostgreSQL (concurrency tests ask for one per concurrent call). */
export async function createTestDatabase(options: { poolSize?: number; statementTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) {
    const database = await openDatabase({ kind: 'embedded', snapshot: await migratedSnapshot(), statementTimeoutMs: options.statementTimeoutMs });
    // Nothing to apply when it starts from global-setup's migrated copy; the run without one migrates here.
    await database.migrate();
    return { ...database, name: 'memory', url: null, drop: () => database.close() };
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
