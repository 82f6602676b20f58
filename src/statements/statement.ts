// A customer's statement as of a date, in one currency (docs/domain.md#statements): the invoices still
// owing and the payments and credit notes not yet allocated, as the ledger stood at the end of that
// day, optionally grouped by the contact each invoice is for, with totals and aging. Worked out with
// the same as-of rules as the balance (src/finance/balance.ts), so the two always agree.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { selectRows } from '../db/client';
import { documentReference } from '../db/sequences';
import { balances, openItemsCtes, type Balance } from '../finance/balance';

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
    sql`with c as materialized (
      select id, ${cur}::text as currency from customers where organisation_id = ${organisationId} and id = ${customerId}
    ), ${openItemsCtes(organisationId, asOf)}
    select * from (
      select 'INVOICE' as kind, id, number, null::text as reference, issue_date::text as date, due_date::text as due_date, total, open, contact_id
      from open_invoices
      union all
      select 'CREDIT_NOTE', id, number, null, issue_date::text, null, total, -open, null from open_notes
      union all
      select 'PAYMENT', id, null, reference, received_on::text, null, amount, -open, null from open_payments
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
