// A customer's ledger in one currency (docs/domain.md#balances-and-the-ledger): every invoice issued
// and voided, credit note issued and voided, payment received and reversed, and allocation made and
// undone, oldest first, each with its effect on the balance and the running balance after it. The
// running balance is a window over the whole ledger, so every page shows the true figure; pages are
// keyset-paged on (date, time recorded, kind, id).
import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';
import { selectRows } from '../db/client';
import { documentReference } from '../db/sequences';
import { buildConnection, cursorCondition, orderSql, uuidArray, type Connection, type Page, type SortSpec, type WithSortKey } from '../graph/connection';

export const ledgerKinds = [
  'INVOICE_ISSUED',
  'INVOICE_VOIDED',
  'CREDIT_NOTE_ISSUED',
  'CREDIT_NOTE_VOIDED',
  'PAYMENT_RECEIVED',
  'PAYMENT_REVERSED',
  'ALLOCATION',
  'ALLOCATION_UNDONE',
] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

export type LedgerEntryRow = {
  /** The document's or the allocation's id. */
  id: string;
  kind: LedgerKind;
  date: string;
  recordedAt: Date;
  currency: string;
  /** The amount of the document or allocation (positive). */
  amountMinor: number;
  /** What it did to the balance: + owed more, − owed less, 0 for allocations. */
  effectMinor: number;
  balanceMinor: number;
  invoiceId: string | null;
  creditNoteId: string | null;
  paymentId: string | null;
  allocationId: string | null;
};

/** The order of entries: by date, then when recorded, then kind (issues before voids on one instant), then id. */
export const ledgerSort: SortSpec = {
  name: 'LEDGER',
  expr: sql`e.sort_key`,
  cast: 'text',
  direction: 'ASC',
};
const entryId = sql`e.id` as unknown as PgColumn;

/** SQL text that sorts like (date, timestamp, kind rank): fixed-width parts joined. */
function sortKey(date: ReturnType<typeof sql>, at: ReturnType<typeof sql>, rank: number) {
  return sql`(${date})::date::text || '|' || to_char((${at}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|' || ${String(rank)}`;
}

/**
 * Every entry of the customer in `currency`, with its effect; `number` is the invoice's or credit
 * note's (an allocation's: its invoice's), `reference` the payment's.
 */
function entriesSql(organisationId: string, customerId: string, currency: string) {
  const mine = (alias: string) =>
    sql`${sql.raw(alias)}.organisation_id = ${organisationId} and ${sql.raw(alias)}.customer_id = ${customerId} and ${sql.raw(alias)}.currency = ${currency}`;
  return sql`
    select i.id, 'INVOICE_ISSUED' as kind, i.issue_date as date, i.created_at as recorded_at, i.total_minor as amount, i.total_minor as effect,
      i.id as invoice_id, null::uuid as credit_note_id, null::uuid as payment_id, null::uuid as allocation_id, ${sortKey(sql`i.issue_date`, sql`i.created_at`, 1)} as sort_key,
      i.number, null::text as reference
      from invoices i where ${mine('i')} and i.status <> 'DRAFT'
    union all
    select i.id, 'INVOICE_VOIDED', i.voided_at::date, i.voided_at, i.total_minor, -i.total_minor, i.id, null, null, null, ${sortKey(sql`i.voided_at`, sql`i.voided_at`, 8)}, i.number, null
      from invoices i where ${mine('i')} and i.status = 'VOID' and i.number is not null
    union all
    select n.id, 'CREDIT_NOTE_ISSUED', n.issue_date, n.created_at, n.total_minor, -n.total_minor, n.invoice_id, n.id, null, null, ${sortKey(sql`n.issue_date`, sql`n.created_at`, 2)}, n.number, null
      from credit_notes n where ${mine('n')}
    union all
    select n.id, 'CREDIT_NOTE_VOIDED', n.voided_at::date, n.voided_at, n.total_minor, n.total_minor, n.invoice_id, n.id, null, null, ${sortKey(sql`n.voided_at`, sql`n.voided_at`, 7)}, n.number, null
      from credit_notes n where ${mine('n')} and n.status = 'VOID'
    union all
    select p.id, 'PAYMENT_RECEIVED', p.received_on, p.created_at, p.amount_minor, -p.amount_minor, null, null, p.id, null, ${sortKey(sql`p.received_on`, sql`p.created_at`, 3)}, null, p.reference
      from payments p where ${mine('p')}
    union all
    select p.id, 'PAYMENT_REVERSED', p.reversed_at::date, p.reversed_at, p.amount_minor, p.amount_minor, null, null, p.id, null, ${sortKey(sql`p.reversed_at`, sql`p.reversed_at`, 6)}, null, p.reference
      from payments p where ${mine('p')} and p.status = 'REVERSED'
    union all
    select a.id, 'ALLOCATION', a.created_at::date, a.created_at, a.amount_minor, 0, a.invoice_id, a.credit_note_id, a.payment_id, a.id, ${sortKey(sql`a.created_at`, sql`a.created_at`, 4)}, i.number, null
      from allocations a join invoices i on i.id = a.invoice_id where ${mine('i')}
    union all
    select a.id, 'ALLOCATION_UNDONE', a.undone_at::date, a.undone_at, a.amount_minor, 0, a.invoice_id, a.credit_note_id, a.payment_id, a.id, ${sortKey(sql`a.undone_at`, sql`a.undone_at`, 5)}, i.number, null
      from allocations a join invoices i on i.id = a.invoice_id where ${mine('i')} and a.undone_at is not null`;
}

type Row = {
  id: string;
  kind: LedgerKind;
  date: string;
  recorded_at: string;
  amount: string;
  effect: string;
  balance: string;
  invoice_id: string | null;
  credit_note_id: string | null;
  payment_id: string | null;
  allocation_id: string | null;
  _sortKey: string;
  total: string;
};

/** One page of the customer's ledger in `currency`. */
export async function ledgerPage(db: Db, organisationId: string, customerId: string, currency: string, page: Page): Promise<Connection<LedgerEntryRow>> {
  const rows = await selectRows<Row>(
    db,
    sql`select e.id, e.kind, e.date::text as date, e.recorded_at, e.amount, e.effect, e.balance, e.invoice_id, e.credit_note_id, e.payment_id,
      e.allocation_id, e.total, e.sort_key as "_sortKey" from (
      select x.*, sum(x.effect) over (order by x.sort_key, x.id rows unbounded preceding) as balance, count(*) over () as total
      from (${entriesSql(organisationId, customerId, currency)}) x
    ) e
    where ${cursorCondition(ledgerSort, entryId, page) ?? sql`true`}
    order by ${orderSql(ledgerSort, entryId, page)}
    limit ${page.limit + 1}`,
  );
  const total = rows[0] ? Number(rows[0].total) : null;
  const entries: Array<WithSortKey<LedgerEntryRow>> = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    date: r.date,
    recordedAt: new Date(r.recorded_at),
    currency,
    amountMinor: Number(r.amount),
    effectMinor: Number(r.effect),
    balanceMinor: Number(r.balance),
    invoiceId: r.invoice_id,
    creditNoteId: r.credit_note_id,
    paymentId: r.payment_id,
    allocationId: r.allocation_id,
    _sortKey: r._sortKey,
  }));
  return buildConnection(entries, ledgerSort, page, async () => {
    // The window counted every entry, before the page was cut.
    if (total !== null) return total;
    const [row] = await selectRows<{ n: number }>(db, sql`select count(*)::int as n from (${entriesSql(organisationId, customerId, currency)}) x`);
    return row!.n;
  });
}

/** The currencies each of these customers has ledger entries in (documents other than drafts), by customer. */
export async function ledgerCurrencies(db: Db, organisationId: string, customerIds: readonly string[]): Promise<Map<string, string[]>> {
  const ids = uuidArray(customerIds);
  const rows = await selectRows<{ customer_id: string; currency: string }>(
    db,
    sql`select customer_id, currency from invoices where organisation_id = ${organisationId} and customer_id = any(${ids}) and status <> 'DRAFT'
      union select customer_id, currency from credit_notes where organisation_id = ${organisationId} and customer_id = any(${ids})
      union select customer_id, currency from payments where organisation_id = ${organisationId} and customer_id = any(${ids})
      order by customer_id, currency`,
  );
  const byCustomer = new Map<string, string[]>();
  for (const row of rows) byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), row.currency]);
  return byCustomer;
}

export type ExportedLedgerEntry = LedgerEntryRow & {
  /** The document it is about: INV-000012, CN-000003, the payment's reference (an allocation: its invoice). */
  document: string | null;
};

/**
 * The whole ledger of the customer in `currency`, oldest first, `pageSize` entries at a time (keyset
 * on the ledger's order), each with the running balance carried from the entries before it: for
 * exports, where a page's window would sum the whole ledger again for every page.
 */
export async function* ledgerEntries(
  db: Db,
  organisationId: string,
  customerId: string,
  currency: string,
  pageSize = 1000,
): AsyncGenerator<ExportedLedgerEntry> {
  let after: { key: string; id: string } | null = null;
  let balance = 0;
  for (;;) {
    const rows: Array<Omit<Row, 'balance' | 'total'> & { number: number | null; reference: string | null }> = await selectRows(
      db,
      sql`select x.id, x.kind, x.date::text as date, x.recorded_at, x.amount, x.effect, x.invoice_id, x.credit_note_id, x.payment_id,
        x.allocation_id, x.number, x.reference, x.sort_key as "_sortKey"
      from (${entriesSql(organisationId, customerId, currency)}) x
      where ${after ? sql`(x.sort_key, x.id) > (${after.key}::text, ${after.id}::uuid)` : sql`true`}
      order by x.sort_key, x.id limit ${pageSize}`,
    );
    for (const r of rows) {
      balance += Number(r.effect);
      const prefix = r.kind.startsWith('CREDIT_NOTE') ? 'CN' : r.kind.startsWith('PAYMENT') ? null : 'INV';
      yield {
        id: r.id,
        kind: r.kind,
        date: r.date,
        recordedAt: new Date(r.recorded_at),
        currency,
        amountMinor: Number(r.amount),
        effectMinor: Number(r.effect),
        balanceMinor: balance,
        invoiceId: r.invoice_id,
        creditNoteId: r.credit_note_id,
        paymentId: r.payment_id,
        allocationId: r.allocation_id,
        document: prefix ? (r.number === null ? null : documentReference(prefix, r.number)) : r.reference,
      };
    }
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { key: last._sortKey, id: last.id };
  }
}
