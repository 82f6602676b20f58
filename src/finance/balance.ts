// A customer's balance as of a date, in one currency (docs/domain.md#balances-and-the-ledger): what its
// issued invoices still owe (and what of that is overdue), its account credit, the debt's age and its
// aging buckets, and a snapshot of its trade. Everything is worked out from the ledger's rows as they
// stood at the end of that day: documents issued by then and not voided by then, allocations made by
// then and not undone by then. One query serves a whole page of customers.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { selectRows } from '../db/client';
import { uuidArray } from '../graph/connection';

/** The aging buckets: by days since the invoice's issue date. */
export const AGING_BUCKETS = [
  { label: '0-30', from: 0, to: 30 },
  { label: '31-60', from: 31, to: 60 },
  { label: '61-90', from: 61, to: 90 },
  { label: '90+', from: 91, to: null },
] as const;

export type Balance = {
  customerId: string;
  currency: string;
  asOf: string;
  outstandingMinor: number;
  overdueMinor: number;
  accountCreditMinor: number;
  /** Days from the oldest unpaid invoice's issue date to `asOf`; null when nothing is unpaid. */
  debtAgeDays: number | null;
  /** Outstanding per bucket, in AGING_BUCKETS order. */
  agingMinor: number[];
  lastPayment: { receivedOn: string; amountMinor: number } | null;
  salesThisYearMinor: number;
  salesLifetimeMinor: number;
  creditLimitMinor: number | null;
};

/**
 * The end of `asOf` (UTC): rows stamped before it count. Allocations and voids carry timestamps;
 * documents carry their dates.
 */
export function endOfDay(asOf: string): string {
  const d = new Date(`${asOf}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/** SQL: what of an invoice was allocated (payments and credit notes) as it stood at `cutoff`. */
export function allocatedAt(invoiceId: ReturnType<typeof sql>, cutoff: string) {
  return sql`coalesce((select sum(a.amount_minor) from allocations a where a.invoice_id = ${invoiceId}
    and a.created_at < ${cutoff}::timestamptz and (a.undone_at is null or a.undone_at >= ${cutoff}::timestamptz)), 0)`;
}

/** SQL: what of a payment or credit note (by column) was allocated at `cutoff`. */
export function sourceAllocatedAt(column: 'payment_id' | 'credit_note_id', id: ReturnType<typeof sql>, cutoff: string) {
  return sql`coalesce((select sum(a.amount_minor) from allocations a where a.${sql.raw(column)} = ${id}
    and a.created_at < ${cutoff}::timestamptz and (a.undone_at is null or a.undone_at >= ${cutoff}::timestamptz)), 0)`;
}

/** Balances of these customers as of `asOf`, each in `currency` or, when null, its own currency; in the order given. */
export async function balances(db: Db, organisationId: string, customerIds: readonly string[], asOf: string, currency: string | null): Promise<Balance[]> {
  const cutoff = endOfDay(asOf);
  const year = asOf.slice(0, 4);
  const ids = uuidArray(customerIds);
  const rows = await selectRows<{
    id: string;
    currency: string;
    credit_limit_minor: string | null;
    outstanding: string;
    overdue: string;
    b0: string;
    b1: string;
    b2: string;
    b3: string;
    oldest: string | null;
    sales_year: string;
    sales_lifetime: string;
    payment_credit: string;
    note_credit: string;
    last_received_on: string | null;
    last_amount: string | null;
  }>(
    db,
    sql`with c as (
      select id, coalesce(${currency}::text, currency) as currency, credit_limit_minor from customers
      where organisation_id = ${organisationId} and id = any(${ids})
    ), inv as (
      select i.customer_id, i.issue_date, i.due_date, i.total_minor,
        i.total_minor - ${allocatedAt(sql`i.id`, cutoff)} as owed
      from invoices i join c on c.id = i.customer_id and i.currency = c.currency
      where i.organisation_id = ${organisationId} and i.status <> 'DRAFT' and i.issue_date <= ${asOf}::date
        and (i.voided_at is null or i.voided_at >= ${cutoff}::timestamptz)
    ), inv_sum as (
      select customer_id,
        sum(owed) as outstanding,
        sum(owed) filter (where due_date < ${asOf}::date) as overdue,
        sum(owed) filter (where ${asOf}::date - issue_date <= 30) as b0,
        sum(owed) filter (where ${asOf}::date - issue_date between 31 and 60) as b1,
        sum(owed) filter (where ${asOf}::date - issue_date between 61 and 90) as b2,
        sum(owed) filter (where ${asOf}::date - issue_date > 90) as b3,
        min(issue_date) filter (where owed > 0) as oldest,
        sum(total_minor) filter (where extract(year from issue_date) = ${Number(year)}) as sales_year,
        sum(total_minor) as sales_lifetime
      from inv group by customer_id
    ), pay as (
      select p.customer_id, p.received_on, p.created_at, p.amount_minor,
        p.amount_minor - ${sourceAllocatedAt('payment_id', sql`p.id`, cutoff)} as unallocated
      from payments p join c on c.id = p.customer_id and p.currency = c.currency
      where p.organisation_id = ${organisationId} and p.received_on <= ${asOf}::date
        and (p.reversed_at is null or p.reversed_at >= ${cutoff}::timestamptz)
    ), pay_sum as (
      select customer_id, sum(unallocated) as credit from pay group by customer_id
    ), last_pay as (
      select distinct on (customer_id) customer_id, received_on, amount_minor from pay
      order by customer_id, received_on desc, created_at desc
    ), note_sum as (
      select n.customer_id, sum(n.total_minor - ${sourceAllocatedAt('credit_note_id', sql`n.id`, cutoff)}) as credit
      from credit_notes n join c on c.id = n.customer_id and n.currency = c.currency
      where n.organisation_id = ${organisationId} and n.issue_date <= ${asOf}::date
        and (n.voided_at is null or n.voided_at >= ${cutoff}::timestamptz)
      group by n.customer_id
    )
    select c.id, c.currency, c.credit_limit_minor,
      coalesce(s.outstanding, 0) as outstanding, coalesce(s.overdue, 0) as overdue,
      coalesce(s.b0, 0) as b0, coalesce(s.b1, 0) as b1, coalesce(s.b2, 0) as b2, coalesce(s.b3, 0) as b3,
      s.oldest::text as oldest, coalesce(s.sales_year, 0) as sales_year, coalesce(s.sales_lifetime, 0) as sales_lifetime,
      coalesce(ps.credit, 0) as payment_credit, coalesce(ns.credit, 0) as note_credit,
      lp.received_on::text as last_received_on, lp.amount_minor as last_amount
    from c left join inv_sum s on s.customer_id = c.id left join pay_sum ps on ps.customer_id = c.id
      left join note_sum ns on ns.customer_id = c.id left join last_pay lp on lp.customer_id = c.id`,
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return customerIds.map((id) => {
    const r = byId.get(id);
    if (!r) throw new Error(`balance: no customer ${id}`);
    const n = (v: string | number | null) => Number(v ?? 0);
    return {
      customerId: id,
      currency: r.currency,
      asOf,
      outstandingMinor: n(r.outstanding),
      overdueMinor: n(r.overdue),
      accountCreditMinor: n(r.payment_credit) + n(r.note_credit),
      debtAgeDays: r.oldest ? Math.round((Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${r.oldest}T00:00:00Z`)) / 86_400_000) : null,
      agingMinor: [n(r.b0), n(r.b1), n(r.b2), n(r.b3)],
      lastPayment: r.last_received_on ? { receivedOn: r.last_received_on, amountMinor: n(r.last_amount) } : null,
      salesThisYearMinor: n(r.sales_year),
      salesLifetimeMinor: n(r.sales_lifetime),
      creditLimitMinor: r.credit_limit_minor === null ? null : n(r.credit_limit_minor),
    };
  });
}
