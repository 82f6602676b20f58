// The CSV import engine (docs/domain.md#import-and-export) every bulk import runs on: the column
// mapping checked against the target's fields, the file streamed through csv-parse (never held whole),
// each row validated by the target, good rows written a batch (about 1000) at a time by the target, and
// an import_jobs row tracking progress as batches commit. What is imported is an ImportTarget: work
// addresses of one customer (work-address-import.ts), customers (customer-import.ts).
//
//   ALL_OR_NOTHING     every batch in ONE transaction; if any row is bad, it rolls back (nothing
//                      imported) and the job is REFUSED. All rows are still read, so the job lists
//                      every bad row (the first 1000).
//   COMMIT_VALID_ROWS  each batch in its own transaction; bad rows are skipped and listed.
//   DRY_RUN            ALL_OR_NOTHING's run, always rolled back: every row is checked and the good
//                      ones written (so the database's own checks run too), then nothing is kept. The
//                      job reports what ALL_OR_NOTHING would have done: SUCCEEDED (rowsValid would be
//                      imported, rowsUpdated of them updating records found by their external key)
//                      or REFUSED with the bad rows.
//
// A target may look a batch's rows up before they are written (`checkBatch`: e.g. the existing record
// with a row's external key, which the row then updates instead of duplicating); rows it refuses are
// bad rows like any other.
//
// Row numbers are 1-based data rows: the header line is not counted, so row 1 is the file's
// second line (blank lines are skipped and not counted either).
//
// Text is UTF-8 (a BOM is allowed) unless the upload names another `encoding`: csv-parse splits the
// bytes (read as latin1, one character per byte, so nothing is lost) and each cell used is decoded
// here, so bytes that are not UTF-8 stop the import naming the row and column instead of becoming
// "�" in the data. Cells quoted against spreadsheet formulas are read back as they were (csv-cells.ts).
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { parse, type Parser } from 'csv-parse';
import { and, eq } from 'drizzle-orm';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { toGlobalId } from '../graph/ids';
import { restoreCell } from './csv-cells';
import { keepAlive } from './job-watch';
import { importJobs, MAX_KEPT_ERRORS, type ImportJobRow, type ImportRowError } from './tables';

export type ImportMode = 'ALL_OR_NOTHING' | 'COMMIT_VALID_ROWS' | 'DRY_RUN';
export const IMPORT_MODES: readonly ImportMode[] = ['ALL_OR_NOTHING', 'COMMIT_VALID_ROWS', 'DRY_RUN'];
export type ImportJobKind = ImportJobRow['kind'];

export const DEFAULT_BATCH_SIZE = 1000;
/** A longer CSV record than this is not a row of anything we import; it stops the import instead of filling memory. */
const MAX_RECORD_CHARS = 64 * 1024;

/** Something wrong with the request itself (mapping, header): refused before any row is read. */
export type RequestProblem = { field: string[]; message: string; code: 'INVALID' | 'REQUIRED' | 'NOT_FOUND' };

/** One thing wrong with a row: the target's field (null for the row as a whole) and why, without the field's name. */
export type RowProblem = { field: string | null; message: string };

/** What an import brings in: the fields a column may be mapped to, how a row is checked, how a batch is written. */
export type ImportTarget<V> = {
  kind: ImportJobKind;
  /** The thing imported, for messages: "a work address". */
  what: string;
  /** The fields a CSV column may be mapped to. */
  fields: readonly string[];
  /** Fields some column must be mapped to, or the upload is refused. */
  requiredFields: readonly string[];
  /** A non-blank CSV cell (trimmed) → the value `validateRow` expects for the field; blank cells are absent. */
  cellValue?: (field: string, text: string) => unknown;
  /** The mapped values of one row (blank cells left out) → the value to insert, or what is wrong. */
  validateRow: (input: Record<string, unknown>) => { value: V } | { problems: RowProblem[] };
  /**
   * Before a batch is written, inside its transaction: looks its rows up (e.g. the existing record with
   * a row's external key) and returns, for each row, what is wrong with it (null when nothing is). It
   * may note on a row what it found, for `insertBatch`.
   */
  checkBatch?: (tx: Db, values: V[]) => Promise<Array<RowProblem[] | null>>;
  /** Writes a batch of good rows inside the caller's transaction; says how many of them updated existing records. */
  insertBatch: (tx: Db, values: V[]) => Promise<{ updated: number } | void>;
  /** The audit action of the one entry per import, e.g. 'workAddresses.import'. */
  auditAction: string;
  /** The customer the rows go under, when they go under one (the job is then visible with it). */
  customerId: string | null;
};

/** The column mapping from its JSON text: CSV header → one of the target's fields. Problems refuse the upload. */
export function parseMapping(
  text: string | undefined,
  target: Pick<ImportTarget<unknown>, 'fields' | 'requiredFields' | 'what'>,
): { mapping: Record<string, string> } | { problems: RequestProblem[] } {
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
  const mapping: Record<string, string> = {};
  const targets = new Map<string, string>();
  const mentioned = new Set(Object.values(raw as Record<string, unknown>));
  for (const [header, field] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof field !== 'string' || !target.fields.includes(field)) {
      problems.push({
        field: ['mapping', header],
        message: `mapping: ${JSON.stringify(header)} → ${JSON.stringify(field)} is not a field of ${target.what} (one of ${target.fields.join(', ')})`,
        code: 'INVALID',
      });
      continue;
    }
    const earlier = targets.get(field);
    if (earlier !== undefined) {
      problems.push({ field: ['mapping', header], message: `mapping: ${field} is already mapped from ${JSON.stringify(earlier)}`, code: 'INVALID' });
      continue;
    }
    targets.set(field, header);
    mapping[header] = field;
  }
  for (const required of target.requiredFields) {
    if (!targets.has(required) && !mentioned.has(required)) {
      problems.push({
        field: ['mapping'],
        message: `mapping: no column is mapped to ${required}, which every ${target.what.replace(/^an? /, '')} needs`,
        code: 'REQUIRED',
      });
    }
  }
  return problems.length ? { problems } : { mapping };
}

/** The character set of an uploaded CSV: UTF-8, or another one the upload names (a WHATWG label). */
export function parseEncoding(label: string | undefined): { encoding: string } | { problems: RequestProblem[] } {
  if (label === undefined || label.trim() === '') return { encoding: 'utf-8' };
  let encoding: string;
  try {
    encoding = new TextDecoder(label.trim()).encoding;
  } catch {
    return {
      problems: [
        {
          field: ['encoding'],
          message: `encoding: ${JSON.stringify(label)} is not a character set we know; use e.g. utf-8, windows-1252 or iso-8859-15`,
          code: 'INVALID',
        },
      ],
    };
  }
  // CSV's commas and line ends are found in the bytes, so only encodings that keep ASCII as it is will do.
  if (encoding.startsWith('utf-16')) {
    return { problems: [{ field: ['encoding'], message: `encoding: ${encoding} is not supported; save the file as UTF-8`, code: 'INVALID' }] };
  }
  return { encoding };
}

/** A cell's bytes (as latin1 text) → its text in `encoding`; null when they are not valid UTF-8. */
function cellDecoder(encoding: string): (raw: string) => string | null {
  // eslint-disable-next-line no-control-regex -- all of ASCII, NUL included
  const ascii = /^[\x00-\x7f]*$/;
  if (encoding === 'utf-8') {
    return (raw) => {
      if (ascii.test(raw)) return raw;
      const bytes = Buffer.from(raw, 'latin1');
      return isUtf8(bytes) ? bytes.toString('utf8') : null;
    };
  }
  const decoder = new TextDecoder(encoding);
  return (raw) => (ascii.test(raw) ? raw : decoder.decode(Buffer.from(raw, 'latin1')));
}

const NOT_UTF8 = 'is not valid UTF-8; save the file as UTF-8, or send the `encoding` field naming its character set (e.g. windows-1252)';

export type ImportOptions<V> = {
  db: Db;
  actor: Actor;
  target: ImportTarget<V>;
  mapping: Record<string, string>;
  mode: ImportMode;
  fileName: string | null;
  /** The CSV bytes. */
  input: Readable;
  /** Their character set (from `parseEncoding`); UTF-8 when not given. */
  encoding?: string;
  /**
   * Whether progress may be written outside the ALL_OR_NOTHING transaction. True on PostgreSQL; false
   * on the embedded database, whose single connection waits for the open transaction (writing would
   * deadlock), so there an ALL_OR_NOTHING job shows its counts only when it ends.
   */
  progressOutsideTransaction: boolean;
  batchSize?: number;
  /**
   * Resolves when the whole upload has arrived intact, rejects with its failure (src/http/multipart.ts).
   * Awaited before the last rows are written: a file read to its end is no proof that the body was.
   */
  inputComplete?: Promise<void>;
  /** How often to renew the job's heartbeat (job-watch.ts); none when not given. */
  heartbeatMs?: number;
  /** Called once the job row exists (after the header was read and checked). */
  onJobCreated?: (job: ImportJobRow) => void;
};

export type ImportOutcome = { job: ImportJobRow } | { problems: RequestProblem[] };

/** Thrown inside the ALL_OR_NOTHING (and DRY_RUN) transaction to roll it back. */
class Refused extends Error {}

/**
 * Thrown inside a batch's transaction when the job is no longer RUNNING: the watch (job-watch.ts)
 * took this process for dead (its heartbeat went stale, e.g. a long pause) and failed the job, with
 * the counts as they were. The batch rolls back, so the job's counts and message stay true.
 */
class JobAbandoned extends Error {}

export async function runCsvImport<V>(options: ImportOptions<V>): Promise<ImportOutcome> {
  const { db, actor, target, mapping, mode } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  // latin1: one character per byte, decoded per cell below (a UTF-8 BOM is taken off there too).
  const parser: Parser = parse({ encoding: 'latin1', skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_RECORD_CHARS });
  const decode = cellDecoder(options.encoding ?? 'utf-8');
  // pipeline, not pipe: an aborted upload destroys the parser, so reading it below throws.
  pipeline(options.input, parser, () => undefined);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;

  // The header first: a mapped column missing from it refuses the upload before any job exists.
  let header: string[];
  const problems: RequestProblem[] = [];
  try {
    const first = await records.next();
    const raw = first.done ? [] : first.value;
    if (raw[0]?.startsWith('\u00ef\u00bb\u00bf')) raw[0] = raw[0].slice(3);
    header = raw.map((h, i) => {
      const text = decode(h);
      if (text === null) problems.push({ field: ['file'], message: `file: the header, column ${i + 1}, ${NOT_UTF8}`, code: 'INVALID' });
      return restoreCell((text ?? h).trim());
    });
  } catch (err) {
    options.input.resume();
    return { problems: [{ field: ['file'], message: `file: not readable as CSV: ${(err as Error).message}`, code: 'INVALID' }] };
  }
  const columns: Array<{ index: number; field: string; header: string }> = [];
  if (problems.length) header = [];
  else if (header.length === 0) problems.push({ field: ['file'], message: 'file: is empty; the first line must be the header', code: 'INVALID' });
  else {
    for (const [name, field] of Object.entries(mapping)) {
      const index = header.indexOf(name.trim());
      if (index < 0)
        problems.push({
          field: ['mapping', name],
          message: `mapping: the file has no column ${JSON.stringify(name)} (its header: ${header.map((h) => JSON.stringify(h)).join(', ')})`,
          code: 'INVALID',
        });
      else columns.push({ index, field, header: name });
    }
  }
  if (problems.length) {
    parser.destroy();
    options.input.resume();
    return { problems };
  }
  const headerOf = new Map(columns.map((c) => [c.field, c.header]));

  const [created] = await db
    .insert(importJobs)
    .values({
      organisationId: actor.organisationId,
      customerId: target.customerId,
      kind: target.kind,
      mode,
      fileName: options.fileName,
      mapping,
      createdById: actor.userId,
    })
    .returning();
  const job = created!;
  options.onJobCreated?.(job);
  // While this process lives the job is known to be running; if it dies, job-watch.ts fails the job.
  const stopBeating = options.heartbeatMs ? keepAlive(db, job.id, options.heartbeatMs) : () => undefined;

  const progress = { rowsRead: 0, rowsImported: 0, rowsValid: 0, rowsUpdated: 0, errorCount: 0, errors: [] as ImportRowError[] };
  // In row order: a batch's checkBatch problems come after its rows' own, for rows read before them.
  const addError = (error: ImportRowError) => {
    progress.errorCount++;
    const errors = progress.errors;
    let at = errors.length;
    while (at > 0 && errors[at - 1]!.row > error.row) at--;
    if (at < MAX_KEPT_ERRORS) errors.splice(at, 0, error);
    if (errors.length > MAX_KEPT_ERRORS) errors.pop();
  };
  const counts = () => ({
    rowsRead: progress.rowsRead,
    rowsImported: progress.rowsImported,
    rowsValid: progress.rowsValid,
    rowsUpdated: progress.rowsUpdated,
    errorCount: progress.errorCount,
    errors: progress.errors,
  });
  const reportProblems = (row: number, problems: RowProblem[]) => {
    for (const problem of problems) {
      const column = problem.field !== null ? headerOf.get(problem.field) : undefined;
      const where = column !== undefined ? ` (column ${JSON.stringify(column)})` : '';
      addError({ row, field: problem.field, message: `${problem.field ?? 'row'}${where}: ${problem.message}` });
    }
  };
  /**
   * Inside a batch's transaction: the target's look-up of its rows (bad ones reported and left out),
   * then the good ones written. Returns how many were written and how many of those were updates.
   */
  const writeBatch = async (tx: Db, batch: Array<{ row: number; value: V }>, write: boolean): Promise<{ written: number; updated: number }> => {
    let good = batch;
    if (target.checkBatch && batch.length) {
      const found = await target.checkBatch(
        tx,
        batch.map((b) => b.value),
      );
      good = batch.filter((b, i) => {
        const problems = found[i];
        if (problems?.length) reportProblems(b.row, problems);
        return !problems?.length;
      });
    }
    progress.rowsValid += good.length;
    if (!write || !good.length) return { written: 0, updated: 0 };
    const result = await target.insertBatch(
      tx,
      good.map((b) => b.value),
    );
    return { written: good.length, updated: result?.updated ?? 0 };
  };

  /** Reads the rest of the file, handing each batch of good rows (with their row numbers) to `flush`. */
  const readRows = async (flush: (rows: Array<{ row: number; value: V }>) => Promise<void>) => {
    let batch: Array<{ row: number; value: V }> = [];
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
        // PostgreSQL text cannot hold a NUL: the row's error, not a failed import.
        const nul = columns.find((c) => record[c.index]?.includes('\u0000'));
        for (const c of columns) {
          const cell = record[c.index];
          if (cell === undefined || cell.trim() === '') continue;
          const decoded = decode(cell);
          if (decoded === null) {
            throw Object.assign(new Error(`row ${row}, column ${JSON.stringify(c.header)}: ${NOT_UTF8}`), { code: 'CSV_NOT_UTF8' });
          }
          const text = restoreCell(decoded.trim());
          input[c.field] = target.cellValue ? target.cellValue(c.field, text) : text;
        }
        const checked = nul
          ? { problems: [{ field: nul.field, message: 'contains a NUL character (U+0000), which text may not hold' }] }
          : target.validateRow(input);
        if ('value' in checked) batch.push({ row, value: checked.value });
        else reportProblems(row, checked.problems);
      }
      if (sinceFlush >= batchSize) {
        await flush(batch);
        batch = [];
        sinceFlush = 0;
      }
    }
    await options.inputComplete;
    if (sinceFlush > 0) await flush(batch);
  };

  const finish = async (tx: Db, status: 'SUCCEEDED' | 'FAILED' | 'REFUSED', failureMessage: string | null) => {
    const [done] = await tx
      .update(importJobs)
      .set({ ...counts(), status, failureMessage, finishedAt: new Date(), updatedAt: new Date() })
      .where(eq(importJobs.id, job.id))
      .returning();
    await recordAudit(tx, actor, {
      action: target.auditAction,
      entityType: 'ImportJob',
      entityId: job.id,
      after: {
        ...(target.customerId ? { customerId: toGlobalId('Customer', target.customerId) } : {}),
        mode,
        status,
        fileName: options.fileName,
        rowsRead: progress.rowsRead,
        rowsImported: progress.rowsImported,
        rowsValid: progress.rowsValid,
        rowsUpdated: progress.rowsUpdated,
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
          const { written, updated } = await writeBatch(tx, rows, true);
          progress.rowsImported += written;
          progress.rowsUpdated += updated;
          const [still] = await tx
            .update(importJobs)
            .set({ ...counts(), updatedAt: new Date() })
            .where(and(eq(importJobs.id, job.id), eq(importJobs.status, 'RUNNING')))
            .returning({ id: importJobs.id });
          if (!still) throw new JobAbandoned();
        });
      });
      // Bad rows and not one good one: nothing was imported, which is not a success.
      const status = progress.rowsImported === 0 && progress.errorCount > 0 ? 'REFUSED' : 'SUCCEEDED';
      return { job: await db.transaction((tx) => finish(tx, status, null)) };
    }
    // ALL_OR_NOTHING and DRY_RUN: one transaction, rolled back when a row is bad (and always in DRY_RUN).
    const dryRun = mode === 'DRY_RUN';
    let pending = 0;
    let updated = 0;
    try {
      const done = await db.transaction(async (tx) => {
        await readRows(async (rows) => {
          // After the first bad row nothing will be kept: reading on only checks the other rows. A dry
          // run writes on (its database checks are part of what it reports) and rolls back at the end.
          const written = await writeBatch(tx, rows, dryRun || progress.errorCount === 0);
          pending += written.written;
          updated += written.updated;
          if (options.progressOutsideTransaction) {
            await db
              .update(importJobs)
              .set({
                rowsRead: progress.rowsRead,
                rowsValid: progress.rowsValid,
                errorCount: progress.errorCount,
                errors: progress.errors,
                updatedAt: new Date(),
              })
              .where(eq(importJobs.id, job.id));
          }
        });
        if (progress.errorCount > 0 || dryRun) throw new Refused();
        progress.rowsImported = pending;
        progress.rowsUpdated = updated;
        return finish(tx, 'SUCCEEDED', null);
      });
      return { job: done };
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      // A dry run says what ALL_OR_NOTHING would have done; nothing was imported either way.
      if (dryRun && progress.errorCount === 0) progress.rowsUpdated = updated;
      return { job: await db.transaction((tx) => finish(tx, progress.errorCount > 0 ? 'REFUSED' : 'SUCCEEDED', null)) };
    }
  } catch (err) {
    if (err instanceof JobAbandoned) {
      parser.destroy();
      options.input.resume();
      const [failed] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
      return { job: failed! };
    }
    // The file broke off, or is not CSV past some point, or (a bug) the database refused a batch. In
    // ALL_OR_NOTHING the transaction rolled back. The job must not stay RUNNING either way.
    if (mode !== 'COMMIT_VALID_ROWS') progress.rowsImported = progress.rowsUpdated = 0;
    parser.destroy();
    options.input.resume();
    const fileProblem = isFileProblem(err);
    const message = fileProblem ? `The file could not be read to the end: ${(err as Error).message}` : 'An internal error stopped the import.';
    const failed = await db.transaction((tx) => finish(tx, 'FAILED', message));
    if (!fileProblem) throw err;
    return { job: failed };
  } finally {
    stopBeating();
  }
}

/** Codes of a form that broke off or a file over the limit (src/http/multipart.ts), and of a connection gone. */
const UPLOAD_FAILURES: ReadonlySet<string> = new Set(['INCOMPLETE_UPLOAD', 'PAYLOAD_TOO_LARGE', 'BAD_REQUEST', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET']);

/** csv-parse's own errors (CSV_…), a record too long, an upload that broke off or went over the limit. */
function isFileProblem(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('CSV_') || UPLOAD_FAILURES.has(code));
}
