// Import jobs that outlive the process running them. An import updates its job as batches commit;
// if the process dies (kill -9, a crash, the machine going away) the job would answer RUNNING for
// ever. So a running import renews its job's heartbeat, and jobs whose heartbeat has gone stale are
// marked FAILED, saying what had landed: at start-up, and (on PostgreSQL, where several instances
// may share the database) by a periodic sweep. The embedded database is opened by one process at a
// time, so every job RUNNING when it starts was left by a process that is gone.
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database, Db } from '../db/client';
import { importJobs } from './tables';

/** How often a running import renews its heartbeat: four beats fit in the stale period. */
export function heartbeatMs(config: Pick<Config, 'importStaleAfterSeconds'>): number {
  return Math.max(500, (config.importStaleAfterSeconds * 1000) / 4);
}

/** Renews the job's heartbeat every `everyMs` until the returned function is called. */
export function keepAlive(db: Db, jobId: string, everyMs: number): () => void {
  let beating = false;
  const timer = setInterval(() => {
    // A beat still waiting (the embedded database's one connection is held by an open transaction) is enough.
    if (beating) return;
    beating = true;
    db.update(importJobs)
      .set({ heartbeatAt: sql`now()` })
      .where(and(eq(importJobs.id, jobId), eq(importJobs.status, 'RUNNING')))
      .then(
        () => undefined,
        // A missed beat only matters if the job stays silent for the whole stale period.
        () => undefined,
      )
      .finally(() => {
        beating = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Marks FAILED the RUNNING jobs whose heartbeat is older than `staleAfterSeconds` (by the database's
 * clock, the same for every instance), or every RUNNING job when it is null. Returns how many.
 */
export async function failAbandonedImportJobs(db: Db, staleAfterSeconds: number | null): Promise<number> {
  const failed = await db
    .update(importJobs)
    .set({
      status: 'FAILED',
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
      // What landed: in COMMIT_VALID_ROWS the counts are committed with each batch, so they are exact.
      failureMessage: sql`format(
        'The server running this import stopped before it finished (last heartbeat %s). %s',
        to_char(${importJobs.heartbeatAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        case when ${importJobs.mode} = 'ALL_OR_NOTHING'
          then 'Nothing was imported (ALL_OR_NOTHING keeps all rows or none); import the file again.'
          when ${importJobs.mode} = 'DRY_RUN'
          then 'The dry run did not finish (it keeps nothing in any case); run it again.'
          else format('%s rows had been imported, from the first %s rows read; rows after row %s were not: import them again.',
            ${importJobs.rowsImported}, ${importJobs.rowsRead}, ${importJobs.rowsRead})
        end)`,
    })
    .where(
      and(
        eq(importJobs.status, 'RUNNING'),
        staleAfterSeconds === null ? undefined : sql`${importJobs.heartbeatAt} < now() - make_interval(secs => ${staleAfterSeconds})`,
      ),
    )
    .returning({ id: importJobs.id });
  return failed.length;
}

/**
 * At start-up, fails the jobs left by processes that died; on PostgreSQL, goes on sweeping every
 * heartbeat period for jobs of instances that die later. `stop` ends the sweep.
 */
export async function watchImportJobs(options: { database: Database; config: Config; log: Logger }): Promise<{ stop(): void }> {
  const { database, config, log } = options;
  const stale = config.importStaleAfterSeconds;
  const sweep = async (staleAfter: number | null) => {
    const count = await failAbandonedImportJobs(database.db, staleAfter);
    if (count > 0) log.warn({ count }, 'import jobs left RUNNING by a process that stopped are now FAILED');
  };
  await sweep(database.kind === 'embedded' ? null : stale);
  if (database.kind === 'embedded') return { stop: () => undefined };
  const timer = setInterval(() => {
    sweep(stale).catch((err: unknown) => log.warn({ err }, 'could not sweep for abandoned import jobs'));
  }, heartbeatMs(config));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
