// Export of customer data (docs/domain.md#exporting-customer-data) as a ZIP of CSV (and, for one
// customer, JSON) files, streamed: every file is produced by keyset-paged queries as the ZIP is written
// to the client, so an organisation of any size costs a page of rows in memory, never the whole. What
// is exported is what the viewer sees: customers through their visibility, the rows under them through
// their customer.
//
// Files: customers.csv, contacts.csv, addresses.csv, work_addresses.csv (only the rows that belong
// to a customer; a lead's contacts and addresses are not customer data), invoices.csv,
// credit_notes.csv, payments.csv, ledger.csv (each customer's ledger per currency, oldest first,
// with the running balance: src/finance/ledger.ts), and customer.json for the single-customer
// export. Ids are the API's global ids; uuid references to other records too. Amounts are integer
// minor units, as the columns hold them.
//
// The rest of the record, so that the archive can be imported back (POST /imports/customer-archive,
// customer-archive-import.ts): the files of customer-archive.ts that are not above — branches, assets,
// the pipeline (opportunities, quotes and their lines, sales orders and their lines, jobs,
// estimates), activity (notes, tasks, communications, expiries, and the links renewals made), invoice
// addresses, invoice lines and jobs, credit note lines, allocations, documents' metadata (not their
// bytes), the service areas (the customer's SLA, contracts, held plans, reminders and their
// decisions, cases and their notes), the status history, the leads the customers came from, the
// organisation's reference lists and its users (id, email, name) — and manifest.json naming the format
// and every file. Rows without a node type (lines, links) carry uuids as ids.
import { Readable, pipeline } from 'node:stream';
import type { Archiver } from 'archiver';
import { stringify } from 'csv-stringify';
import { and, eq, getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { addresses } from '../addresses/tables';
import type { Visibility } from '../auth/visibility';
import { contacts } from '../contacts/tables';
import { creditNotes } from '../credit-notes/tables';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { ledgerCurrencies, ledgerEntries } from '../finance/ledger';
import { uuidArray } from '../graph/connection';
import { toGlobalId, type NodeType } from '../graph/ids';
import { invoices } from '../invoices/tables';
import { payments } from '../payments/tables';
import { workAddresses } from '../work-addresses/tables';
import { neutraliseCell } from './csv-cells';
import { ARCHIVE_FILES, ARCHIVE_FORMAT, ARCHIVE_VERSION, archiveColumns, archiveFileNamed, type ArchiveFile } from './customer-archive';

const PAGE_SIZE = 1000;

/** Columns holding another record's uuid, written as that record's global id. */
const REFERENCES: Record<string, NodeType> = {
  customerId: 'Customer',
  parentCustomerId: 'Customer',
  landlordCustomerId: 'Customer',
  leadId: 'Lead',
  typeId: 'CustomerType',
  statusId: 'CustomerStatus',
  ownerId: 'User',
  createdById: 'User',
  businessUnitId: 'BusinessUnit',
  branchId: 'Branch',
  contactId: 'Contact',
  invoiceId: 'Invoice',
  invoiceAddressId: 'InvoiceAddress',
  creditNoteId: 'CreditNote',
  paymentId: 'Payment',
  allocationId: 'Allocation',
  methodId: 'PaymentMethod',
};

type ExportTable = PgTable & { id: PgColumn; organisationId: PgColumn; createdAt: PgColumn };
type ChildTable = ExportTable & { customerId: PgColumn };

const childFiles: Array<{ file: string; table: ChildTable; type: NodeType; key: string }> = [
  { file: 'contacts.csv', table: contacts as ChildTable, type: 'Contact', key: 'contacts' },
  { file: 'addresses.csv', table: addresses as ChildTable, type: 'Address', key: 'addresses' },
  { file: 'work_addresses.csv', table: workAddresses as ChildTable, type: 'WorkAddress', key: 'workAddresses' },
  { file: 'invoices.csv', table: invoices as ChildTable, type: 'Invoice', key: 'invoices' },
  { file: 'credit_notes.csv', table: creditNotes as ChildTable, type: 'CreditNote', key: 'creditNotes' },
  { file: 'payments.csv', table: payments as ChildTable, type: 'Payment', key: 'payments' },
];

/** ledger.csv: one row per ledger entry; the entry's documents by their global ids. */
const LEDGER_COLUMNS = [
  'customerId',
  'currency',
  'date',
  'recordedAt',
  'kind',
  'document',
  'amountMinor',
  'effectMinor',
  'balanceMinor',
  'invoiceId',
  'creditNoteId',
  'paymentId',
  'allocationId',
];

/** The exported columns of a table: all but the organisation (the same for every row). */
function exportColumns(table: PgTable): string[] {
  return Object.keys(getTableColumns(table)).filter((k) => k !== 'organisationId');
}

/** A row as exported: global ids, ISO times, JSON for structured values; null stays null. */
function exportedRow(type: NodeType, row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    const reference = column === 'id' ? type : REFERENCES[column];
    out[column] =
      value == null ? null : reference && typeof value === 'string' ? toGlobalId(reference, value) : value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/** A value as a CSV cell; text a spreadsheet would run as a formula is quoted (csv-cells.ts). */
function csvCell(value: unknown): string {
  if (value == null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return neutraliseCell(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

type Cursor = { at: string; id: string };

/**
 * Rows of `table` matching `where`, oldest first, a page at a time by keyset on (created_at, id),
 * starting after `from`. created_at is read back as text so the cursor keeps PostgreSQL's microseconds.
 */
async function* pagedRows(db: Db, table: ExportTable, where: SQL | undefined, from: Cursor | null = null): AsyncGenerator<Record<string, unknown>> {
  let after = from;
  for (;;) {
    const rows = await selectPage(
      db,
      table,
      and(where, after ? sql`(${table.createdAt}, ${table.id}) > (${after.at}::timestamptz, ${after.id}::uuid)` : undefined),
      [table.createdAt, table.id],
    );
    for (const r of rows) yield r.row;
    if (rows.length < PAGE_SIZE) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.at, id: last.row.id };
  }
}

function selectPage(db: Db, table: ExportTable, where: SQL | undefined, order: PgColumn[]) {
  return db
    .select({ row: table as PgTable, at: sql<string>`${table.createdAt}::text` })
    .from(table as PgTable)
    .where(where)
    .orderBy(...order)
    .limit(PAGE_SIZE) as unknown as Promise<Array<{ row: Record<string, unknown> & { id: string }; at: string }>>;
}

/**
 * The rows under some customers, customer by customer (by uuid), each customer's oldest first.
 * One query reads the next page across the customers left; the customer it ends in is finished
 * by keyset on its own index range, so a customer with a million rows costs pages, not rescans
 * (a row comparison next to `customer_id = any(…)` cannot bound the index scan).
 */
async function* rowsOfCustomers(db: Db, table: ChildTable, organisationId: string, customerIds: string[]): AsyncGenerator<Record<string, unknown>> {
  // PostgreSQL orders uuids as their lower-case text does.
  let remaining = [...customerIds].sort();
  while (remaining.length > 0) {
    const which = remaining.length === 1 ? eq(table.customerId, remaining[0]!) : sql`${table.customerId} = any(${uuidArray(remaining)})`;
    const rows = await selectPage(db, table, and(eq(table.organisationId, organisationId), which), [table.customerId, table.createdAt, table.id]);
    for (const r of rows) yield r.row;
    if (rows.length < PAGE_SIZE) return;
    const last = rows[rows.length - 1]!;
    const lastCustomer = String(last.row[customerKey(table)]);
    yield* pagedRows(db, table, and(eq(table.organisationId, organisationId), eq(table.customerId, lastCustomer)), { at: last.at, id: last.row.id });
    remaining = remaining.filter((id) => id > lastCustomer);
  }
}

function customerKey(table: PgTable): string {
  return Object.entries(getTableColumns(table)).find(([, c]) => c.name === 'customer_id')![0];
}

export type ExportScope =
  /** One customer, already checked visible. */
  | { kind: 'one'; customerId: string }
  /** Every customer the viewer sees. */
  | { kind: 'visible' };

/** The customers in scope: pages of rows, visibility applied. */
function customerPages(db: Db, visibility: Visibility, scope: ExportScope): AsyncGenerator<Record<string, unknown>> {
  return pagedRows(
    db,
    customers,
    and(
      eq(customers.organisationId, visibility.organisationId),
      visibility.record('customer'),
      scope.kind === 'one' ? eq(customers.id, scope.customerId) : undefined,
    ),
  );
}

/** The rows under the customers in scope: for each page of customers, their rows. */
async function* childRows(db: Db, visibility: Visibility, scope: ExportScope, table: ChildTable): AsyncGenerator<Record<string, unknown>> {
  if (scope.kind === 'one') {
    yield* rowsOfCustomers(db, table, visibility.organisationId, [scope.customerId]);
    return;
  }
  let page: string[] = [];
  for await (const customer of customerPages(db, visibility, scope)) {
    page.push(customer.id as string);
    if (page.length === PAGE_SIZE) {
      yield* rowsOfCustomers(db, table, visibility.organisationId, page);
      page = [];
    }
  }
  if (page.length) yield* rowsOfCustomers(db, table, visibility.organisationId, page);
}

/** A CSV file from rows, streamed: header line from the table's columns. */
function csvStream(type: NodeType, table: PgTable, rows: AsyncGenerator<Record<string, unknown>>): Readable {
  const columns = exportColumns(table);
  async function* exported() {
    for await (const row of rows) yield exportedRow(type, row, columns);
  }
  return csvFile(columns, exported());
}

/** A CSV file of exported rows (`columns` in order), streamed. */
function csvFile(columns: string[], rows: AsyncGenerator<Record<string, unknown>>): Readable {
  async function* records() {
    for await (const row of rows) yield columns.map((c) => csvCell(row[c]));
  }
  const csv = stringify({ header: true, columns });
  // A failed query destroys the CSV stream, which fails the archive entry and so the download.
  return pipeline(Readable.from(records()), csv, () => undefined);
}

/**
 * The ledgers of the customers in scope, customer by customer and currency by currency, as exported
 * rows. The currencies come for a page of customers at once, so customers without money cost nothing more.
 */
async function* ledgerRows(db: Db, visibility: Visibility, scope: ExportScope): AsyncGenerator<Record<string, unknown>> {
  const organisationId = visibility.organisationId;
  async function* ofCustomers(customerIds: string[]) {
    const currencies = await ledgerCurrencies(db, organisationId, customerIds);
    for (const customerId of customerIds) {
      for (const currency of currencies.get(customerId) ?? []) {
        for await (const entry of ledgerEntries(db, organisationId, customerId, currency, PAGE_SIZE)) {
          yield exportedRow('Customer', { ...entry, customerId }, LEDGER_COLUMNS);
        }
      }
    }
  }
  if (scope.kind === 'one') {
    yield* ofCustomers([scope.customerId]);
    return;
  }
  let page: string[] = [];
  for await (const customer of customerPages(db, visibility, scope)) {
    page.push(customer.id as string);
    if (page.length === PAGE_SIZE) {
      yield* ofCustomers(page);
      page = [];
    }
  }
  if (page.length) yield* ofCustomers(page);
}

/** customer.json: the customer with its contacts, addresses and work addresses, streamed as it is read. */
function customerJson(db: Db, visibility: Visibility, customerId: string): Readable {
  const scope: ExportScope = { kind: 'one', customerId };
  async function* chunks(): AsyncGenerator<string> {
    for await (const customer of customerPages(db, visibility, scope)) {
      yield `{"customer":${JSON.stringify(exportedRow('Customer', customer, exportColumns(customers)))}`;
    }
    for (const child of childFiles) {
      const columns = exportColumns(child.table);
      yield `,${JSON.stringify(child.key)}:[`;
      let first = true;
      for await (const row of childRows(db, visibility, scope, child.table)) {
        yield `${first ? '' : ','}\n${JSON.stringify(exportedRow(child.type, row, columns))}`;
        first = false;
      }
      yield ']';
    }
    yield `,"ledger":[`;
    let first = true;
    for await (const entry of ledgerRows(db, visibility, scope)) {
      yield `${first ? '' : ','}\n${JSON.stringify(entry)}`;
      first = false;
    }
    yield ']}\n';
  }
  return Readable.from(chunks());
}

/** The ids of the customers in scope, as a subquery. */
function customersInScope(visibility: Visibility, scope: ExportScope): SQL {
  return sql`select ${customers.id} from ${customers} where ${and(
    eq(customers.organisationId, visibility.organisationId),
    visibility.record('customer'),
    scope.kind === 'one' ? eq(customers.id, scope.customerId) : undefined,
  )}`;
}

/** Which rows of an archive file are exported: the organisation's (lists, users), or those under the customers in scope. */
function archiveRowsWhere(file: ArchiveFile, visibility: Visibility, scope: ExportScope): SQL | undefined {
  // A link table without an organisation of its own (a held plan's work addresses) is found by its parent alone.
  const ofOrganisation = (file.table as Partial<ExportTable>).organisationId;
  const organisation = ofOrganisation ? eq(ofOrganisation, visibility.organisationId) : undefined;
  const under = file.under;
  if (!under) return organisation;
  const own = file.visibleAs ? visibility.record(file.visibleAs) : undefined;
  if ('customer' in under) return and(organisation, own, sql`${under.customer} in (${customersInScope(visibility, scope)})`);
  const parent = archiveFileNamed.get(under.file)!;
  return and(
    organisation,
    sql`${under.parent} in (select ${(parent.table as ExportTable).id} from ${parent.table} where ${archiveRowsWhere(parent, visibility, scope)})`,
  );
}

/** The type a keyset value of `column` is cast to: a serial column's is its integer type (serial is no type to cast to). */
function castType(column: PgColumn): string {
  return ({ bigserial: 'bigint', serial: 'integer', smallserial: 'smallint' } as Record<string, string>)[column.getSQLType()] ?? column.getSQLType();
}

/** Rows of `table` matching `where` in the keyset order of `order`, a page at a time (values compared as PostgreSQL holds them). */
async function* pagedBy(db: Db, table: PgTable, where: SQL | undefined, order: PgColumn[]): AsyncGenerator<Record<string, unknown>> {
  let after: string[] | null = null;
  for (;;) {
    const keyset: SQL | undefined = after
      ? sql`(${sql.join(order, sql`, `)}) > (${sql.join(
          order.map((c, i) => sql`${after![i]}::${sql.raw(castType(c))}`),
          sql`, `,
        )})`
      : undefined;
    const rows = (await db
      .select({
        row: table,
        keys: sql<string[]>`array[${sql.join(
          order.map((c) => sql`${c}::text`),
          sql`, `,
        )}]`,
      })
      .from(table)
      .where(and(where, keyset))
      .orderBy(...order)
      .limit(PAGE_SIZE)) as Array<{ row: Record<string, unknown>; keys: string[] }>;
    for (const r of rows) yield r.row;
    if (rows.length < PAGE_SIZE) return;
    after = rows[rows.length - 1]!.keys;
  }
}

/** An archive file's row as exported: its id and references as global ids (uuids for rows that are not nodes), times ISO. */
function archivedRow(file: ArchiveFile, row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    const target = column === 'id' ? file : file.references?.[column] ? archiveFileNamed.get(file.references[column]!.file)! : null;
    const type = target ? target.type : file.userColumns?.includes(column) ? 'User' : (REFERENCES[column] ?? null);
    out[column] = value == null ? null : type && typeof value === 'string' ? toGlobalId(type, value) : value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/** manifest.json: the archive's format and files, which the import checks first. */
function manifest(scope: ExportScope): string {
  return `${JSON.stringify(
    {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      exportedAt: new Date().toISOString(),
      scope: scope.kind === 'one' ? { customer: toGlobalId('Customer', scope.customerId) } : 'visible',
      files: ARCHIVE_FILES.map((f) => ({ name: f.file, table: getTableName(f.table), kind: f.kind })),
    },
    null,
    2,
  )}\n`;
}

/** Adds the export's files to `archive` (the caller pipes and finalizes it). */
export function appendCustomerExport(archive: Archiver, db: Db, visibility: Visibility, scope: ExportScope): void {
  archive.append(manifest(scope), { name: 'manifest.json' });
  for (const file of ARCHIVE_FILES) {
    if (file.original) continue;
    const columns = archiveColumns(file);
    async function* rows() {
      for await (const row of pagedBy(db, file.table, archiveRowsWhere(file, visibility, scope), file.order)) yield archivedRow(file, row, columns);
    }
    archive.append(csvFile(columns, rows()), { name: file.file });
  }
  archive.append(csvStream('Customer', customers, customerPages(db, visibility, scope)), { name: 'customers.csv' });
  for (const child of childFiles) {
    archive.append(csvStream(child.type, child.table, childRows(db, visibility, scope, child.table)), { name: child.file });
  }
  archive.append(csvFile(LEDGER_COLUMNS, ledgerRows(db, visibility, scope)), { name: 'ledger.csv' });
  if (scope.kind === 'one') archive.append(customerJson(db, visibility, scope.customerId), { name: 'customer.json' });
}
