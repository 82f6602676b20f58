// Bulk import of a customer's work addresses from CSV (D5), with a column mapping. The file is
// streamed through csv-parse (never held whole); each row is validated by the one schema every
// door into work addresses uses (newWorkAddressSchema), and good rows are written about 1000 at a
// time with one multi-row insert each. An import_jobs row tracks progress as batches commit.
//
//   ALL_OR_NOTHING     every batch in ONE transaction; if any row is bad, it rolls back (nothing
//                      imported) and the job is REFUSED. All rows are still read, so the job lists
//                      every bad row (the first 1000).
//   COMMIT_VALID_ROWS  each batch in its own transaction; bad rows are skipped and listed.
//
// Row numbers are 1-based data rows: the header line is not counted, so row 1 is the file's
// second line (blank lines are skipped and not counted either).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { parse, type Parser } from 'csv-parse';
import { eq, type InferInsertModel } from 'drizzle-orm';
import type { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { insertMany } from '../demo/bulk';
import { toGlobalId } from '../graph/ids';
import { newWorkAddressSchema } from '../work-addresses/fields';
import { workAddresses } from '../work-addresses/tables';
import { importJobs, MAX_KEPT_ERRORS, type ImportJobRow, type ImportRowError } from './tables';

export type ImportMode = 'ALL_OR_NOTHING' | 'COMMIT_VALID_ROWS';
export const IMPORT_MODES: readonly ImportMode[] = ['ALL_OR_NOTHING', 'COMMIT_VALID_ROWS'];

/** The fields of a work address a CSV column may be mapped to. */
export const WORK_ADDRESS_IMPORT_FIELDS = Object.keys(newWorkAddressSchema.shape) as Array<keyof typeof newWorkAddressSchema.shape>;
type ImportField = (typeof WORK_ADDRESS_IMPORT_FIELDS)[number];

const NUMBER_FIELDS: ReadonlySet<string> = new Set(['latitude', 'longitude']);
const BOOLEAN_FIELDS: ReadonlySet<string> = new Set(['vacantProperty', 'afterSalesCommunication']);
const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

export const DEFAULT_BATCH_SIZE = 1000;
/** A longer CSV record than this is not an address; it stops the import instead of filling memory. */
const MAX_RECORD_CHARS = 64 * 1024;

/** Something wrong with the request itself (mapping, header): refused before any row is read. */
export type RequestProblem = { field: string[]; message: string; code: 'INVALID' | 'REQUIRED' | 'NOT_FOUND' };

/** The column mapping from its JSON text: CSV header → work-address field. Problems refuse the upload. */
export function parseMapping(text: string | undefined): { mapping: Record<string, ImportField> } | { problems: RequestProblem[] } {
  if (text === undefined || text.trim() === '') return { problems: [{ field: ['mapping'], message: 'mapping: is required', code: 'REQUIRED' }] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problems: [{ field: ['mapping'], message: 'mapping: must be a JSON object of CSV header → field name', code: 'INVALID' }] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { problems: [{ field: ['mapping'], message: 'mapping: must be a JSON object of CSV header → field name', code: 'INVALID' }] };
  }
  const problems: RequestProblem[] = [];
  const mapping: Record<string, ImportField> = {};
  const targets = new Map<string, string>();
  for (const [header, target] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof target !== 'string' || !(WORK_ADDRESS_IMPORT_FIELDS as readonly string[]).includes(target)) {
      problems.push({
        field: ['mapping', header],
        message: `mapping: ${JSON.stringify(header)} → ${JSON.stringify(target)} is not a field of a work address (one of ${WORK_ADDRESS_IMPORT_FIELDS.join(', ')})`,
        code: 'INVALID',
      });
      continue;
    }
    const earlier = targets.get(target);
    if (earlier !== undefined) {
      problems.push({ field: ['mapping', header], message: `mapping: ${target} is already mapped from ${JSON.stringify(earlier)}`, code: 'INVALID' });
      continue;
    }
    targets.set(target, header);
    mapping[header] = target as ImportField;
  }
  if (!targets.has('line1') && !problems.some((p) => (raw as Record<string, unknown>)[p.field[1]!] === 'line1')) {
    problems.push({ field: ['mapping'], message: 'mapping: no column is mapped to line1, which every work address needs', code: 'REQUIRED' });
  }
  return problems.length ? { problems } : { mapping };
}

/** A CSV cell → the value the shared schema expects: blank is absent; numbers and yes/no converted. */
function cellValue(field: string, cell: string | undefined): unknown {
  if (cell === undefined || cell.trim() === '') return undefined;
  const text = cell.trim();
  if (NUMBER_FIELDS.has(field)) {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (BOOLEAN_FIELDS.has(field)) {
    const word = text.toLowerCase();
    return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : text;
  }
  return cell;
}

function issueMessage(issue: z.core.$ZodIssue, header: string | undefined): string {
  const where = header !== undefined ? ` (column ${JSON.stringify(header)})` : '';
  const message = issue.code === 'invalid_type' && issue.input == null ? 'is required' : issue.message;
  return `${String(issue.path[0] ?? 'row')}${where}: ${message}`;
}

type WorkAddressInsert = InferInsertModel<typeof workAddresses>;

export type ImportOptions = {
  db: Db;
  actor: Actor;
  /** The customer's uuid: the caller has checked the viewer may see it. */
  customerId: string;
  mapping: Record<string, ImportField>;
  mode: ImportMode;
  fileName: string | null;
  /** The CSV bytes. */
  input: Readable;
  /**
   * Whether progress may be written outside the ALL_OR_NOTHING transaction. True on PostgreSQL; false
   * on the embedded database, whose single connection waits for the open transaction (writing would
   * deadlock), so there an ALL_OR_NOTHING job shows its counts only when it ends.
   */
  progressOutsideTransaction: boolean;
  batchSize?: number;
  /** Called once the job row exists (after the header was read and checked). */
  onJobCreated?: (job: ImportJobRow) => void;
};

export type ImportOutcome = { job: ImportJobRow } | { problems: RequestProblem[] };

/** Thrown inside the ALL_OR_NOTHING transaction to roll it back when rows were bad. */
class Refused extends Error {}

export async function importWorkAddresses(options: ImportOptions): Promise<ImportOutcome> {
  const { db, actor, customerId, mapping, mode } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const parser: Parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_RECORD_CHARS });
  // pipeline, not pipe: an aborted upload destroys the parser, so reading it below throws.
  pipeline(options.input, parser, () => undefined);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;

  // The header first: a mapped column missing from it refuses the upload before any job exists.
  let header: string[];
  try {
    const first = await records.next();
    header = first.done ? [] : first.value.map((h) => h.trim());
  } catch (err) {
    options.input.resume();
    return { problems: [{ field: ['file'], message: `file: not readable as CSV: ${(err as Error).message}`, code: 'INVALID' }] };
  }
  const columns: Array<{ index: number; field: ImportField; header: string }> = [];
  const problems: RequestProblem[] = [];
  if (header.length === 0) problems.push({ field: ['file'], message: 'file: is empty; the first line must be the header', code: 'INVALID' });
  else {
    for (const [name, field] of Object.entries(mapping)) {
      const index = header.indexOf(name.trim());
      if (index < 0) problems.push({ field: ['mapping', name], message: `mapping: the file has no column ${JSON.stringify(name)} (its header: ${header.map((h) => JSON.stringify(h)).join(', ')})`, code: 'INVALID' });
      else columns.push({ index, field, header: name });
    }
  }
  if (problems.length) {
    parser.destroy();
    options.input.resume();
    return { problems };
  }

  const [created] = await db
    .insert(importJobs)
    .values({
      organisationId: actor.organisationId,
      customerId,
      kind: 'WORK_ADDRESSES',
      mode,
      fileName: options.fileName,
      mapping,
      createdById: actor.userId,
    })
    .returning();
  const job = created!;
  options.onJobCreated?.(job);

  const progress = { rowsRead: 0, rowsImported: 0, errorCount: 0, errors: [] as ImportRowError[] };
  const addError = (error: ImportRowError) => {
    progress.errorCount++;
    if (progress.errors.length < MAX_KEPT_ERRORS) progress.errors.push(error);
  };
  const counts = () => ({ rowsRead: progress.rowsRead, rowsImported: progress.rowsImported, errorCount: progress.errorCount, errors: progress.errors });

  /** Reads the rest of the file, handing each batch of good rows (and the rows read) to `flush`. */
  const readRows = async (flush: (rows: WorkAddressInsert[]) => Promise<void>) => {
    let batch: WorkAddressInsert[] = [];
    let sinceFlush = 0;
    for (;;) {
      const next = await records.next();
      if (next.done) break;
      const record = next.value;
      const row = ++progress.rowsRead;
      sinceFlush++;
      if (record.length !== header.length) {
        addError({ row, field: null, message: `row: has ${record.length} columns; the header has ${header.length}` });
      } else {
        const input: Record<string, unknown> = {};
        for (const c of columns) input[c.field] = cellValue(c.field, record[c.index]);
        const parsed = newWorkAddressSchema.safeParse(input);
        if (parsed.success) {
          const values: Record<string, unknown> = { organisationId: actor.organisationId, customerId };
          // Every key on every row: insertMany writes the columns of the first row.
          for (const field of WORK_ADDRESS_IMPORT_FIELDS) values[field] = (parsed.data as Record<string, unknown>)[field] ?? null;
          batch.push(values as WorkAddressInsert);
        } else {
          for (const issue of parsed.error.issues) {
            const field = issue.path.length ? String(issue.path[0]) : null;
            addError({ row, field, message: issueMessage(issue, columns.find((c) => c.field === field)?.header) });
          }
        }
      }
      if (sinceFlush >= batchSize) {
        await flush(batch);
        batch = [];
        sinceFlush = 0;
      }
    }
    if (sinceFlush > 0) await flush(batch);
  };

  const finish = async (tx: Db, status: 'SUCCEEDED' | 'FAILED' | 'REFUSED', failureMessage: string | null) => {
    const [done] = await tx
      .update(importJobs)
      .set({ ...counts(), status, failureMessage, finishedAt: new Date(), updatedAt: new Date() })
      .where(eq(importJobs.id, job.id))
      .returning();
    await recordAudit(tx, actor, {
      action: 'workAddresses.import',
      entityType: 'ImportJob',
      entityId: job.id,
      after: {
        customerId: toGlobalId('Customer', customerId),
        mode,
        status,
        fileName: options.fileName,
        rowsRead: progress.rowsRead,
        rowsImported: progress.rowsImported,
        errorCount: progress.errorCount,
        ...(failureMessage ? { failureMessage } : {}),
      },
    });
    return done!;
  };

  try {
    if (mode === 'COMMIT_VALID_ROWS') {
      await readRows(async (rows) => {
        await db.transaction(async (tx) => {
          await insertMany(tx, workAddresses, rows);
          progress.rowsImported += rows.length;
          await tx.update(importJobs).set({ ...counts(), updatedAt: new Date() }).where(eq(importJobs.id, job.id));
        });
      });
      return { job: await db.transaction((tx) => finish(tx, 'SUCCEEDED', null)) };
    }
    let pending = 0;
    try {
      const done = await db.transaction(async (tx) => {
        await readRows(async (rows) => {
          // After the first bad row nothing will be kept: reading on only finds the other bad rows.
          if (progress.errorCount === 0) {
            await insertMany(tx, workAddresses, rows);
            pending += rows.length;
          }
          if (options.progressOutsideTransaction) {
            await db
              .update(importJobs)
              .set({ rowsRead: progress.rowsRead, errorCount: progress.errorCount, errors: progress.errors, updatedAt: new Date() })
              .where(eq(importJobs.id, job.id));
          }
        });
        if (progress.errorCount > 0) throw new Refused();
        progress.rowsImported = pending;
        return finish(tx, 'SUCCEEDED', null);
      });
      return { job: done };
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      return { job: await db.transaction((tx) => finish(tx, 'REFUSED', null)) };
    }
  } catch (err) {
    // The file broke off, or is not CSV past some point, or (a bug) the database refused a batch. In
    // ALL_OR_NOTHING the transaction rolled back. The job must not stay RUNNING either way.
    if (mode === 'ALL_OR_NOTHING') progress.rowsImported = 0;
    parser.destroy();
    options.input.resume();
    const fileProblem = isFileProblem(err);
    const message = fileProblem ? `The file could not be read to the end: ${(err as Error).message}` : 'An internal error stopped the import.';
    const failed = await db.transaction((tx) => finish(tx, 'FAILED', message));
    if (!fileProblem) throw err;
    return { job: failed };
  }
}

/** csv-parse's own errors (CSV_…), a record too long, an upload that broke off or went over the limit. */
function isFileProblem(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('CSV_') || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'FILE_TOO_LARGE' || code === 'ECONNRESET');
}
