// Benchmark of the two conversion workflows (docs/domain.md#conversions) on a real PostgreSQL, through
// the GraphQL HTTP API: `signQuote` on a lead (the lead becomes a PENDING customer with its contacts,
// addresses, notes and documents, the quote is signed and its sales order raised) and
// `convertSalesOrderToAssets` (the order's asset lines become assets at a work address, the customer
// goes LIVE).
//
// What it measures: the latency of each mutation, one request at a time (no concurrent load: the
// issue's target is a single conversion's p95 < 50 ms), p50/p95/p99 over N iterations, and the SQL
// statements each request issued (the server's X-SQL-Statements header). Each iteration works on its
// own lead, made during setup and not timed: 5 contacts, 3 addresses, 20 notes, 5 documents (small
// PDFs, bytes in the database) and a SENT quote with 3 asset lines and 1 labour line. The work address
// each order's assets go to is made between the two phases, also untimed. A few warm-up iterations
// run first and are not reported.
//
// How to run (the database is migrated, and the demo organisation created, if needed):
//   psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_conversions'
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_conversions npm run bench:conversions
//   DATABASE_URL=... npm run bench:conversions -- --iterations 500 --skip-build
// Settings: --iterations (BENCH_ITERATIONS, default 200), --warmup (BENCH_WARMUP, default 10),
// --skip-build to reuse dist/. The summary goes to stdout; progress and the server's output (prefixed
// [server]) to stderr.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bench, type Server, sampleStats, type Sample, type Stats } from './harness';

type Settings = { databaseUrl: string; iterations: number; warmup: number; build: boolean };

const TARGET_P95_MS = 50;
/** Leads set up at once (setup is not measured; this only makes it quicker). */
const SETUP_CONCURRENCY = 8;

const harness = bench('bench:conversions');
const { log, build, withDemo, startServer, stopServer } = harness;
// Annotated, so that TypeScript knows code after a call to it does not run.
const fail: (message: string) => never = harness.fail;

function readSettings(): Settings {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { iterations: { type: 'string' }, warmup: { type: 'string' }, 'skip-build': { type: 'boolean' } },
    strict: true,
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    fail(
      'DATABASE_URL is not set. Benchmarks belong on a real PostgreSQL server, not the embedded database (and never on the test database):\n' +
        "  psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_conversions'\n" +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_conversions npm run bench:conversions',
    );
  }
  const whole = (name: string, flag: string | undefined, env: string | undefined, fallback: number, min: number): number => {
    const raw = flag ?? (env || undefined);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) fail(`${name}: expected a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    databaseUrl,
    iterations: whole('iterations', values.iterations, process.env.BENCH_ITERATIONS, 200, 1),
    warmup: whole('warmup', values.warmup, process.env.BENCH_WARMUP, 10, 0),
    build: !values['skip-build'],
  };
}

// ---------------------------------------------------------------------------------------------
// A small client

type Answer = { data: any; ms: number; statements: number };

function client(server: Server, token: string) {
  const url = `${server.baseUrl}/graphql`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  /** One GraphQL request; fails the benchmark on GraphQL errors or user errors in the named payload. */
  async function graphql(query: string, variables: Record<string, unknown>, payloadName?: string): Promise<Answer> {
    const started = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    const ms = performance.now() - started;
    let body: { data?: any; errors?: unknown[] };
    try {
      body = JSON.parse(text);
    } catch {
      return fail(`HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (res.status !== 200 || body.errors?.length) fail(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? text).slice(0, 1000)}`);
    const userErrors = payloadName ? body.data?.[payloadName]?.userErrors : undefined;
    if (userErrors?.length) fail(`${payloadName}: ${JSON.stringify(userErrors)}`);
    return { data: body.data, ms, statements: Number(res.headers.get('x-sql-statements') ?? NaN) };
  }
  async function uploadDocument(recordId: string, name: string, bytes: Buffer): Promise<void> {
    const form = new FormData();
    form.append('recordId', recordId);
    form.append('file', new Blob([bytes], { type: 'application/pdf' }), name);
    const res = await fetch(`${server.baseUrl}/documents`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 201) fail(`POST /documents: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
  return { graphql, uploadDocument };
}
type Client = ReturnType<typeof client>;

// ---------------------------------------------------------------------------------------------
// Setup (not timed)

const USER_ERRORS = 'userErrors { field code message }';

type AssetItems = { group: string; make: string; model: string; otherGroup: string };

/** Asset reference items for the quotes' lines, named per run (names are unique per organisation). */
async function assetItems(api: Client, run: string): Promise<AssetItems> {
  const add = async (list: string, name: string, makeId?: string) =>
    (
      await api.graphql(
        `mutation($input: CreateAssetListItemInput!) { createAssetListItem(input: $input) { item { id } ${USER_ERRORS} } }`,
        { input: { list, name, makeId } },
        'createAssetListItem',
      )
    ).data.createAssetListItem.item.id as string;
  const group = await add('GROUP', `Boilers ${run}`);
  const otherGroup = await add('GROUP', `Radiators ${run}`);
  const make = await add('MAKE', `Bench Make ${run}`);
  const model = await add('MODEL', `Bench Model ${run}`, make);
  return { group, make, model, otherGroup };
}

type Prepared = { leadId: string; quoteId: string };

/** A lead with 5 contacts, 3 addresses, 20 notes, 5 documents and a SENT quote with 3 asset lines. */
async function prepareLead(api: Client, items: AssetItems, n: number, run: string): Promise<Prepared> {
  const lead = await api.graphql(
    `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } ${USER_ERRORS} } }`,
    {
      input: {
        name: `Bench Conversion ${run}-${n}`,
        vatNumber: 'GB123456789',
        contacts: Array.from({ length: 5 }, (_, i) => ({
          firstName: `Contact${i}`,
          surname: `Bench${n}`,
          emails: [{ address: `c${i}.${n}.${run}@example.test` }],
          phones: [{ type: 'MOBILE', number: `+4477009${String((n * 5 + i) % 100000).padStart(5, '0')}` }],
        })),
        addresses: [
          { type: 'BILLING', isDefault: true, line1: `${n} Bench Street`, town: 'Bristol', postcode: 'BS1 4DJ' },
          { type: 'SHIPPING', isDefault: true, line1: `${n} Depot Lane`, town: 'Bristol', postcode: 'BS2 0AA' },
          { type: 'TRADING', line1: `${n} Market Row`, town: 'Bath', postcode: 'BA1 1AA' },
        ],
      },
    },
    'createLead',
  );
  const leadId = lead.data.createLead.lead.id as string;
  for (let i = 0; i < 20; i++) {
    await api.graphql(
      `mutation($input: CreateNoteInput!) { createNote(input: $input) { note { id } ${USER_ERRORS} } }`,
      { input: { ownerId: leadId, body: `<p>Note ${i} about <b>lead ${n}</b>: called, left a message.</p>` } },
      'createNote',
    );
  }
  const pdf = Buffer.from(`%PDF-1.4 bench survey of lead ${n}\n`.repeat(100));
  for (let i = 0; i < 5; i++) await api.uploadDocument(leadId, `survey-${i}.pdf`, pdf);
  const quote = await api.graphql(
    `mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } ${USER_ERRORS} } }`,
    {
      input: {
        recordId: leadId,
        lines: [
          { description: 'Boiler install', quantity: '1', unitPriceMinor: 150_000, taxRatePercent: 20, assetGroupId: items.group, assetModelId: items.model },
          { description: 'Radiators', quantity: '4', unitPriceMinor: 12_000, taxRatePercent: 20, assetGroupId: items.otherGroup },
          { description: 'Flue kit', quantity: '1', unitPriceMinor: 9_000, taxRatePercent: 20, assetMakeId: items.make },
          { description: 'Labour', quantity: '6.5', unitPriceMinor: 4_500, taxRatePercent: 20 },
        ],
      },
    },
    'createQuote',
  );
  const quoteId = quote.data.createQuote.quote.id as string;
  await api.graphql(
    `mutation($input: QuoteTransitionInput!) { sendQuote(input: $input) { quote { id } ${USER_ERRORS} } }`,
    { input: { id: quoteId } },
    'sendQuote',
  );
  return { leadId, quoteId };
}

/** Runs `work` for 0..count-1 with at most `concurrency` at once, in order of start. */
async function pool<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await work(i);
      done++;
      if (done % 50 === 0 || done === count) log(`  set up ${done}/${count}`);
    }
  });
  await Promise.all(workers);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Measurement

const SIGN = `mutation Sign($input: SignQuoteInput!) { signQuote(input: $input) {
  quote { id status } customer { id stage } lead { id status } salesOrder { id version } ${USER_ERRORS} } }`;
const CONVERT = `mutation Convert($input: ConvertSalesOrderToAssetsInput!) { convertSalesOrderToAssets(input: $input) {
  salesOrder { id convertedToAssetsAt } customer { id stage } assets { id } ${USER_ERRORS} } }`;

const stats = sampleStats;

async function measure(api: Client, leads: Prepared[]): Promise<{ sign: Sample[]; convert: Sample[] }> {
  const sign: Sample[] = [];
  const orders: Array<{ salesOrderId: string; version: number; customerId: string }> = [];
  for (const lead of leads) {
    const answer = await api.graphql(SIGN, { input: { quoteId: lead.quoteId, idempotencyKey: `sign-${lead.quoteId}` } }, 'signQuote');
    const signed = answer.data.signQuote;
    if (signed.customer.stage !== 'PENDING' || signed.lead?.status !== 'CONVERTED') fail(`signQuote: unexpected answer ${JSON.stringify(signed)}`);
    sign.push({ ms: answer.ms, statements: answer.statements });
    orders.push({ salesOrderId: signed.salesOrder.id, version: signed.salesOrder.version, customerId: signed.customer.id });
  }
  // Where each order's assets go: one work address per customer, made now (untimed).
  const sites: string[] = [];
  for (const order of orders) {
    const made = await api.graphql(
      `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } ${USER_ERRORS} } }`,
      { input: { customerId: order.customerId, line1: '1 Site Road', postcode: 'BS3 3CC' } },
      'createWorkAddress',
    );
    sites.push(made.data.createWorkAddress.workAddress.id);
  }
  const convert: Sample[] = [];
  for (const [i, order] of orders.entries()) {
    const answer = await api.graphql(
      CONVERT,
      { input: { salesOrderId: order.salesOrderId, workAddressId: sites[i], expectedVersion: order.version, idempotencyKey: `convert-${order.salesOrderId}` } },
      'convertSalesOrderToAssets',
    );
    const converted = answer.data.convertSalesOrderToAssets;
    if (converted.customer.stage !== 'LIVE' || converted.assets.length !== 3) fail(`convertSalesOrderToAssets: unexpected answer ${JSON.stringify(converted)}`);
    convert.push({ ms: answer.ms, statements: answer.statements });
  }
  return { sign, convert };
}

// ---------------------------------------------------------------------------------------------

function report(settings: Settings, postgres: string, setupMs: number, results: Array<{ name: string; stats: Stats }>): string {
  const row = (label: string, value: string | number) => `  ${label.padEnd(30)} ${value}`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const lines = [
    '',
    '=== Benchmark: conversions (signQuote, convertSalesOrderToAssets) ===',
    row('Node', `${process.version} (${os.cpus().length} CPUs, ${os.platform()} ${os.arch()})`),
    row('PostgreSQL', postgres),
    row('Iterations', `${settings.iterations} (after ${settings.warmup} warm-up iterations, not reported), one request at a time`),
    row('Each lead', '5 contacts, 3 addresses, 20 notes, 5 documents; SENT quote with 3 asset lines + 1 labour line'),
    row('Setup (untimed)', `${(setupMs / 1000).toFixed(1)} s`),
  ];
  for (const { name, stats: s } of results) {
    lines.push(
      '',
      `--- ${name}`,
      row('Latency p50 / p95 / p99', `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`),
      row('Latency mean / min / max', `${ms(s.mean)} / ${ms(s.min)} / ${ms(s.max)}`),
      row('SQL statements per request', s.statements),
      row(`Target p95 < ${TARGET_P95_MS} ms`, s.p95 < TARGET_P95_MS ? 'met' : `NOT met (${ms(s.p95)})`),
    );
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (settings.build) build();
  const { adminToken, postgresVersion } = await withDemo(settings.databaseUrl, async (demo) => demo);
  const server = await startServer({ databaseUrl: settings.databaseUrl, env: { EXPOSE_SQL_COUNT: 'true' } });
  const interrupt = () => {
    server.process.kill('SIGTERM');
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  try {
    const api = client(server, adminToken);
    const run = `${Date.now().toString(36)}`;
    const total = settings.warmup + settings.iterations;
    log(`setting up ${total} leads (untimed, ${SETUP_CONCURRENCY} at a time)`);
    const setupStarted = Date.now();
    const items = await assetItems(api, run);
    const leads = await pool(total, SETUP_CONCURRENCY, (i) => prepareLead(api, items, i, run));
    const setupMs = Date.now() - setupStarted;
    if (settings.warmup) {
      log(`warming up: ${settings.warmup} signings and conversions`);
      await measure(api, leads.slice(0, settings.warmup));
    }
    log(`measuring: ${settings.iterations} signings, then ${settings.iterations} conversions`);
    const measured = await measure(api, leads.slice(settings.warmup));
    process.stdout.write(
      report(settings, postgresVersion, setupMs, [
        { name: 'signQuote (lead → PENDING customer, quote SIGNED, sales order raised)', stats: stats(measured.sign) },
        { name: 'convertSalesOrderToAssets (3 assets at a work address, customer → LIVE)', stats: stats(measured.convert) },
      ]),
    );
  } finally {
    process.removeListener('SIGINT', interrupt);
    await stopServer(server);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
