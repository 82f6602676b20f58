// Builds the migrated database that each test file starts from: with TEST_DATABASE_URL a template
// database that each file copies, otherwise an embedded data directory dumped to a file that each
// file opens a copy of.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client';
import { OWN_DATABASES, SNAPSHOT_ENV, TEMPLATE_DATABASE, testDatabaseUrl, withDatabaseName } from './database';

export default async function globalSetup(): Promise<void> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) return embeddedSnapshot();
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

async function embeddedSnapshot(): Promise<void> {
  const database = await openDatabase({ kind: 'embedded' });
  try {
    await database.migrate();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-test-')), 'migrated.tar');
    fs.writeFileSync(file, Buffer.from(await (await database.snapshot!()).arrayBuffer()));
    // The workers start after global setup and inherit its environment.
    process.env[SNAPSHOT_ENV] = file;
  } finally {
    await database.close();
  }
}
