// Builds the migrated database that each test file starts from: with TEST_DATABASE_URL a template
// database that each file copies, otherwise an embedded data directory that each file copies and
// opens (a directory copy opens in about a third of the time a dumped tarball takes to load). And
// `npm run build` first: the tests about the server process run dist/src/main.js as `npm start` does
// (test/helpers/child-server.ts); the build is skipped when dist/ matches src/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client';
import { projectRoot } from '../../src/paths';
import { MIGRATED_DIR_ENV, OWN_DATABASES, TEMPLATE_DATABASE, testDatabaseUrl, withDatabaseName } from './database';

export default async function globalSetup(): Promise<void> {
  build();
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) return embeddedDataDir();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Leftovers of interrupted runs, then a fresh template.
    const stale = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'crm_test_%'`;
    for (const { datname } of stale) if (OWN_DATABASES.test(datname)) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.unsafe(`create database "${TEMPLATE_DATABASE}"`);
  } finally {
    await admin.end();
  }
  const template = await openDatabase({ kind: 'postgres', url: withDatabaseName(adminUrl, TEMPLATE_DATABASE), poolSize: 1 });
  try {
    await template.migrate();
  } finally {
    await template.close();
  }
}

function build(): void {
  const result = spawnSync(process.execPath, [path.join(projectRoot, 'scripts/build.js')], { cwd: projectRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed, so the tests of the server process cannot run:\n${result.stderr}${result.stdout}`);
}

async function embeddedDataDir(): Promise<void> {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-')), 'migrated');
  const database = await openDatabase({ kind: 'embedded', dataDir });
  try {
    await database.migrate();
  } finally {
    // A clean shutdown: the copies open without recovering anything.
    await database.close();
  }
  // The workers start after global setup and inherit its environment.
  process.env[MIGRATED_DIR_ENV] = dataDir;
}
