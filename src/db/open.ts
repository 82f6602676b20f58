// Opens the database the configuration names and brings its schema up to date. An embedded data
// directory is locked first, so only one process ever has it open (data-dir-lock.ts).
import type { Config } from '../config';
import { openDatabase, type Database } from './client';
import { acquireDataDirLock, type LockHolder } from './data-dir-lock';

export async function openConfiguredDatabase(
  config: Config,
  who: { role: LockHolder['role']; command: string } = { role: 'server', command: 'server' },
): Promise<Database> {
  if (config.databaseUrl) {
    const database = await openDatabase({
      kind: 'postgres',
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      randomPageCost: config.databaseRandomPageCost,
    });
    await database.migrate();
    return database;
  }
  // Throws DataDirInUseError, touching nothing, when another process has the directory.
  const lock = acquireDataDirLock(config.dataDir, who, (message) => process.stderr.write(`${message}\n`));
  let database: Database | undefined;
  try {
    database = await openDatabase({
      kind: 'embedded',
      dataDir: config.dataDir,
      statementTimeoutMs: config.statementTimeoutMs,
      randomPageCost: config.databaseRandomPageCost,
    });
    await database.migrate();
  } catch (error) {
    await database?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
  const opened = database;
  return {
    ...opened,
    dataDirLock: lock,
    close: async () => {
      try {
        await opened.close();
      } finally {
        lock.release();
      }
    },
  };
}
