// Import jobs (docs/domain.md#import-and-export): one row per CSV upload, updated as its batches
// commit, so a client can poll `importJob(id)` for progress. A job sits under the customer it imports
// into, so it is visible to whoever sees that customer (src/auth/visibility.ts), like any row under a
// record. A customers import sits under no customer: its uploader and those who see every customer see
// it.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps } from '../db/columns';
import { users } from '../tenancy/tables';

export const importJobKindEnum = pgEnum('import_job_kind', ['WORK_ADDRESSES', 'CUSTOMERS', 'CUSTOMER_ARCHIVE']);
export const importJobModeEnum = pgEnum('import_job_mode', ['ALL_OR_NOTHING', 'COMMIT_VALID_ROWS', 'DRY_RUN']);
export const importJobStatusEnum = pgEnum('import_job_status', ['RUNNING', 'SUCCEEDED', 'FAILED', 'REFUSED']);

/**
 * One bad row: its 1-based number among the data rows (the header is not counted), the field, why;
 * and for an archive import, the archive's file the row is in.
 */
export type ImportRowError = { row: number; field: string | null; message: string; file?: string };

/** At most this many row errors are kept on a job; `errorCount` counts them all. */
export const MAX_KEPT_ERRORS = 1000;

export const importJobs = pgTable(
  'import_jobs',
  {
    id: id(),
    organisationId: organisationId(),
    /** The customer the rows go under; null for an import of customers themselves. */
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    kind: importJobKindEnum('kind').notNull(),
    mode: importJobModeEnum('mode').notNull(),
    status: importJobStatusEnum('status').notNull().default('RUNNING'),
    fileName: text('file_name'),
    /** CSV header → field of the imported thing, as uploaded. */
    mapping: jsonb('mapping').$type<Record<string, string>>().notNull(),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsImported: integer('rows_imported').notNull().default(0),
    /** Rows that passed every check (imported, or in DRY_RUN that would be). */
    rowsValid: integer('rows_valid').notNull().default(0),
    /** Of the imported rows (in DRY_RUN: the valid ones), those that updated a record found by its external key. */
    rowsUpdated: integer('rows_updated').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    /** The first MAX_KEPT_ERRORS row errors, in row order. */
    errors: jsonb('errors').$type<ImportRowError[]>().notNull().default([]),
    /** Why the whole job failed (unreadable CSV, a missing column), when it did. */
    failureMessage: text('failure_message'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * Renewed while the process running the import is alive (job-watch.ts); a RUNNING job whose
     * heartbeat has gone stale was left by a process that died, and is marked FAILED.
     */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [
    index('import_jobs_customer_idx').on(t.customerId, t.createdAt, t.id),
    // The sweep for abandoned jobs looks only at RUNNING ones.
    index('import_jobs_running_idx')
      .on(t.heartbeatAt)
      .where(sql`${t.status} = 'RUNNING'`),
  ],
);

export type ImportJobRow = typeof importJobs.$inferSelect;
