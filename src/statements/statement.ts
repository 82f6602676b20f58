// A customer's statement as of a date, in one currency (docs/domain.md#statements): the invoices still
// owing and the payments and credit notes not yet allocated, as the ledger stood at the end of that
// day, optionally grouped by the contact each invoice is for, with totals and aging. Worked out with
// the same as-of rules as the balance (src/finance/balance.ts), so the two always agree.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { selectRows } from '../db/client';
import { documentReference } from '../db/sequences';
import { allocatedAt, balances, endOfDay, sourceAllocatedAt, type Balance } from '../finance/balance';

export type StatementLineKind = 'INVOICE' | 'CREDIT_NOTE' | 'PAYMENT';

export type StatementLine = {
  kind: StatementLineKind;
  id: string;
  /** INV-000001, CN-000002, or the payment's reference. */
  reference: string | null;
  date: string;
  dueDate: string | null;
  /** The document's total (the payment's amount). */
  totalMinor: number;
  /** What is still open on it: owed on an invoice (positive), unallocated credit (negative). */
  openMinor: number;
  /** Days past the due date at the statement's date; 0 when not overdue or not an invoice. */
  daysOverdue: number;
  contactId: string | null;
};

export type Statement = {
  customerId: string;
  asOf: string;
  currency: string;
  lines: StatementLine[];
  balance: Balance;
};

/** The statement of a customer (visible to the caller: checked by the caller) as of `asOf`. */
export async function statementOf(db: Db, organisationId: string, customerId: string, asOf: string, currency: string | null): Promise<Statement> {
  const [balance] = await balances(db, organisationId, [customerId], asOf, currency);
  const cutoff = endOfDay(asOf);
  const cur = balance!.currency;
  const rows = await selectRows<{
    kind: StatementLineKind;
    id: string;
    number: number | null;
    reference: string | null;
    date: string;
    due_date: string | null;
    total: string;
    open: string;
    contact_id: string | null;
  }>(
    db,
    sql`select * from (
      select 'INVOICE' as kind, i.id, i.number, null::text as reference, i.issue_date::text as date, i.due_date::text as due_date,
        i.total_minor as total, i.total_minor - ${allocatedAt(sql`i.id`, cutoff)} as open, i.contact_id
      from invoices i
      where i.organisation_id = ${organisationId} and i.customer_id = ${customerId} and i.currency = ${cur} and i.status <> 'DRAFT'
        and i.issue_date <= ${asOf}::date and (i.voided_at is null or i.voided_at >= ${cutoff}::timestamptz)
      union all
      select 'CREDIT_NOTE', n.id, n.number, null, n.issue_date::text, null, n.total_minor,
        -(n.total_minor - ${sourceAllocatedAt('credit_note_id', sql`n.id`, cutoff)}), null
      from credit_notes n
      where n.organisation_id = ${organisationId} and n.customer_id = ${customerId} and n.currency = ${cur}
        and n.issue_date <= ${asOf}::date and (n.voided_at is null or n.voided_at >= ${cutoff}::timestamptz)
      union all
      select 'PAYMENT', p.id, null, p.reference, p.received_on::text, null, p.amount_minor,
        -(p.amount_minor - ${sourceAllocatedAt('payment_id', sql`p.id`, cutoff)}), null
      from payments p
      where p.organisation_id = ${organisationId} and p.customer_id = ${customerId} and p.currency = ${cur}
        and p.received_on <= ${asOf}::date and (p.reversed_at is null or p.reversed_at >= ${cutoff}::timestamptz)
    ) s where s.open <> 0 order by s.date, s.kind, s.number nulls last, s.id`,
  );
  const asOfTime = Date.parse(`${asOf}T00:00:00Z`);
  return {
    customerId,
    asOf,
    currency: cur,
    balance: balance!,
    lines: rows.map((r) => {
      const days = r.due_date ? Math.round((asOfTime - Date.parse(`${r.due_date}T00:00:00Z`)) / 86_400_000) : 0;
      return {
        kind: r.kind,
        id: r.id,
        reference: r.kind === 'PAYMENT' ? r.reference : documentReference(r.kind === 'INVOICE' ? 'INV' : 'CN', r.number!),
        date: r.date,
        dueDate: r.due_date,
        totalMinor: Number(r.total),
        openMinor: Number(r.open),
        daysOverdue: Math.max(0, days),
        contactId: r.contact_id,
      };
    }),
  };
}

/** The lines grouped by the contact each is for (null: the customer as a whole, and every credit), in first-seen order. */
export function groupByContact(lines: readonly StatementLine[]): Array<{ contactId: string | null; lines: StatementLine[] }> {
  const groups = new Map<string | null, StatementLine[]>();
  for (const line of lines) {
    const list = groups.get(line.contactId);
    if (list) list.push(line);
    else groups.set(line.contactId, [line]);
  }
  return [...groups].map(([contactId, list]) => ({ contactId, lines: list }));
}
