// The balance and the statement as of any date (docs/domain.md#balances-and-the-ledger) against the
// ledger's definition, worked out here from the rows themselves: a document counts when it was issued
// (received) by that day and not voided (reversed) by its end; an allocation counts when it was made
// by then and not undone by then. The server gets there another way (today's figures, corrected by
// what changed since: src/finance/balance.ts), so this holds the two equal on every day around every
// event of a history with allocations made, undone and re-made at different times, a reversal, a
// void, credit notes and a second currency. Allocations in the past are written with their own
// times (the database's trigger keeps every figure, as for allocations made through the API).
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { documentReference } from '../../src/db/sequences';
import { endOfDay } from '../../src/finance/balance';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { addDays, today } from '../../src/invoices/payer';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let customerId: string;

const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const day = (daysAgo: number) => addDays(today(), -daysAgo);
const uuid = (globalId: string) => parseGlobalId(globalId)!.id;

async function invoice(issueDaysAgo: number, unitPriceMinor: number): Promise<string> {
  const created = await mutate('createInvoice', { customerId, lines: [{ description: 'Work', quantity: '1', unitPriceMinor }] }, 'invoice { id }');
  await mutate('issueInvoice', { id: created.invoice.id, issueDate: day(issueDaysAgo) }, 'invoice { id }');
  return created.invoice.id;
}

async function payment(receivedDaysAgo: number, amountMinor: number, reference: string, currency?: string): Promise<string> {
  const cash = (await gql(`{ paymentMethods { id name } }`)).paymentMethods.find((m: { name: string }) => m.name === 'Cash').id;
  const made = await mutate(
    'recordPayment',
    { customerId, methodId: cash, amount: { amountMinor, currency }, receivedOn: day(receivedDaysAgo), reference },
    'payment { id }',
  );
  return made.payment.id;
}

/** An allocation made `daysAgo` at noon (UTC), as if through the API then. */
async function allocatedBack(daysAgo: number, source: { paymentId?: string; creditNoteId?: string }, invoiceId: string, amountMinor: number): Promise<string> {
  const [row] = await selectRows<{ id: string }>(
    server.database.db,
    sql`insert into allocations (organisation_id, invoice_id, payment_id, credit_note_id, amount_minor, created_at)
      values (${org.organisationId}, ${uuid(invoiceId)}, ${source.paymentId ? uuid(source.paymentId) : null}, ${source.creditNoteId ? uuid(source.creditNoteId) : null},
        ${amountMinor}, ${`${day(daysAgo)}T12:00:00Z`}::timestamptz) returning id`,
  );
  return row!.id;
}

async function undoneBack(allocationId: string, daysAgo: number): Promise<void> {
  await server.database.db.execute(
    sql`update allocations set undone_at = ${`${day(daysAgo)}T09:00:00Z`}::timestamptz, undo_reason = 'Wrong invoice' where id = ${allocationId}`,
  );
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  customerId = await createCustomer('History Ltd', { overrides: { creditorDays: 30 } });
  const i1 = await invoice(200, 40_000);
  const i2 = await invoice(120, 25_000);
  const i3 = await invoice(75, 12_000);
  const i4 = await invoice(40, 30_000);
  const i5 = await invoice(10, 8_000);
  await mutate('createInvoice', { customerId, lines: [{ description: 'Draft', quantity: '1', unitPriceMinor: 99_999 }] }, 'invoice { id }');
  const p1 = await payment(190, 40_000, 'P1');
  const p2 = await payment(110, 20_000, 'P2');
  const p3 = await payment(60, 15_000, 'P3');
  await payment(5, 5_000, 'P4');
  await payment(20, 1_000, 'P5 EUR', 'EUR');
  const n1 = (
    await mutate(
      'createCreditNote',
      { invoiceId: i2, reason: 'Overcharged', issueDate: day(100), lines: [{ description: 'Refund', quantity: '1', unitPriceMinor: 5_000 }] },
      'creditNote { id }',
    )
  ).creditNote.id;
  const n2 = (
    await mutate(
      'createCreditNote',
      { customerId, reason: 'Goodwill', issueDate: day(30), lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 3_000 }] },
      'creditNote { id }',
    )
  ).creditNote.id;

  // In the past: paid, credited, allocated to the wrong invoice and taken back, allocated again.
  await allocatedBack(190, { paymentId: p1 }, i1, 40_000);
  await allocatedBack(110, { paymentId: p2 }, i2, 15_000);
  await allocatedBack(100, { creditNoteId: n1 }, i2, 5_000);
  await undoneBack(await allocatedBack(60, { paymentId: p3 }, i3, 12_000), 45);
  await allocatedBack(39, { paymentId: p3 }, i4, 6_000);
  // Today, through the API: allocated, allocated and undone, reversed (its allocation undone), voided.
  await mutate('allocatePayment', { paymentId: p2, allocations: [{ invoiceId: i5, amountMinor: 5_000 }] }, 'payment { id }');
  const note = await mutate('allocateCreditNote', { creditNoteId: n2, allocations: [{ invoiceId: i3, amountMinor: 3_000 }] }, 'creditNote { id }');
  expect(note.creditNote.id).toBe(n2);
  const [a7] = await selectRows<{ id: string }>(server.database.db, sql`select id from allocations where credit_note_id = ${uuid(n2)}`);
  await mutate('undoAllocation', { id: toGlobalId('Allocation', a7!.id), reason: 'Not yet' }, 'allocation { id }');
  await mutate('reversePayment', { id: p3, reason: 'Bounced' }, 'payment { id }');
  await mutate('voidInvoice', { id: i4, reason: 'Raised in error' }, 'invoice { id }');
});
afterAll(() => server.close());

type Rows = {
  invoices: Array<{
    id: string;
    number: number | null;
    status: string;
    issue_date: string | null;
    due_date: string | null;
    total: number;
    currency: string;
    voided_at: Date | null;
  }>;
  payments: Array<{ id: string; reference: string; received_on: string; amount: number; currency: string; reversed_at: Date | null; created_at: Date }>;
  notes: Array<{ id: string; number: number; issue_date: string; total: number; currency: string; voided_at: Date | null }>;
  allocations: Array<{
    invoice_id: string;
    payment_id: string | null;
    credit_note_id: string | null;
    amount: number;
    created_at: Date;
    undone_at: Date | null;
  }>;
};

/** Rows of `query`, with amounts as numbers and times (epoch milliseconds) as Dates. */
async function read<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const rows = await selectRows<Record<string, unknown>>(server.database.db, query);
  const amounts = new Set(['total', 'amount']);
  const times = new Set(['voided_at', 'reversed_at', 'created_at', 'undone_at']);
  return rows.map(
    (row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, v === null ? null : amounts.has(k) ? Number(v) : times.has(k) ? new Date(Number(v)) : v]),
      ) as T,
  );
}

const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);

async function ledgerRows(): Promise<Rows> {
  const id = uuid(customerId);
  return {
    invoices: await read(sql`select id, number, status, issue_date::text, due_date::text, total_minor as total, currency, ${ms('voided_at')} as voided_at
      from invoices where customer_id = ${id}`),
    payments: await read(sql`select id, reference, received_on::text, amount_minor as amount, currency, ${ms('reversed_at')} as reversed_at,
      ${ms('created_at')} as created_at from payments where customer_id = ${id}`),
    notes: await read(sql`select id, number, issue_date::text, total_minor as total, currency, ${ms('voided_at')} as voided_at
      from credit_notes where customer_id = ${id}`),
    allocations: await read(sql`select a.invoice_id, a.payment_id, a.credit_note_id, a.amount_minor as amount, ${ms('a.created_at')} as created_at,
      ${ms('a.undone_at')} as undone_at from allocations a join invoices i on i.id = a.invoice_id where i.customer_id = ${id}`),
  };
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** The balance and the open lines as the definition gives them. */
function definition(rows: Rows, asOf: string, currency: string) {
  const cutoff = new Date(endOfDay(asOf)).getTime();
  const standing = (a: Rows['allocations'][number]) => a.created_at.getTime() < cutoff && (a.undone_at === null || a.undone_at.getTime() >= cutoff);
  const allocated = (pick: (a: Rows['allocations'][number]) => boolean) =>
    rows.allocations.filter((a) => pick(a) && standing(a)).reduce((s, a) => s + a.amount, 0);
  const notVoided = (at: Date | null) => at === null || at.getTime() >= cutoff;
  const invoices = rows.invoices
    .filter((i) => i.status !== 'DRAFT' && i.currency === currency && i.issue_date! <= asOf && notVoided(i.voided_at))
    .map((i) => ({ ...i, owed: i.total - allocated((a) => a.invoice_id === i.id) }));
  const payments = rows.payments
    .filter((p) => p.currency === currency && p.received_on <= asOf && notVoided(p.reversed_at))
    .map((p) => ({ ...p, open: p.amount - allocated((a) => a.payment_id === p.id) }));
  const notes = rows.notes
    .filter((n) => n.currency === currency && n.issue_date <= asOf && notVoided(n.voided_at))
    .map((n) => ({ ...n, open: n.total - allocated((a) => a.credit_note_id === n.id) }));
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);
  const owing = invoices.filter((i) => i.owed > 0);
  const age = (i: { issue_date: string | null }) => daysBetween(i.issue_date!, asOf);
  const last = [...payments].sort((a, b) => b.received_on.localeCompare(a.received_on) || b.created_at.getTime() - a.created_at.getTime())[0];
  const oldest = owing.map((i) => i.issue_date!).sort()[0];
  return {
    balance: {
      outstanding: sum(invoices.map((i) => i.owed)),
      overdue: sum(invoices.filter((i) => i.due_date! < asOf).map((i) => i.owed)),
      accountCredit: sum(payments.map((p) => p.open)) + sum(notes.map((n) => n.open)),
      aging: [
        sum(invoices.filter((i) => age(i) <= 30).map((i) => i.owed)),
        sum(invoices.filter((i) => age(i) >= 31 && age(i) <= 60).map((i) => i.owed)),
        sum(invoices.filter((i) => age(i) >= 61 && age(i) <= 90).map((i) => i.owed)),
        sum(invoices.filter((i) => age(i) > 90).map((i) => i.owed)),
      ],
      debtAgeDays: oldest ? daysBetween(oldest, asOf) : null,
      lastPayment: last ? { receivedOn: last.received_on, amountMinor: last.amount } : null,
      salesThisYear: sum(invoices.filter((i) => i.issue_date!.slice(0, 4) === asOf.slice(0, 4)).map((i) => i.total)),
      salesLifetime: sum(invoices.map((i) => i.total)),
    },
    lines: [
      ...invoices.filter((i) => i.owed !== 0).map((i) => ['INVOICE', documentReference('INV', i.number!), i.owed]),
      ...notes.filter((n) => n.open !== 0).map((n) => ['CREDIT_NOTE', documentReference('CN', n.number), -n.open]),
      ...payments.filter((p) => p.open !== 0).map((p) => ['PAYMENT', p.reference, -p.open]),
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

const AS_OF = `query($id: ID!, $asOf: Date, $currency: Currency) { customer(id: $id) {
  balance(asOf: $asOf, currency: $currency) { outstanding { amountMinor } overdue { amountMinor } accountCredit { amountMinor } balance { amountMinor }
    aging { amount { amountMinor } } debtAgeDays lastPayment { receivedOn amount { amountMinor } } salesThisYear { amountMinor } salesLifetime { amountMinor } }
  statement(asOf: $asOf, currency: $currency) { lines { kind reference open { amountMinor } } balance { balance { amountMinor } } } } }`;

it('gives, on every day around every event, the figures and open items the ledger defines', async () => {
  const rows = await ledgerRows();
  // Every event's day and the day before it, and today.
  const days = [201, 200, 191, 190, 121, 120, 111, 110, 101, 100, 76, 75, 61, 60, 46, 45, 41, 40, 39, 38, 31, 30, 21, 20, 11, 10, 6, 5, 1, 0];
  let changes = 0;
  let previous = '';
  for (const daysAgo of days) {
    for (const currency of daysAgo === 20 || daysAgo === 0 ? ['GBP', 'EUR'] : ['GBP']) {
      const asOf = day(daysAgo);
      const got = (await gql(AS_OF, { id: customerId, asOf, currency })).customer;
      const expected = definition(rows, asOf, currency);
      const b = got.balance;
      expect({ asOf, currency, balance: b }).toEqual({
        asOf,
        currency,
        balance: {
          outstanding: { amountMinor: expected.balance.outstanding },
          overdue: { amountMinor: expected.balance.overdue },
          accountCredit: { amountMinor: expected.balance.accountCredit },
          balance: { amountMinor: expected.balance.outstanding - expected.balance.accountCredit },
          aging: expected.balance.aging.map((amountMinor) => ({ amount: { amountMinor } })),
          debtAgeDays: expected.balance.debtAgeDays,
          lastPayment: expected.balance.lastPayment && {
            receivedOn: expected.balance.lastPayment.receivedOn,
            amount: { amountMinor: expected.balance.lastPayment.amountMinor },
          },
          salesThisYear: { amountMinor: expected.balance.salesThisYear },
          salesLifetime: { amountMinor: expected.balance.salesLifetime },
        },
      });
      const lines = got.statement.lines
        .map((l: { kind: string; reference: string; open: { amountMinor: number } }) => [l.kind, l.reference, l.open.amountMinor])
        .sort((a: unknown[], c: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(c)));
      expect({ asOf, currency, lines }).toEqual({ asOf, currency, lines: expected.lines });
      expect(got.statement.balance.balance.amountMinor).toBe(b.balance.amountMinor);
      if (currency === 'GBP') {
        const seen = JSON.stringify(b);
        if (seen !== previous) changes++;
        previous = seen;
      }
    }
  }
  // The history moves the figures at many of those days (the check is not of a flat line).
  expect(changes).toBeGreaterThan(12);
});
