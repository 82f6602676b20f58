// Benchmark of the money read side (docs/domain.md#balances-and-the-ledger, #statements) over HTTP:
// one customer with a long history — 10,000 issued invoices and 10,000 payments allocated to them, a
// reversed payment and two credit notes — beside the demo organisation's ordinary customers.
//
// What it measures, one request at a time (the targets are per request, not under load): p50/p95/p99
// over N requests, and the SQL statements each took (the server's X-SQL-Statements header, also sent
// on the PDF routes with EXPOSE_SQL_COUNT), of
//   - Customer.balance of the big customer                        target p95 < 50 ms
//   - Customer.statement of it as JSON (grouped by contact)       target p95 < 200 ms
//   - its statement PDF (GET /pdf/statements/…)                   target p95 < 1 s
//   - a page of 50 ordinary customers with their balances         (no target; one query for the page)
//   - the last page of its ledger (50 entries, running balance)   (no target)
//
// The big customer is seeded in bulk, not through the API (that would take an hour): invoices are
// inserted as drafts with their lines (the database's triggers total them), then numbered from the
// organisation's invoice sequence and marked ISSUED; payments and allocations are inserted with the
// dates they were received (the allocations' trigger moves every paid and allocated figure, and the
// CHECK constraints hold them). The reversal and the credit notes go through the services. About 210
// invoices stay open (the last 200 days' worth of 20 days, half of them part-paid or not, and one in
// a thousand of the older ones), so the statement has a few hundred lines. A database seeded once is
// reused (the customer is found by name).
//
// How to run:
//   psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_money'
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_money npm run bench:money
//   npm run bench:money -- --data-dir /tmp/crm-bench-money      (the embedded database, PGlite, in that directory)
// Settings: --iterations (BENCH_ITERATIONS, default 100), --warmup (BENCH_WARMUP, default 20 per
// scenario, not reported: the embedded database's caches take a dozen requests to warm), --skip-build
// to reuse dist/. The summary goes to stdout; progress and the server's output (prefixed [server]) to
// stderr.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { and, asc, eq, sql } from 'drizzle-orm';
import { systemActor } from '../src/auth/actor';
import { contacts } from '../src/contacts/tables';
import { createCreditNote } from '../src/credit-notes/service';
import { createCustomer } from '../src/customers/service';
import { customers, customerTypes } from '../src/customers/tables';
import { selectRows, type Db } from '../src/db/client';
import { insertMany } from '../src/db/insert-many';
import { toGlobalId } from '../src/graph/ids';
import { addDays, today } from '../src/invoices/payer';
import { invoiceLines, invoices } from '../src/invoices/tables';
import { reversePayment } from '../src/payments/service';
import { allocations, paymentMethods, payments } from '../src/payments/tables';
import { bench, type Server, sampleStats, type Sample, type Stats } from './harness';

const BIG_CUSTOMER = 'Bench Money Ltd';
const INVOICES = 10_000;
const PAYMENTS = 10_000;
/** Days the invoices are spread over, ending today. */
const SPAN_DAYS = 1_000;
/** The most recent invoices, left open (every fourth part-paid). */
const RECENT_OPEN = 200;
/** Payments left on account (unallocated). */
const ON_ACCOUNT = 10;
const CREDITOR_DAYS = 30;
const BATCH = 2_000;

const TARGETS = { balance: 50, statement: 200, pdf: 1_000 } as const;

const harness = bench('bench:money');
const { log, build, withDemo, startServer, stopServer } = harness;
// Annotated, so that TypeScript knows code after a call to it does not run.
const fail: (message: string) => never = harness.fail;

type Settings = { databaseUrl: string; dataDir: string | null; iterations: number; warmup: number; build: boolean };

function readSettings(): Settings {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { iterations: { type: 'string' }, warmup: { type: 'string' }, 'skip-build': { type: 'boolean' }, 'data-dir': { type: 'string' } },
    strict: true,
  });
  const databaseUrl = process.env.DATABASE_URL ?? '';
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : null;
  if (!databaseUrl && !dataDir) {
    fail(
      'Name the database: DATABASE_URL for PostgreSQL (never the test database), or --data-dir <dir> for the embedded one (not your .data):\n' +
        "  psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_money'\n" +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_money npm run bench:money',
    );
  }
  if (databaseUrl && dataDir) fail('Give DATABASE_URL or --data-dir, not both.');
  const whole = (name: string, flag: string | undefined, env: string | undefined, fallback: number, min: number): number => {
    const raw = flag ?? (env || undefined);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) fail(`${name}: expected a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    databaseUrl,
    dataDir,
    iterations: whole('iterations', values.iterations, process.env.BENCH_ITERATIONS, 100, 1),
    warmup: whole('warmup', values.warmup, process.env.BENCH_WARMUP, 20, 0),
    build: !values['skip-build'],
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding (not timed by the measurements)

type Seeded = { customerId: string; ms: number | null; counts: Record<string, number> };

/** A timestamp on `date` at `hour` UTC, never in the future. */
function stamp(date: string, hour: number, offsetMs = 0): string {
  return new Date(Math.min(Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`) + offsetMs, Date.now() - 60_000)).toISOString();
}

/** What the database computes for a line (src/invoices/tables.ts): net and tax, each rounded half away from zero. */
function lineTotal(quantityMilli: number, unitPriceMinor: number, taxRateBp: number): number {
  const net = Math.round((quantityMilli * unitPriceMinor) / 1000);
  return net + Math.round((net * taxRateBp) / 10_000);
}

async function counts(db: Db, customerId: string): Promise<Record<string, number>> {
  const [row] = await selectRows<Record<string, number>>(
    db,
    sql`select (select count(*)::int from invoices where customer_id = ${customerId}) as invoices,
      (select count(*)::int from invoices where customer_id = ${customerId} and status in ('ISSUED', 'PART_PAID')) as "open invoices",
      (select count(*)::int from payments where customer_id = ${customerId}) as payments,
      (select count(*)::int from allocations a join invoices i on i.id = a.invoice_id where i.customer_id = ${customerId}) as allocations,
      (select count(*)::int from credit_notes where customer_id = ${customerId}) as "credit notes",
      (select count(*)::int from customers c where c.organisation_id = (select organisation_id from customers where id = ${customerId})) as "customers in the organisation"`,
  );
  return row!;
}

async function seedBigCustomer(db: Db, organisationId: string): Promise<Seeded> {
  const [existing] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.organisationId, organisationId), eq(customers.name, BIG_CUSTOMER)));
  if (existing) {
    const found = await counts(db, existing.id);
    if (found.invoices! < INVOICES || found.payments! < PAYMENTS) {
      fail(
        `"${BIG_CUSTOMER}" exists with ${found.invoices} invoices and ${found.payments} payments (an interrupted seeding?): drop the database and run again`,
      );
    }
    log(`"${BIG_CUSTOMER}" is seeded already; no seeding needed`);
    return { customerId: existing.id, ms: null, counts: found };
  }
  const started = Date.now();
  const actor = systemActor(organisationId, 'bench:money');
  // A business: several contacts, none of them primary.
  const [type] = await db
    .select()
    .from(customerTypes)
    .where(and(eq(customerTypes.organisationId, organisationId), eq(customerTypes.allowsPrimaryContact, false)))
    .orderBy(asc(customerTypes.name))
    .limit(1);
  if (!type) fail('the demo organisation has no customer type for businesses');
  const { customer } = await createCustomer(db, actor, {
    name: BIG_CUSTOMER,
    typeId: toGlobalId('CustomerType', type!.id),
    vatNumber: 'GB999999973',
    thirdPartyReference: 'BENCH-MONEY',
    creditorDays: CREDITOR_DAYS,
    creditLimit: { amountMinor: 50_000_000 },
    address: { type: 'BILLING', isDefault: true, line1: '1 Ledger Street', town: 'Bristol', postcode: 'BS1 4DJ', country: 'GB' },
    contacts: ['Accounts', 'Facilities', 'Site North', 'Site South'].map((surname) => ({ firstName: 'Bench', surname })),
  });
  const customerId = customer.id;
  const contactIds = (await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.customerId, customerId)).orderBy(asc(contacts.surname))).map(
    (c) => c.id,
  );
  const [method] = await db
    .select({ id: paymentMethods.id })
    .from(paymentMethods)
    .where(and(eq(paymentMethods.organisationId, organisationId), eq(paymentMethods.name, 'Bank transfer')));
  if (!method) fail('the demo organisation has no "Bank transfer" payment method');

  // Invoices, as drafts with their lines; the lines' trigger keeps each total.
  const now = today();
  type Planned = { id: string; issueDate: string; total: number };
  const planned: Planned[] = [];
  const invoiceRows: Array<typeof invoices.$inferInsert> = [];
  const lineRows: Array<typeof invoiceLines.$inferInsert> = [];
  for (let i = 0; i < INVOICES; i++) {
    const id = randomUUID();
    const issueDate = addDays(now, -Math.floor(((INVOICES - 1 - i) * SPAN_DAYS) / INVOICES));
    const lines = [
      {
        description: ['Annual service', 'Gas safety certificate', 'Call-out', 'Parts'][i % 4]!,
        quantityMilli: 1000,
        unitPriceMinor: 6_000 + ((i * 37) % 200) * 100,
      },
      { description: 'Labour (hours)', quantityMilli: 500 * (1 + (i % 4)), unitPriceMinor: 4_500 },
    ];
    planned.push({ id, issueDate, total: lines.reduce((sum, l) => sum + lineTotal(l.quantityMilli, l.unitPriceMinor, 2000), 0) });
    const createdAt = stamp(issueDate, 8, (i % 10) * 60_000);
    invoiceRows.push({
      id,
      organisationId,
      customerId,
      contactId: i % 5 === 4 ? null : contactIds[i % contactIds.length]!,
      currency: customer.currency,
      issueDate,
      dueDate: addDays(issueDate, CREDITOR_DAYS),
      createdAt: createdAt as unknown as Date,
      updatedAt: createdAt as unknown as Date,
    });
    lines.forEach((l, position) =>
      lineRows.push({ ...l, organisationId, invoiceId: id, position, taxRateBp: 2000, category: position === 0 ? 'Work' : 'Labour' }),
    );
  }
  log(`seeding "${BIG_CUSTOMER}": ${INVOICES} invoices with ${lineRows.length} lines`);
  await db.transaction(async (tx) => {
    for (let at = 0; at < invoiceRows.length; at += BATCH) await insertMany(tx, invoices, invoiceRows.slice(at, at + BATCH));
    for (let at = 0; at < lineRows.length; at += BATCH) await insertMany(tx, invoiceLines, lineRows.slice(at, at + BATCH));
    // Issued: numbered from the organisation's gapless sequence, in date order.
    const [range] = await selectRows<{ last: number }>(
      tx,
      sql`insert into number_sequences (organisation_id, kind, last_number) values (${organisationId}, 'INVOICE', ${INVOICES})
        on conflict (organisation_id, kind) do update set last_number = number_sequences.last_number + ${INVOICES} returning last_number as last`,
    );
    await tx.execute(sql`update invoices i set status = 'ISSUED', number = ${range!.last - INVOICES} + x.rn
      from (select id, row_number() over (order by issue_date, created_at, id) as rn from invoices where customer_id = ${customerId} and status = 'DRAFT') x
      where i.id = x.id`);
  });
  const totals = await selectRows<{ id: string; total: string }>(db, sql`select id, total_minor as total from invoices where customer_id = ${customerId}`);
  const totalOf = new Map(totals.map((r) => [r.id, Number(r.total)]));
  for (const p of planned) {
    if (totalOf.get(p.id) !== p.total) fail(`invoice ${p.id}: the database totalled ${totalOf.get(p.id)}, the plan ${p.total}`);
  }

  // Payments: most pay one invoice in full some days after issue; the open invoices' share is spent
  // on part-payments, invoices paid in two payments, and a few payments on account.
  type Payment = { id: string; receivedOn: string; amount: number; to: Array<{ invoice: Planned; amount: number }> };
  const paymentPlan: Payment[] = [];
  const pay = (receivedOn: string, amount: number, to: Payment['to']) =>
    paymentPlan.push({ id: randomUUID(), receivedOn: receivedOn > now ? now : receivedOn, amount, to });
  const isOpen = (i: number) => i >= INVOICES - RECENT_OPEN || i % 997 === 500;
  const settled: Planned[] = [];
  planned.forEach((invoice, i) => {
    if (!isOpen(i)) settled.push(invoice);
    else if (i >= INVOICES - RECENT_OPEN && i % 4 === 0) {
      const half = Math.floor(invoice.total / 2);
      pay(addDays(invoice.issueDate, 3), half, [{ invoice, amount: half }]);
    }
  });
  for (let k = 0; k < ON_ACCOUNT; k++) pay(addDays(now, -k * 2), 10_000 + k * 500, []);
  const splits = PAYMENTS - paymentPlan.length - settled.length;
  if (splits < 0 || splits > settled.length) fail(`the payment plan does not come to ${PAYMENTS} payments`);
  const stride = Math.floor(settled.length / Math.max(1, splits));
  settled.forEach((invoice, n) => {
    const receivedOn = addDays(invoice.issueDate, 10 + (n % 25));
    if (splits > 0 && n % stride === 0 && n / stride < splits) {
      const first = Math.floor(invoice.total / 3);
      pay(addDays(invoice.issueDate, 7), first, [{ invoice, amount: first }]);
      pay(receivedOn, invoice.total - first, [{ invoice, amount: invoice.total - first }]);
    } else pay(receivedOn, invoice.total, [{ invoice, amount: invoice.total }]);
  });
  if (paymentPlan.length !== PAYMENTS) fail(`planned ${paymentPlan.length} payments, not ${PAYMENTS}`);

  log(`seeding "${BIG_CUSTOMER}": ${PAYMENTS} payments and their allocations`);
  await db.transaction(async (tx) => {
    const paymentRows: Array<typeof payments.$inferInsert> = paymentPlan.map((p, n) => {
      const createdAt = stamp(p.receivedOn, 10, n % 1000) as unknown as Date;
      return {
        id: p.id,
        organisationId,
        customerId,
        methodId: method!.id,
        amountMinor: p.amount,
        currency: customer.currency,
        receivedOn: p.receivedOn,
        reference: `BACS ${String(n + 1).padStart(6, '0')}`,
        nominalAccount: '1200',
        createdAt,
        updatedAt: createdAt,
      };
    });
    for (let at = 0; at < paymentRows.length; at += BATCH) await insertMany(tx, payments, paymentRows.slice(at, at + BATCH));
    // Allocated when received: the as-of figures of any past date are right too.
    const allocationRows: Array<typeof allocations.$inferInsert> = paymentPlan.flatMap((p, n) =>
      p.to.map((a) => ({
        organisationId,
        invoiceId: a.invoice.id,
        paymentId: p.id,
        amountMinor: a.amount,
        createdAt: stamp(p.receivedOn, 12, n % 1000) as unknown as Date,
      })),
    );
    for (let at = 0; at < allocationRows.length; at += BATCH) await insertMany(tx, allocations, allocationRows.slice(at, at + BATCH));
  });

  // Through the services: a bounced payment (its invoice owes again), a credit note against an open
  // invoice allocated to it, and one on account.
  log(`seeding "${BIG_CUSTOMER}": a reversed payment and two credit notes`);
  const bounced = paymentPlan[Math.floor(paymentPlan.length / 2)]!;
  await reversePayment(db, actor, bounced.id, { id: toGlobalId('Payment', bounced.id), reason: 'Bank returned the payment' });
  const credited = planned[INVOICES - 3]!;
  await createCreditNote(db, actor, {
    invoiceId: toGlobalId('Invoice', credited.id),
    reason: 'Labour overcharged',
    allocateToInvoice: true,
    lines: [{ description: 'Labour refund', quantity: '1', unitPriceMinor: 2_000, taxRatePercent: 20 }],
  });
  await createCreditNote(db, actor, {
    customerId: toGlobalId('Customer', customerId),
    reason: 'Goodwill',
    lines: [{ description: 'Goodwill credit', quantity: '1', unitPriceMinor: 5_000 }],
  });
  for (const table of ['invoices', 'invoice_lines', 'payments', 'allocations', 'credit_notes']) await db.execute(sql`analyze ${sql.identifier(table)}`);
  return { customerId, ms: Date.now() - started, counts: await counts(db, customerId) };
}

// ---------------------------------------------------------------------------------------------
// A small client

type Answer = { body: any; ms: number; statements: number; bytes: number };

function client(server: Server, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  const parse = (res: Response, text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      return fail(`HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
  };
  async function graphql(query: string, variables: Record<string, unknown>): Promise<Answer> {
    const started = performance.now();
    const res = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    const body = parse(res, text);
    if (res.status !== 200 || body.errors?.length) fail(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? text).slice(0, 1000)}`);
    return { body: body.data, ms, statements: Number(res.headers.get('x-sql-statements') ?? NaN), bytes: text.length };
  }
  async function get(url: string): Promise<Answer> {
    const started = performance.now();
    const res = await fetch(`${server.baseUrl}${url}`, { headers });
    const bytes = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - started;
    if (res.status !== 200) fail(`GET ${url}: HTTP ${res.status}: ${bytes.toString('utf8').slice(0, 500)}`);
    if (res.headers.get('content-type') !== 'application/pdf' || bytes.subarray(0, 5).toString() !== '%PDF-') fail(`GET ${url}: not a PDF`);
    return { body: bytes, ms, statements: Number(res.headers.get('x-sql-statements') ?? NaN), bytes: bytes.length };
  }
  return { graphql, get };
}
type Client = ReturnType<typeof client>;

// ---------------------------------------------------------------------------------------------
// Measurement

const BALANCE_FIELDS = `asOf currency outstanding { amountMinor formatted } overdue { amountMinor formatted } accountCredit { amountMinor formatted }
  balance { amountMinor formatted } creditLimit { formatted } creditLimitRemaining { formatted } debtAgeDays
  aging { label amount { amountMinor formatted } } lastPayment { receivedOn amount { formatted } } salesThisYear { formatted } salesLifetime { amountMinor formatted }`;

const BASELINE = `query MoneyBaseline($id: ID!) { customer(id: $id) { id name } }`;
const BALANCE = `query MoneyBalance($id: ID!) { customer(id: $id) { id balance { ${BALANCE_FIELDS} } } }`;
const STATEMENT = `query MoneyStatement($id: ID!) { customer(id: $id) { statement(groupByContact: true) {
  asOf currency pdfUrl balance { ${BALANCE_FIELDS} }
  groups { contact { id fullName } open { amountMinor formatted }
    lines { kind reference date dueDate daysOverdue total { amountMinor formatted } open { amountMinor formatted } } } } } }`;
const PAGE = `query MoneyPage { customers(first: 50) { nodes { id name balance { ${BALANCE_FIELDS} } } } }`;
const LEDGER = `query MoneyLedger($id: ID!) { customer(id: $id) { ledger(last: 50) { totalCount
  nodes { kind date amount { amountMinor } effect { amountMinor } balance { amountMinor formatted } } } } }`;

const stats = sampleStats;

type Scenario = { name: string; target: number | null; run(): Promise<Answer> };

async function measure(scenario: Scenario, settings: Settings): Promise<Stats> {
  for (let i = 0; i < settings.warmup; i++) await scenario.run();
  const samples: Sample[] = [];
  for (let i = 0; i < settings.iterations; i++) samples.push(await scenario.run());
  return stats(samples);
}

/** Checks the answers agree with each other before anything is timed; returns what the report shows of them. */
async function check(
  api: Client,
  customerId: string,
): Promise<{ lines: number; groups: number; balance: string; pdfUrl: string; ledgerEntries: number; pageShape: string }> {
  const balance = (await api.graphql(BALANCE, { id: customerId })).body.customer.balance;
  const statement = (await api.graphql(STATEMENT, { id: customerId })).body.customer.statement;
  const open = statement.groups.reduce((sum: number, g: any) => sum + g.open.amountMinor, 0);
  if (open !== balance.balance.amountMinor) fail(`the statement's open items come to ${open}, the balance is ${balance.balance.amountMinor}`);
  if (statement.balance.balance.amountMinor !== balance.balance.amountMinor) fail('the statement and Customer.balance disagree');
  const lines = statement.groups.reduce((n: number, g: any) => n + g.lines.length, 0);
  if (lines < 100) fail(`the statement has ${lines} lines; the seeding should leave a few hundred open`);
  const page = (await api.graphql(PAGE, {})).body.customers.nodes;
  if (page.length !== 50) fail(`a page of customers has ${page.length}, not 50 (the organisation needs 50+ customers)`);
  const pageShape = `${page.some((c: any) => c.id === customerId) ? `"${BIG_CUSTOMER}" among them, ` : ''}${page.filter((c: any) => c.balance.salesLifetime.amountMinor > 0).length} with sales`;
  const ledger = (await api.graphql(LEDGER, { id: customerId })).body.customer.ledger;
  const last = ledger.nodes[ledger.nodes.length - 1];
  if (last.balance.amountMinor !== balance.balance.amountMinor)
    fail(`the ledger ends at ${last.balance.amountMinor}, the balance is ${balance.balance.amountMinor}`);
  return { lines, groups: statement.groups.length, balance: balance.balance.formatted, pdfUrl: statement.pdfUrl, ledgerEntries: ledger.totalCount, pageShape };
}

// ---------------------------------------------------------------------------------------------

function report(
  settings: Settings,
  database: string,
  seeded: Seeded,
  checked: Awaited<ReturnType<typeof check>>,
  results: Array<{ scenario: Scenario; stats: Stats }>,
  load: { before: number },
): string {
  const row = (label: string, value: string | number) => `  ${label.padEnd(30)} ${value}`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const lines = [
    '',
    '=== Benchmark: money (balance, statement, statement PDF, customers with balances) ===',
    row('Node', `${process.version} (${os.cpus().length} CPUs, ${os.platform()} ${os.arch()})`),
    row('Database', database),
    row(
      'Big customer',
      Object.entries(seeded.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', '),
    ),
    row(
      'Its statement',
      `${checked.lines} open lines in ${checked.groups} contact groups, balance ${checked.balance}; ledger of ${checked.ledgerEntries} entries`,
    ),
    row('Seeding', seeded.ms === null ? 'none needed (seeded before)' : `${(seeded.ms / 1000).toFixed(1)} s`),
    row('Requests', `${settings.iterations} per scenario (after ${settings.warmup} warm-up), one at a time`),
    row('Load average (1 min)', `${load.before.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after (the machine's, not only this run's)`),
  ];
  for (const { scenario, stats: s } of results) {
    lines.push(
      '',
      `--- ${scenario.name}`,
      row('Latency p50 / p95 / p99', `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`),
      row('Latency mean / max', `${ms(s.mean)} / ${ms(s.max)}`),
      row('SQL statements per request', s.statements),
      row('Response size', `${(s.bytes / 1024).toFixed(1)} KiB`),
      row(
        scenario.target === null ? 'Target' : `Target p95 < ${scenario.target} ms`,
        scenario.target === null ? 'none' : s.p95 < scenario.target ? 'met' : `NOT met (${ms(s.p95)})`,
      ),
    );
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (settings.dataDir) process.env.DATA_DIR = settings.dataDir;
  if (settings.build) build();
  const prepared = await withDemo(settings.databaseUrl, async (demo) => ({
    token: demo.adminToken,
    version: demo.postgresVersion,
    seeded: await seedBigCustomer(demo.db, demo.organisationId),
  }));
  const database = settings.dataDir ? `embedded (PGlite, PostgreSQL ${prepared.version}) in ${settings.dataDir}` : `PostgreSQL ${prepared.version}`;
  const server = await startServer({ databaseUrl: settings.databaseUrl, env: { EXPOSE_SQL_COUNT: 'true' } });
  const interrupt = () => {
    server.process.kill('SIGTERM');
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  try {
    const api = client(server, prepared.token);
    const id = toGlobalId('Customer', prepared.seeded.customerId);
    const checked = await check(api, id);
    const scenarios: Scenario[] = [
      { name: 'customer(id:) { id name }: the floor of any request here', target: null, run: () => api.graphql(BASELINE, { id }) },
      { name: `Customer.balance of "${BIG_CUSTOMER}"`, target: TARGETS.balance, run: () => api.graphql(BALANCE, { id }) },
      { name: 'Customer.statement (JSON, grouped by contact)', target: TARGETS.statement, run: () => api.graphql(STATEMENT, { id }) },
      { name: 'Statement PDF (GET /pdf/statements/…, grouped by contact)', target: TARGETS.pdf, run: () => api.get(checked.pdfUrl) },
      { name: `customers(first: 50) with their balances (${checked.pageShape})`, target: null, run: () => api.graphql(PAGE, {}) },
      { name: 'Customer.ledger(last: 50): the newest page, running balance', target: null, run: () => api.graphql(LEDGER, { id }) },
    ];
    const results: Array<{ scenario: Scenario; stats: Stats }> = [];
    const load = { before: os.loadavg()[0]! };
    for (const scenario of scenarios) {
      log(`measuring: ${scenario.name}`);
      results.push({ scenario, stats: await measure(scenario, settings) });
    }
    process.stdout.write(report(settings, database, prepared.seeded, checked, results, load));
  } finally {
    process.removeListener('SIGINT', interrupt);
    await stopServer(server);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
