// A customer's balance as of a date, in one currency (docs/domain.md#balances-and-the-ledger): what its
// issued invoices still owe (and what of that is overdue), its account credit, the debt's age and its
// aging buckets, and a snapshot of its trade. Everything is worked out from the ledger's rows as they
// stood at the end of that day: documents issued by then and not voided by then, allocations made by
// then and not undone by then. One query serves a whole page of customers, and it reads the documents
// open now or touched since that day, so a customer's long settled history costs little.
import { sql, type SQL } from 'drizzle-orm';
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

/**
 * SQL: the common table expressions of what the customers of a CTE `c` (columns `id`, `currency`)
 * had open at the end of `asOf`, in their currency:
 *
 *   open_invoices(customer_id, id, number, issue_date, due_date, total, contact_id, open)  what each still owed
 *   open_payments(customer_id, id, reference, received_on, amount, open)                 what each had not allocated
 *   open_notes(customer_id, id, number, issue_date, total, open)                         the same for credit notes
 *
 * A document counts when it was issued (received) by `asOf` and not voided (reversed) by its end; an
 * allocation counts when it was made by then and not undone by then. `open` may be 0: callers filter.
 *
 * Worked out from today's figures, which the allocations' trigger keeps (an invoice's paid and credited
 * amounts, a payment's or credit note's allocated amount, each the sum of its standing allocations),
 * corrected by the allocations made or undone after the cutoff (`late`): for today that is none, for
 * a past date what happened since. So only the documents open now or touched since are read, not a
 * customer's whole history (src/invoices/tables.ts, src/payments/tables.ts: their partial indexes).
 */
export function openItemsCtes(organisationId: string, asOf: string): SQL {
  const cutoff = endOfDay(asOf);
  return sql`late as materialized (
      -- What turns today's allocated figures into the cutoff's: taken off for an allocation made since
      -- and standing, given back for one standing then and undone since.
      select a.invoice_id, a.payment_id, a.credit_note_id,
        case when a.created_at >= ${cutoff}::timestamptz then -a.amount_minor else a.amount_minor end as back
      from allocations a
      where a.organisation_id = ${organisationId}
        and ((a.created_at >= ${cutoff}::timestamptz and a.undone_at is null)
          or (a.created_at < ${cutoff}::timestamptz and a.undone_at >= ${cutoff}::timestamptz))
    ), late_invoices as (
      select invoice_id as id, sum(back) as back from late group by invoice_id
    ), late_payments as (
      select payment_id as id, sum(back) as back from late where payment_id is not null group by payment_id
    ), late_notes as (
      select credit_note_id as id, sum(back) as back from late where credit_note_id is not null group by credit_note_id
    ), open_invoices as (
      select i.customer_id, i.id, i.number, i.issue_date, i.due_date, i.total_minor as total, i.contact_id,
        i.total_minor - i.paid_minor - i.credited_minor - coalesce(l.back, 0) as open
      from (
        -- The customers' invoices with something unallocated now (a partial index holds them), and
        -- the others whose allocations changed since; every other invoice owed nothing then.
        select u.* from invoices u join c on c.id = u.customer_id and u.currency = c.currency
          where u.status <> 'DRAFT' and u.paid_minor + u.credited_minor < u.total_minor
        union all
        select u.* from late_invoices l join invoices u on u.id = l.id join c on c.id = u.customer_id and u.currency = c.currency
          where not (u.status <> 'DRAFT' and u.paid_minor + u.credited_minor < u.total_minor)
      ) i
      left join late_invoices l on l.id = i.id
      where i.organisation_id = ${organisationId} and i.status <> 'DRAFT' and i.issue_date <= ${asOf}::date
        and (i.voided_at is null or i.voided_at >= ${cutoff}::timestamptz)
    ), open_payments as (
      select p.customer_id, p.id, p.reference, p.received_on, p.amount_minor as amount,
        p.amount_minor - p.allocated_minor - coalesce(l.back, 0) as open
      from (
        -- The same for payments.
        select u.* from payments u join c on c.id = u.customer_id and u.currency = c.currency where u.allocated_minor < u.amount_minor
        union all
        select u.* from late_payments l join payments u on u.id = l.id join c on c.id = u.customer_id and u.currency = c.currency
          where not (u.allocated_minor < u.amount_minor)
      ) p
      left join late_payments l on l.id = p.id
      where p.organisation_id = ${organisationId} and p.received_on <= ${asOf}::date
        and (p.reversed_at is null or p.reversed_at >= ${cutoff}::timestamptz)
    ), open_notes as (
      select n.customer_id, n.id, n.number, n.issue_date, n.total_minor as total,
        n.total_minor - n.allocated_minor - coalesce(l.back, 0) as open
      from credit_notes n
      join c on c.id = n.customer_id and n.currency = c.currency
      left join late_notes l on l.id = n.id
      where n.organisation_id = ${organisationId} and n.issue_date <= ${asOf}::date
        and (n.voided_at is null or n.voided_at >= ${cutoff}::timestamptz)
    )`;
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
    sql`with c as materialized (
      select id, coalesce(${currency}::text, currency) as currency, credit_limit_minor from customers
      where organisation_id = ${organisationId} and id = any(${ids})
    ), ${openItemsCtes(organisationId, asOf)}, inv_sum as (
      select customer_id,
        sum(open) as outstanding,
        sum(open) filter (where due_date < ${asOf}::date) as overdue,
        sum(open) filter (where ${asOf}::date - issue_date <= 30) as b0,
        sum(open) filter (where ${asOf}::date - issue_date between 31 and 60) as b1,
        sum(open) filter (where ${asOf}::date - issue_date between 61 and 90) as b2,
        sum(open) filter (where ${asOf}::date - issue_date > 90) as b3,
        min(issue_date) filter (where open > 0) as oldest
      from open_invoices group by customer_id
    ), sales as (
      -- Every invoice issued by then and standing then, paid or not (this year's: issued since 1 January,
      -- as none is after asOf): the one part that reads a customer's whole history, from an index that
      -- holds what it needs.
      select c.id as customer_id, s.sales_year, s.sales_lifetime from c cross join lateral (
        select sum(i.total_minor) filter (where i.issue_date >= ${`${year}-01-01`}::date) as sales_year, sum(i.total_minor) as sales_lifetime
        from invoices i
        where i.customer_id = c.id and i.currency = c.currency and i.organisation_id = ${organisationId} and i.status <> 'DRAFT'
          and i.issue_date <= ${asOf}::date and (i.voided_at is null or i.voided_at >= ${cutoff}::timestamptz)
      ) s
    ), pay_sum as (
      select customer_id, sum(open) as credit from open_payments group by customer_id
    ), note_sum as (
      select customer_id, sum(open) as credit from open_notes group by customer_id
    ), last_pay as (
      select c.id as customer_id, p.received_on, p.amount_minor from c cross join lateral (
        select p.received_on, p.amount_minor from payments p
        where p.customer_id = c.id and p.currency = c.currency and p.organisation_id = ${organisationId} and p.received_on <= ${asOf}::date
          and (p.reversed_at is null or p.reversed_at >= ${cutoff}::timestamptz)
        order by p.received_on desc, p.created_at desc limit 1
      ) p
    )
    select c.id, c.currency, c.credit_limit_minor,
      coalesce(s.outstanding, 0) as outstanding, coalesce(s.overdue, 0) as overdue,
      coalesce(s.b0, 0) as b0, coalesce(s.b1, 0) as b1, coalesce(s.b2, 0) as b2, coalesce(s.b3, 0) as b3,
      s.oldest::text as oldest, coalesce(sa.sales_year, 0) as sales_year, coalesce(sa.sales_lifetime, 0) as sales_lifetime,
      coalesce(ps.credit, 0) as payment_credit, coalesce(ns.credit, 0) as note_credit,
      lp.received_on::text as last_received_on, lp.amount_minor as last_amount
    from c left join inv_sum s on s.customer_id = c.id left join sales sa on sa.customer_id = c.id left join pay_sum ps on ps.customer_id = c.id
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
