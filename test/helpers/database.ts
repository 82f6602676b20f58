// A fresh database for one test file: an embedded PGlite in a copy of the migrated data directory
// that global-setup made (or, run without it, a new one migrated here), or, when
// TEST_DATABASE_URL is set, a new PostgreSQL database copied from the template that global-setup
// migrated (CREATE DATABASE … TEMPLATE is much faster than migrating each time).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/db/client';

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

/**
 * A plain recursive copy. The migrated data directory is ~1,450 small files: measured on tmpfs,
 * `fs.promises.cp` took 350–450 ms to copy it (a stat, a chmod and a promise per file), this 50 ms.
 */
function copyDirectory(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyDirectory(source, target);
    else fs.copyFileSync(source, target);
  }
}

type EmbeddedArtifacts = NonNullable<Extract<DatabaseOptions, { kind: 'embedded' }>['artifacts']>;
type WasmModule = EmbeddedArtifacts['pgliteWasmModule'];
// The project's TypeScript libraries (ES2023, Node) do not declare WebAssembly; Node has it.
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };
type SharedArtifacts = { wasm: Uint8Array; bundle: Uint8Array; compiled: WasmModule };

/**
 * PGlite's program and file bundle, read once per Jest worker and shared by every test file it
 * runs. Jest gives each test file its own module registry (a cache in a module would last one
 * file), but Node's built-in modules are the same objects in every file, so the cache hangs on one
 * of them. Each file compiles the program in its own context (PGlite checks `instanceof
 * WebAssembly.Module`, and each context has its own); the first compile, kept alive here, lets V8
 * find those bytes compiled already. Measured in Jest with the copy above: a test database opened in
 * ~440 ms instead of ~770. Once read, the values themselves are kept, not the promise that read them:
 * a promise holds the asynchronous context it was made in (the first test file's hook, and through it
 * that file's whole server) for the worker's life.
 */
async function embeddedArtifacts(): Promise<EmbeddedArtifacts> {
  const holder = os as unknown as { __crmTestPgliteArtifacts?: SharedArtifacts | Promise<SharedArtifacts> };
  holder.__crmTestPgliteArtifacts ??= (async () => {
    const dist = path.dirname(require.resolve('@electric-sql/pglite'));
    const [wasm, bundle] = await Promise.all([fs.promises.readFile(path.join(dist, 'pglite.wasm')), fs.promises.readFile(path.join(dist, 'pglite.data'))]);
    return { wasm, bundle, compiled: await WebAssembly.compile(wasm) };
  })();
  const shared = await holder.__crmTestPgliteArtifacts;
  holder.__crmTestPgliteArtifacts = shared;
  return { pgliteWasmModule: await WebAssembly.compile(shared.wasm), fsBundle: new Blob([shared.bundle]) };
}

export type TestDatabase = Database & { name: string; url: string | null; drop(): Promise<void> };

/** `poolSize`: connections to PostgreSQL (concurrency tests ask for one per concurrent call). */
export async function createTestDatabase(options: { poolSize?: number; statementTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-db-')), 'data');
    const migrated = process.env[MIGRATED_DIR_ENV];
    if (migrated) copyDirectory(migrated, dataDir);
    const database = await openDatabase({
      kind: 'embedded',
      dataDir,
      statementTimeoutMs: options.statementTimeoutMs,
      sharedBuffers: SHARED_BUFFERS,
      artifacts: await embeddedArtifacts(),
    });
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

/**
 * A migrated database for a server run in its own process (test/helpers/child-server.ts), which the
 * test may also open between the server's runs: with TEST_DATABASE_URL a fresh database from the
 * template, otherwise a copy of the migrated embedded data directory. Either way the child's first
 * start finds the schema in place (initdb and the migrations took 4–5 s per start on the embedded
 * database).
 */
export type ChildDatabase = {
  /** For the child's environment: DATABASE_URL, or DATA_DIR (with DATABASE_URL empty). */
  env: { DATABASE_URL: string; DATA_DIR?: string };
  /**
   * Runs `work` on the database from the test's process. The embedded directory is opened for it
   * and closed after: one process at a time, so not while the child runs.
   */
  use<T>(work: (database: Database) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
};

export async function createChildDatabase(): Promise<ChildDatabase> {
  if (testDatabaseUrl()) {
    const database = await createTestDatabase();
    return { env: { DATABASE_URL: database.url! }, use: (work) => work(database), drop: () => database.drop() };
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-child-db-'));
  const dataDir = path.join(root, 'data');
  const migrated = process.env[MIGRATED_DIR_ENV];
  if (migrated) copyDirectory(migrated, dataDir);
  return {
    env: { DATABASE_URL: '', DATA_DIR: dataDir },
    use: async (work) => {
      const database = await openDatabase({ kind: 'embedded', dataDir, artifacts: await embeddedArtifacts() });
      try {
        await database.migrate();
        return await work(database);
      } finally {
        await database.close();
      }
    },
    drop: () => fs.promises.rm(root, { recursive: true, force: true }),
  };
}
