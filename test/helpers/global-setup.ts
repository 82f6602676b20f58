// With TEST_DATABASE_URL: builds the migrated template database that each test file copies.
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client';
import { OWN_DATABASES, TEMPLATE_DATABASE, testDatabaseUrl, withDatabaseName } from './database';

export default async function globalSetup(): Promise<void> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) return;
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
