// Import of a customer export's ZIP (docs/domain.md#import-and-export): every record in the archive is
// created anew in the importing organisation, so that export → import into another organisation →
// export gives the same data. The files and what their columns refer to are customer-archive.ts's.
//
// - New ids for every record; each reference between records is remapped to the new id (customer →
//   contacts, invoice → lines, payment → allocations, …). A reference to a record the archive does not
//   hold is an error, except where customer-archive.ts says it becomes null (a single customer's
//   parent customer or landlord, which were not exported with it).
// - Reference lists (customer types and statuses, business units, payment methods, asset lists) are
//   matched by name (a status by its code, a model by make and name) in the importing organisation
//   and created when missing; so are SLAs, service plans and service reminder types, and one found
//   keeps the organisation's own definition. Users are matched by email; a user not found is the
//   importing user.
// - Documents are not imported (their bytes are not in the archive). Access grants, portal tokens
//   and stored cards are not in the archive at all (users who may not be here; secrets).
// - Numbered documents (quotes, sales orders, invoices, credit notes) keep their numbers when none
//   of them is taken in the organisation, and the organisation's counters move past the highest, so
//   numbering goes on after them; a number already taken refuses the archive naming the row (an
//   archive imported twice into one organisation is refused so, for its first numbered document;
//   one without numbered documents is imported again as copies, unless a work address's reference,
//   unique in the organisation, refuses it).
// - Created and updated times and versions are kept as exported; so is the customers' status history
//   (a customer with none in the archive gets an IMPORTED entry, as a CSV import gives it).
// - All in ONE transaction: ALL_OR_NOTHING keeps everything or, with any bad row, nothing; DRY_RUN
//   checks and writes everything (so the database's checks run too) and rolls back. COMMIT_VALID_ROWS
//   is not offered: a row without the rows it refers to means nothing.
//
// The archive is checked in two steps. Its shape (a ZIP, manifest.json of this format, every file
// there with every column) is checked before any job exists, and refused with a 400 naming the file
// and column. Then, as a job, every row: each cell as its column's type, each reference, each
// number; every bad row is listed in the job's `errors` with its file, row (1 = first data row),
// column and reason, and nothing is kept.
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import yauzl from 'yauzl';
import { recordAudit, type Actor } from '../audit/service';
import { selectRows, type Db } from '../db/client';
import { databaseFailureOf } from '../db/errors';
import { insertMany } from '../db/insert-many';
import { numberSequences } from '../db/tables';
import { isUuid, parseGlobalId } from '../graph/ids';
import { recordCustomerStatusChanges } from '../status-history/service';
import { restoreCell } from './csv-cells';
import type { ImportMode, RequestProblem } from './csv-import';
import { ARCHIVE_FILES, ARCHIVE_FORMAT, ARCHIVE_VERSION, archiveColumns, idColumn, type ArchiveFile } from './customer-archive';
import { keepAlive } from './job-watch';
import { importJobs, MAX_KEPT_ERRORS, type ImportJobRow, type ImportRowError } from './tables';

/** The largest uncompressed archive read (all files together); beyond it the archive is refused. */
export const MAX_ARCHIVE_UNCOMPRESSED_BYTES = 256 * 1024 * 1024;
/** The most files an archive may hold (an export writes about sixty). */
const MAX_ARCHIVE_ENTRIES = 1000;
/** Rows per insert statement. */
const INSERT_BATCH = 500;

/** The files an import reads (an export's other files — ledger.csv, customer.json, documents.csv — are ignored). */
const IMPORTED_FILES = ARCHIVE_FILES.filter((f) => f.kind !== 'export');

type CsvFile = { spec: ArchiveFile; header: string[]; rows: string[][] };
export type ParsedArchive = { files: Map<string, CsvFile> };

/** The ZIP's files by name; problems when it is not a ZIP or is too large once inflated. */
function unzip(buffer: Buffer): Promise<{ entries: Map<string, Buffer> } | { problems: RequestProblem[] }> {
  const refused = (message: string) => ({ problems: [{ field: ['file'], message: `file: ${message}`, code: 'INVALID' as const }] });
  return new Promise((resolve) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return resolve(refused(`is not a ZIP archive (${err?.message ?? 'unreadable'}); send the ZIP a customer export gave`));
      const entries = new Map<string, Buffer>();
      let total = 0;
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        zip.close();
        resolve(refused(message));
      };
      zip.on('error', (e: Error) => fail(`the ZIP archive is damaged: ${e.message}`));
      zip.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ entries });
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (settled) return;
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        // An export has a few dozen files: a ZIP of countless empty entries is not one.
        if (entries.size >= MAX_ARCHIVE_ENTRIES) return fail(`holds more than ${MAX_ARCHIVE_ENTRIES} files; send the ZIP a customer export gave`);
        total += entry.uncompressedSize;
        if (total > MAX_ARCHIVE_UNCOMPRESSED_BYTES) return fail(`inflates to more than ${MAX_ARCHIVE_UNCOMPRESSED_BYTES} bytes, more than an import takes`);
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(`${entry.fileName} in the archive cannot be read: ${e?.message ?? 'unreadable'}`);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (se: Error) => fail(`${entry.fileName} in the archive cannot be read: ${se.message}`));
          stream.on('end', () => {
            // After a refusal the ZIP is closed: read no further.
            if (settled) return;
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Reads the archive's shape: manifest, every file the import needs, every column of each. Problems refuse the upload. */
export async function readArchive(zip: Buffer): Promise<ParsedArchive | { problems: RequestProblem[] }> {
  const unzipped = await unzip(zip);
  if ('problems' in unzipped) return unzipped;
  const entries = unzipped.entries;
  const problems: RequestProblem[] = [];
  const problem = (message: string, code: RequestProblem['code'] = 'INVALID') => problems.push({ field: ['file'], message, code });

  const manifestBytes = entries.get('manifest.json');
  if (!manifestBytes) {
    problem(`file: the archive has no manifest.json; send the ZIP a customer export (GET /exports/customers.zip) gave`, 'REQUIRED');
    return { problems };
  }
  let manifest: { format?: unknown; version?: unknown } | null = null;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as { format?: unknown; version?: unknown };
  } catch {
    problem('manifest.json: is not JSON');
  }
  if (manifest && (manifest.format !== ARCHIVE_FORMAT || manifest.version !== ARCHIVE_VERSION)) {
    problem(
      `manifest.json: format ${JSON.stringify(manifest.format)} version ${JSON.stringify(manifest.version)} is not one this server reads (${ARCHIVE_FORMAT} version ${ARCHIVE_VERSION})`,
    );
  }
  if (problems.length) return { problems };

  const files = new Map<string, CsvFile>();
  for (const spec of IMPORTED_FILES) {
    const bytes = entries.get(spec.file);
    if (!bytes) {
      problem(`${spec.file}: is missing from the archive; every file of the export is needed, even with no rows (its header line)`, 'REQUIRED');
      continue;
    }
    if (!isUtf8(bytes)) {
      problem(`${spec.file}: is not valid UTF-8`);
      continue;
    }
    let records: string[][];
    try {
      records = parse(bytes.toString('utf8').replace(/^\uFEFF/, ''), { skip_empty_lines: true, relax_column_count: true }) as string[][];
    } catch (err) {
      problem(`${spec.file}: is not readable as CSV: ${(err as Error).message}`);
      continue;
    }
    const header = records.shift() ?? [];
    const expected = archiveColumns(spec);
    const missing = expected.filter((c) => !header.includes(c));
    const unknown = header.filter((c) => !expected.includes(c));
    for (const c of missing) problem(`${spec.file}: has no column ${JSON.stringify(c)} (its columns must be: ${expected.join(', ')})`);
    for (const c of unknown) problem(`${spec.file}: column ${JSON.stringify(c)} is not one of ${spec.file.replace(/\.csv$/, '')}'s (${expected.join(', ')})`);
    files.set(spec.file, { spec, header, rows: records });
  }
  return problems.length ? { problems } : { files };
}

/** Thrown inside the transaction to roll it back (bad rows, or a dry run). */
class RolledBack extends Error {}

/** A cell's text → the value of `column`, or what is wrong with it. Empty cells are null. */
function cellValue(column: PgColumn, text: string): { value: unknown } | { problem: string } {
  if (text === '') {
    // A text column that may not be null exports an empty text as an empty cell.
    if (column.notNull && column.columnType === 'PgText') return { value: '' };
    return column.notNull ? { problem: 'is required' } : { value: null };
  }
  const raw = restoreCell(text);
  switch (column.columnType) {
    case 'PgEnumColumn': {
      const values = (column as unknown as { enumValues: string[] }).enumValues;
      return values.includes(raw) ? { value: raw } : { problem: `${JSON.stringify(raw)} is not one of ${values.join(', ')}` };
    }
    case 'PgInteger':
    case 'PgSmallInt':
    case 'PgBigInt53': {
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) return { problem: `${JSON.stringify(raw)} is not a whole number` };
      return { value: Number(raw) };
    }
    case 'PgDoublePrecision':
    case 'PgReal': {
      const n = Number(raw);
      return Number.isFinite(n) ? { value: n } : { problem: `${JSON.stringify(raw)} is not a number` };
    }
    case 'PgBoolean':
      return raw === 'true' ? { value: true } : raw === 'false' ? { value: false } : { problem: `${JSON.stringify(raw)} is not true or false` };
    case 'PgTimestamp':
    case 'PgTimestampString': {
      const at = new Date(raw);
      return /^\d{4}-\d{2}-\d{2}T/.test(raw) && !Number.isNaN(at.getTime())
        ? { value: at.toISOString() }
        : { problem: `${JSON.stringify(raw)} is not an ISO 8601 time` };
    }
    case 'PgDateString':
    case 'PgDate':
      return /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw))
        ? { value: raw }
        : { problem: `${JSON.stringify(raw)} is not a date (YYYY-MM-DD)` };
    case 'PgJsonb':
    case 'PgJson':
    case 'PgArray':
      try {
        const value: unknown = JSON.parse(raw);
        if (column.columnType === 'PgArray' && !Array.isArray(value)) return { problem: 'is not a JSON array' };
        return { value };
      } catch {
        return { problem: 'is not JSON' };
      }
    case 'PgUUID':
      return isUuid(raw) ? { value: raw } : { problem: `${JSON.stringify(raw)} is not an ID` };
    default:
      return { value: raw };
  }
}

/** The uuid an id cell names: a global id or a plain uuid (rows that are not nodes). */
function sourceId(text: string): string | null {
  if (isUuid(text)) return text;
  return parseGlobalId(text)?.id ?? null;
}

export type ArchiveImportOptions = {
  db: Db;
  actor: Actor;
  mode: Exclude<ImportMode, 'COMMIT_VALID_ROWS'>;
  fileName: string | null;
  archive: ParsedArchive;
  /** How often to renew the job's heartbeat (job-watch.ts); none when not given. */
  heartbeatMs?: number;
  onJobCreated?: (job: ImportJobRow) => void;
};

export async function importCustomerArchive(options: ArchiveImportOptions): Promise<ImportJobRow> {
  const { db, actor, mode, archive } = options;
  const organisationId = actor.organisationId;
  const [created] = await db
    .insert(importJobs)
    .values({
      organisationId,
      customerId: null,
      kind: 'CUSTOMER_ARCHIVE',
      mode,
      fileName: options.fileName,
      mapping: { format: `${ARCHIVE_FORMAT}/${ARCHIVE_VERSION}` },
      createdById: actor.userId,
    })
    .returning();
  const job = created!;
  options.onJobCreated?.(job);
  const stopBeating = options.heartbeatMs ? keepAlive(db, job.id, options.heartbeatMs) : () => undefined;

  const errors: ImportRowError[] = [];
  let errorCount = 0;
  const addError = (file: string, row: number, field: string | null, message: string) => {
    errorCount++;
    if (errors.length < MAX_KEPT_ERRORS) errors.push({ file, row, field, message: `${file}, row ${row}${field ? `, column "${field}"` : ''}: ${message}` });
  };
  // The rows that become records; the lists' and users' rows are matched, not counted.
  let rowsRead = 0;
  for (const f of archive.files.values()) if (f.spec.kind === 'record') rowsRead += f.rows.length;
  let rowsValid = 0;
  let rowsImported = 0;
  const perFile: Record<string, number> = {};

  const finish = async (status: 'SUCCEEDED' | 'REFUSED' | 'FAILED', failureMessage: string | null) =>
    db.transaction(async (tx) => {
      const [done] = await tx
        .update(importJobs)
        .set({ rowsRead, rowsValid, rowsImported, rowsUpdated: 0, errorCount, errors, status, failureMessage, finishedAt: new Date(), updatedAt: new Date() })
        .where(eq(importJobs.id, job.id))
        .returning();
      await recordAudit(tx, actor, {
        action: 'customerArchive.import',
        entityType: 'ImportJob',
        entityId: job.id,
        after: {
          mode,
          status,
          fileName: options.fileName,
          rowsRead,
          rowsValid,
          rowsImported,
          errorCount,
          rows: perFile,
          ...(failureMessage ? { failureMessage } : {}),
        },
      });
      return done!;
    });

  try {
    try {
      await db.transaction(async (tx) => {
        const valid = await writeArchive(tx, actor, archive, addError, () => errorCount, perFile);
        rowsValid = valid;
        if (errorCount > 0 || mode === 'DRY_RUN') throw new RolledBack();
        rowsImported = valid;
      });
    } catch (err) {
      if (!(err instanceof RolledBack)) throw err;
    }
    return await finish(errorCount > 0 ? 'REFUSED' : 'SUCCEEDED', null);
  } catch (err) {
    rowsImported = 0;
    await finish('FAILED', 'An internal error stopped the import; nothing was kept.');
    throw err;
  } finally {
    stopBeating();
  }
}

type AddError = (file: string, row: number, field: string | null, message: string) => void;

/**
 * Inside the transaction: matches the lists and users, checks and remaps every row, then writes them
 * file by file. Returns how many record rows were good (all of them written when none was bad).
 */
async function writeArchive(
  tx: Db,
  actor: Actor,
  archive: ParsedArchive,
  addError: AddError,
  errorsSoFar: () => number,
  perFile: Record<string, number>,
): Promise<number> {
  const organisationId = actor.organisationId;
  /** Per file: the archive's id → the id in this organisation. */
  const ids = new Map<string, Map<string, string>>();
  const cellOf = (f: CsvFile, row: string[], column: string) => row[f.header.indexOf(column)] ?? '';
  /** Ids of rows not in the archive that a reference keeps as new ids of their own (whenOutside 'new'): the archive's id → the new one. */
  const outsiders = new Map<string, string>();

  // Every record row's new id first, so references may point forward (assets → sales order lines).
  for (const spec of IMPORTED_FILES) {
    const f = archive.files.get(spec.file)!;
    const map = new Map<string, string>();
    ids.set(spec.file, map);
    if (!idColumn(spec)) continue;
    f.rows.forEach((row, i) => {
      if (row.length !== f.header.length) return;
      const text = restoreCell(cellOf(f, row, 'id'));
      const id = sourceId(text);
      if (!id) return addError(spec.file, i + 1, 'id', `${JSON.stringify(text)} is not an ID`);
      if (map.has(id)) return addError(spec.file, i + 1, 'id', 'is on an earlier row of this file too');
      map.set(id, spec.kind === 'record' ? randomUUID() : '');
    });
  }

  /** A row's values for its table: every column converted, references remapped. Null when something is wrong (reported). */
  const rowValues = (spec: ArchiveFile, f: CsvFile, row: string[], index: number): Record<string, unknown> | null => {
    const rowNumber = index + 1;
    if (row.length !== f.header.length) {
      addError(spec.file, rowNumber, null, `has ${row.length} columns; the header has ${f.header.length}`);
      return null;
    }
    const columns = getTableColumns(spec.table) as Record<string, PgColumn>;
    const values: Record<string, unknown> = { organisationId };
    const outsideSets: Record<string, unknown> = {};
    let ok = true;
    for (const name of archiveColumns(spec)) {
      const column = columns[name]!;
      // Computed by the database (a line's net and tax): exported as data, never written.
      if (column.generated) continue;
      const text = cellOf(f, row, name);
      const reference = spec.references?.[name];
      if (name === 'id') {
        // A list row's id is decided by matching (below); a bad id was reported in the first pass.
        const id = sourceId(restoreCell(text));
        if (!id) ok = false;
        else if (spec.kind === 'record') values.id = ids.get(spec.file)!.get(id);
      } else if (reference || spec.userColumns?.includes(name)) {
        if (text === '') {
          if (column.notNull) {
            addError(spec.file, rowNumber, name, 'is required');
            ok = false;
          } else values[name] = null;
          continue;
        }
        const id = sourceId(restoreCell(text));
        if (!id) {
          addError(spec.file, rowNumber, name, `${JSON.stringify(restoreCell(text))} is not an ID`);
          ok = false;
          continue;
        }
        if (!reference) {
          // A user: matched by email through users.csv; one not there (or not found here) is the importer.
          values[name] = ids.get('users.csv')!.get(id) || actor.userId;
          continue;
        }
        const target = ids.get(reference.file)!.get(id);
        if (target) values[name] = target;
        else if (reference.whenOutside === 'new') {
          if (!outsiders.has(id)) outsiders.set(id, randomUUID());
          values[name] = outsiders.get(id);
        } else if (reference.whenOutside === 'null') {
          values[name] = null;
          Object.assign(outsideSets, reference.alsoSet);
        } else {
          addError(spec.file, rowNumber, name, `refers to ${restoreCell(text)}, which is not in ${reference.file}`);
          ok = false;
        }
      } else {
        const converted = cellValue(column, text);
        if ('problem' in converted) {
          addError(spec.file, rowNumber, name, converted.problem);
          ok = false;
        } else values[name] = converted.value;
      }
    }
    return ok ? { ...values, ...outsideSets } : null;
  };

  // Lists: matched by their key in this organisation, created when missing.
  for (const spec of IMPORTED_FILES.filter((s) => s.kind === 'list')) {
    const f = archive.files.get(spec.file)!;
    const existing = (await tx
      .select()
      .from(spec.table)
      .where(eq((spec.table as unknown as { organisationId: PgColumn }).organisationId, organisationId))) as Array<Record<string, unknown>>;
    const keyOf = (r: Record<string, unknown>) => JSON.stringify(spec.matchBy!.map((k) => (typeof r[k] === 'string' ? (r[k] as string).toLowerCase() : r[k])));
    const byKey = new Map(existing.map((r) => [keyOf(r), r.id as string]));
    const toCreate: Array<Record<string, unknown>> = [];
    const map = ids.get(spec.file)!;
    f.rows.forEach((row, i) => {
      const sourceUuid = sourceId(restoreCell(cellOf(f, row, 'id')));
      if (!sourceUuid) return;
      // Keyed on the values as they will be here (a model's make remapped first).
      const values = rowValues(spec, f, row, i);
      if (!values) return;
      const found = byKey.get(keyOf(values));
      if (found) return void map.set(sourceUuid, found);
      const id = randomUUID();
      map.set(sourceUuid, id);
      byKey.set(keyOf(values), id);
      // A created status is never the default nor the dormant one: the organisation has those already.
      toCreate.push({ ...values, id, ...(spec.file === 'customer_statuses.csv' ? { isDefault: false, isDormant: false } : {}) });
    });
    if (toCreate.length) await insertMany(tx, spec.table, toCreate as never[]);
  }

  // Users: by email; never created.
  {
    const f = archive.files.get('users.csv')!;
    const here = await selectRows<{ id: string; email: string }>(
      tx,
      sql`select id, lower(email) as email from users where organisation_id = ${organisationId}`,
    );
    const byEmail = new Map(here.map((u) => [u.email, u.id]));
    const map = ids.get('users.csv')!;
    for (const row of f.rows) {
      const id = sourceId(restoreCell(cellOf(f, row, 'id')));
      if (id) map.set(id, byEmail.get(restoreCell(cellOf(f, row, 'email')).toLowerCase()) ?? '');
    }
  }

  // Records: every row checked and remapped before anything is written.
  const prepared: Array<{ spec: ArchiveFile; rows: Array<{ row: number; values: Record<string, unknown> }> }> = [];
  let good = 0;
  for (const spec of IMPORTED_FILES.filter((s) => s.kind === 'record')) {
    const f = archive.files.get(spec.file)!;
    const rows: Array<{ row: number; values: Record<string, unknown> }> = [];
    f.rows.forEach((row, i) => {
      const values = rowValues(spec, f, row, i);
      if (values) rows.push({ row: i + 1, values });
    });
    if (spec.sequence) await checkNumbers(tx, organisationId, spec, rows, addError);
    good += rows.length;
    prepared.push({ spec, rows });
  }
  // With a bad row nothing will be kept: the rest was only checked.
  if (errorsSoFar() > 0) return good;

  for (const { spec, rows } of prepared) {
    // A file's references to its own rows (a customer's parent) are set once all of them exist.
    const selfColumns = Object.entries(spec.references ?? {})
      .filter(([, r]) => r.file === spec.file)
      .map(([c]) => c);
    const values = rows.map((r) => {
      const v = { ...r.values, ...LEDGER_START[spec.file] };
      for (const c of selfColumns) v[c] = null;
      return v;
    });
    const written = await insertRows(tx, spec, values, rows, addError);
    if (!written) return good - 1;
    for (const c of selfColumns) {
      const column = (getTableColumns(spec.table) as Record<string, PgColumn>)[c]!;
      for (const r of rows) {
        if (r.values[c] == null) continue;
        await tx.execute(sql`update ${spec.table} set ${sql.identifier(column.name)} = ${r.values[c]} where id = ${r.values.id}`);
      }
    }
    perFile[spec.file] = rows.length;
    if (spec.sequence) await advanceSequence(tx, organisationId, spec.sequence, rows);
    const rowsOf = (file: string) => prepared.find((p) => p.spec.file === file)!.rows;
    if (spec.file === 'invoice_lines.csv') await issueInvoices(tx, rowsOf('invoices.csv'));
    if (spec.file === 'allocations.csv') {
      const ok = await settleLedger(
        tx,
        { invoices: rowsOf('invoices.csv'), creditNotes: rowsOf('credit_notes.csv'), payments: rowsOf('payments.csv'), allocations: rows },
        addError,
      );
      if (!ok) return good - 1;
    }
  }
  // The customers' status history is the archive's; a customer without any there gets its first
  // status as a CSV import records it, IMPORTED.
  const customerRows = prepared.find((p) => p.spec.file === 'customers.csv')!.rows;
  const withHistory = new Set(prepared.find((p) => p.spec.file === 'customer_status_changes.csv')!.rows.map((r) => r.values.customerId as string));
  await recordCustomerStatusChanges(
    tx,
    actor,
    customerRows
      .filter((r) => !withHistory.has(r.values.id as string))
      .map((r) => ({ customerId: r.values.id as string, fromStatusId: null, toStatusId: r.values.statusId as string, source: 'IMPORTED' as const })),
  );
  return good;
}

/**
 * The money is replayed, not copied: its figures are the database's to derive (src/invoices/tables.ts:
 * an invoice's total is the sum of its lines, which change only while it is a draft; allocations move
 * the paid, credited and allocated figures and the invoice's status; a reversed payment, a void credit
 * note or invoice holds no allocation). So each money row is written as it began (LEDGER_START), its
 * lines and allocations are added, and then what happened to it since (undone allocations, reversals,
 * voids); the figures the database then derives must be the archive's, or the row is refused.
 */
const LEDGER_START: Record<string, Record<string, unknown>> = {
  'invoices.csv': { status: 'DRAFT', totalMinor: 0, paidMinor: 0, creditedMinor: 0, voidedAt: null, voidReason: null },
  'credit_notes.csv': { status: 'ISSUED', totalMinor: 0, allocatedMinor: 0, voidedAt: null, voidReason: null },
  'payments.csv': { status: 'RECEIVED', allocatedMinor: 0, reversedAt: null, reversalReason: null },
  'allocations.csv': { undoneAt: null, undoReason: null },
};

type PreparedRow = { row: number; values: Record<string, unknown> };

/** With their lines in, the invoices that were issued are issued (allocations need that). */
async function issueInvoices(tx: Db, invoiceRows: PreparedRow[]): Promise<void> {
  const issued = invoiceRows.filter((r) => r.values.status !== 'DRAFT').map((r) => r.values.id as string);
  if (issued.length) await tx.execute(sql`update invoices set status = 'ISSUED' where id = any(${`{${issued.join(',')}}`}::uuid[])`);
}

/** Rows `set` from the archive's values: one statement per table. */
async function setFromArchive(tx: Db, table: string, rows: PreparedRow[], columns: Record<string, string>): Promise<void> {
  if (!rows.length) return;
  const records = rows.map((r) => Object.fromEntries([['id', r.values.id], ...Object.keys(columns).map((c) => [c, r.values[c] ?? null])]));
  const sqlNames = Object.entries(columns).map(([key, type]) => [key, key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), type] as const);
  await tx.execute(
    sql`update ${sql.identifier(table)} t set ${sql.join(
      sqlNames.map(([key, name]) => sql`${sql.identifier(name)} = r.${sql.identifier(key)}`),
      sql`, `,
    )} from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(id uuid, ${sql.join(
      sqlNames.map(([key, , type]) => sql`${sql.identifier(key)} ${sql.raw(type)}`),
      sql`, `,
    )}) where t.id = r.id`,
  );
}

/**
 * After the allocations: the undone ones undone, payments reversed, credit notes and invoices voided
 * as the archive says; then the derived figures compared with the archive's, and the versions and
 * times the triggers moved put back. False (errors added) when a figure differs.
 */
async function settleLedger(
  tx: Db,
  money: { invoices: PreparedRow[]; creditNotes: PreparedRow[]; payments: PreparedRow[]; allocations: PreparedRow[] },
  addError: AddError,
): Promise<boolean> {
  await setFromArchive(
    tx,
    'allocations',
    money.allocations.filter((r) => r.values.undoneAt != null),
    { undoneAt: 'timestamptz', undoReason: 'text' },
  );
  await setFromArchive(
    tx,
    'payments',
    money.payments.filter((r) => r.values.status !== 'RECEIVED'),
    { status: 'payment_status', reversedAt: 'timestamptz', reversalReason: 'text' },
  );
  await setFromArchive(
    tx,
    'credit_notes',
    money.creditNotes.filter((r) => r.values.status !== 'ISSUED'),
    { status: 'credit_note_status', voidedAt: 'timestamptz', voidReason: 'text' },
  );
  await setFromArchive(
    tx,
    'invoices',
    money.invoices.filter((r) => r.values.status === 'VOID'),
    { status: 'invoice_status', voidedAt: 'timestamptz', voidReason: 'text' },
  );
  const checks: Array<{ file: string; table: string; rows: PreparedRow[]; figures: string[] }> = [
    { file: 'invoices.csv', table: 'invoices', rows: money.invoices, figures: ['totalMinor', 'paidMinor', 'creditedMinor', 'status'] },
    { file: 'credit_notes.csv', table: 'credit_notes', rows: money.creditNotes, figures: ['totalMinor', 'allocatedMinor', 'status'] },
    { file: 'payments.csv', table: 'payments', rows: money.payments, figures: ['allocatedMinor', 'status'] },
  ];
  let ok = true;
  for (const check of checks) {
    if (!check.rows.length) continue;
    const here = await selectRows<Record<string, unknown> & { id: string }>(
      tx,
      sql`select id, ${sql.join(
        check.figures.map((f) => sql`${sql.identifier(f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))}::text as ${sql.identifier(f)}`),
        sql`, `,
      )} from ${sql.identifier(check.table)} where id = any(${`{${check.rows.map((r) => r.values.id as string).join(',')}}`}::uuid[])`,
    );
    const byId = new Map(here.map((r) => [r.id, r]));
    for (const r of check.rows) {
      const derived = byId.get(r.values.id as string)!;
      for (const figure of check.figures) {
        if (String(r.values[figure]) !== String(derived[figure])) {
          addError(
            check.file,
            r.row,
            figure,
            `is ${String(r.values[figure])} in the archive, but its lines and allocations make it ${String(derived[figure])}; the archive does not add up`,
          );
          ok = false;
        }
      }
    }
    await setFromArchive(tx, check.table, check.rows, { version: 'int', updatedAt: 'timestamptz' });
  }
  return ok;
}

/** Numbers of a numbered file: none repeated in the file, none taken in the organisation. */
async function checkNumbers(
  tx: Db,
  organisationId: string,
  spec: ArchiveFile,
  rows: Array<{ row: number; values: Record<string, unknown> }>,
  addError: AddError,
) {
  const seen = new Map<number, number>();
  for (const r of rows) {
    const n = r.values.number as number | null;
    if (n == null) continue;
    if (seen.has(n)) addError(spec.file, r.row, 'number', `${n} is the number of row ${seen.get(n)} too`);
    else seen.set(n, r.row);
  }
  if (!seen.size) return;
  const table = spec.table as PgTable & { number: PgColumn; organisationId: PgColumn };
  const taken = await selectRows<{ number: number }>(
    tx,
    sql`select ${table.number} as number from ${table} where ${and(eq(table.organisationId, organisationId), sql`${table.number} = any(${`{${[...seen.keys()].join(',')}}`}::int[])`)}`,
  );
  for (const { number } of taken) {
    addError(
      spec.file,
      seen.get(number)!,
      'number',
      `${number} is already the number of one of this organisation's ${spec.file.replace(/\.csv$/, '').replace(/_/g, ' ')} (was this archive imported here before?); numbers are kept, so the archive goes into an organisation whose numbering does not hold them`,
    );
  }
}

/** Moves the organisation's counter of `kind` past the highest number imported, so new documents follow them. */
async function advanceSequence(tx: Db, organisationId: string, kind: string, rows: Array<{ values: Record<string, unknown> }>) {
  const highest = Math.max(0, ...rows.map((r) => (r.values.number as number | null) ?? 0));
  if (highest === 0) return;
  await tx
    .insert(numberSequences)
    .values({ organisationId, kind, lastNumber: highest })
    .onConflictDoUpdate({
      target: [numberSequences.organisationId, numberSequences.kind],
      set: { lastNumber: sql`greatest(${numberSequences.lastNumber}, ${highest})` },
    });
}

/**
 * Writes a file's rows a batch at a time, each batch in a savepoint. A batch the database refuses is
 * tried row by row to name the row (and the constraint); then false.
 */
async function insertRows(
  tx: Db,
  spec: ArchiveFile,
  values: Array<Record<string, unknown>>,
  rows: Array<{ row: number }>,
  addError: AddError,
): Promise<boolean> {
  for (let at = 0; at < values.length; at += INSERT_BATCH) {
    const batch = values.slice(at, at + INSERT_BATCH);
    try {
      await tx.transaction((sp) => insertMany(sp, spec.table, batch as never[]));
    } catch (err) {
      if (!databaseFailureOf(err)) throw err;
      for (let i = 0; i < batch.length; i++) {
        try {
          await tx.transaction((sp) => insertMany(sp, spec.table, [batch[i]] as never[]));
        } catch (rowErr) {
          const failure = databaseFailureOf(rowErr);
          if (!failure) throw rowErr;
          const constraint = failure.constraint ? ` (${failure.constraint})` : '';
          addError(spec.file, rows[at + i]!.row, failure.column ?? null, `the database refused the row${constraint}: ${failure.message}`);
          return false;
        }
      }
      // The batch failed and no row alone did: say so on its first row.
      addError(spec.file, rows[at]!.row, null, 'the database refused these rows together');
      return false;
    }
  }
  return true;
}
