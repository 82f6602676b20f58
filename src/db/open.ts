// Opens the database the configuration names and brings its schema up to date.
import type { Config } from '../config';
import { openDatabase, type Database } from './client';

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  const database = config.databaseUrl
    ? await openDatabase({ kind: 'postgres', url: config.databaseUrl, poolSize: config.databasePoolSize, statementTimeoutMs: config.statementTimeoutMs })
    : await openDatabase({ kind: 'embedded', dataDir: config.dataDir, statementTimeoutMs: config.statementTimeoutMs });
  await database.migrate();
  return database;
}
