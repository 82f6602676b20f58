// Benchmark of the customer page and the customer searches as the number of customers grows, up to
// a million, one request at a time over HTTP (the compiled server, rule tree on, as in production).
//
// What it measures, at each size, p50/p95 over --iterations requests after --warmup unreported ones:
//   page              the performance issue's page: customers(first: 50) with 10 contacts and 10
//                     addresses each              target: within 20% of its figure at 10,000 customers
//   name common (…)   customers(first: 50, filter: { name }) for the most frequent first word of the
//                     customers' names (a common surname or first name), with and without totalCount
//   name rare         the same for a whole name that only one customer has, with totalCount
//   search (…)        searchCustomers(first: 50, filter:) with nested all / any / not rules (a name
//                     rule on the common word, active or a high credit limit, not of one type), with
//                     and without totalCount
//   Searches' target: p95 < 50 ms. Targets are printed as PASS/MISS for information; a miss does not
//   fail the run. Each row also gives SQL statements per request and Node and PostgreSQL CPU per
//   request (as npm run bench measures them: bench/cpu.ts).
//
// Data: the demo organisation in a database of its own (default crm_bench_scale, created if missing),
// with --contacts contacts and --addresses addresses per customer (3 and 2; the demo organisation's
// own 60 customers too when this benchmark creates it). Seeding only tops up: a database seeded
// before is reused, and a larger one is measured at the size it has. After seeding: VACUUM (ANALYZE).
// With --sizes 10000,100000,1000000 it seeds up to each size in turn and measures after each, so one
// run prints the figures of every size (the page's 10,000 figure is then the baseline of the others).
//
// How to run:
//   npm run bench:scale                                      1,000,000 customers in crm_bench_scale
//   npm run bench:scale -- --sizes 10000,100000,1000000      measured at each size
//   DATABASE_URL=postgres://user@host:5432/anything npm run bench:scale -- --database crm_bench_scale2
// Settings:
//   --customers N       BENCH_CUSTOMERS   the size to seed up to and measure (default 1000000)
//   --sizes a,b,…                         several sizes, ascending (instead of --customers)
//   --contacts N        BENCH_CONTACTS    contacts of each customer seeded (default 3)
//   --addresses N       BENCH_ADDRESSES   addresses of each customer seeded (default 2)
//   --database NAME                       the database on DATABASE_URL's server (default crm_bench_scale;
//                                         DATABASE_URL's own database name is not used)
//   --database-url URL                    exactly this database instead
//   --iterations N      BENCH_ITERATIONS  measured requests per row (default 50)
//   --warmup N                            unreported requests first (default 10)
//   --page-baseline MS                    the page's p50 at 10,000 customers from an earlier run, when
//                                         this run does not measure 10,000 itself
//   --batch-size N                        customers per seeding transaction (default 1000)
//   --skip-build                          reuse dist/ as it is
// Without DATABASE_URL the server is postgres://postgres@127.0.0.1:5432. Summary on stdout, progress on stderr.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { count, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { nameContains } from '../src/customers/service';
import { customers } from '../src/customers/tables';
import { postgresTarget, selectRows, type Db } from '../src/db/client';
import { generateCustomers } from '../src/demo/bulk';
import { toGlobalId } from '../src/graph/ids';
import { cpuMeter, type CpuMeter } from './cpu';
import { bench, ensureDatabase, sampleStats, type Sample, type Server, type Stats } from './harness';

const TARGETS = { searchP95Ms: 50, pageVsBaseline: 0.2, baselineCustomers: 10_000 } as const;

const harness = bench('bench:scale');
const { log, build, withDemo, startServer, stopServer } = harness;
const fail: (message: string) => never = harness.fail;

type Settings = {
  databaseUrl: string;
  sizes: number[];
  contacts: number;
  addresses: number;
  iterations: number;
  warmup: number;
  batchSize: number;
  pageBaseline: number | null;
  build: boolean;
};

function readSettings(): Settings {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      customers: { type: 'string' },
      sizes: { type: 'string' },
      contacts: { type: 'string' },
      addresses: { type: 'string' },
      database: { type: 'string' },
      'database-url': { type: 'string' },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      'page-baseline': { type: 'string' },
      'batch-size': { type: 'string' },
      'skip-build': { type: 'boolean' },
    },
    strict: true,
  });
  const whole = (name: string, raw: string | undefined, fallback: number, min: number, max = Infinity) => {
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min || n > max)
      fail(`${name}: expected a whole number from ${min}${max < Infinity ? ` to ${max}` : ''}, got ${JSON.stringify(raw)}`);
    return n;
  };
  if (values.sizes !== undefined && values.customers !== undefined) fail('give --sizes or --customers, not both');
  const sizes =
    values.sizes !== undefined
      ? values.sizes.split(',').map((raw) => whole('sizes', raw.trim(), NaN, 1))
      : [whole('customers', values.customers ?? process.env.BENCH_CUSTOMERS, 1_000_000, 1)];
  if (sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) fail(`--sizes must ascend, got ${values.sizes}`);

  let databaseUrl: string;
  if (values['database-url']) {
    if (values.database) fail('give --database or --database-url, not both');
    databaseUrl = values['database-url'];
  } else {
    const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
    url.pathname = `/${encodeURIComponent(values.database ?? 'crm_bench_scale')}`;
    databaseUrl = url.toString();
  }
  const baseline = values['page-baseline'];
  const pageBaseline = baseline === undefined ? null : Number(baseline);
  if (pageBaseline !== null && !(pageBaseline > 0)) fail(`--page-baseline: expected milliseconds above 0, got ${JSON.stringify(baseline)}`);
  return {
    databaseUrl,
    sizes,
    contacts: whole('contacts', values.contacts ?? process.env.BENCH_CONTACTS, 3, 0, 100),
    addresses: whole('addresses', values.addresses ?? process.env.BENCH_ADDRESSES, 2, 0, 100),
    iterations: whole('iterations', values.iterations ?? process.env.BENCH_ITERATIONS, 50, 1),
    warmup: whole('warmup', values.warmup, 10, 0),
    batchSize: whole('batch-size', values['batch-size'], 1000, 1, 10_000),
    pageBaseline,
    build: !values['skip-build'],
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding

type Seeding = { customers: number; ms: number; vacuumMs: number } | null;

/** Tops the organisation up to `size` customers; VACUUM (ANALYZE) after. Null when it had enough. */
async function seedUpTo(db: Db, maintenance: postgres.Sql, organisationId: string, size: number, settings: Settings): Promise<Seeding> {
  const existing = await countCustomers(db, organisationId);
  if (existing >= size) {
    log(`${existing} customers already${existing > size ? ` (more than ${size}: measured as they are)` : ''}; no seeding needed`);
    return null;
  }
  const missing = size - existing;
  log(`seeding ${missing} customers (${existing} → ${size}), ${settings.contacts} contacts and ${settings.addresses} addresses each`);
  const started = Date.now();
  let reported = started;
  await generateCustomers(db, {
    organisationId,
    count: missing,
    batchSize: settings.batchSize,
    contactsPerCustomer: settings.contacts,
    addressesPerCustomer: settings.addresses,
    onProgress: (done) => {
      if (done === missing || Date.now() - reported >= 10_000) {
        reported = Date.now();
        const s = (reported - started) / 1000;
        log(`  seeded ${done}/${missing} in ${s.toFixed(0)} s (${Math.round(done / s)}/s)`);
      }
    },
  });
  const ms = Date.now() - started;
  log(`seeded ${missing} customers in ${(ms / 1000).toFixed(1)} s (${Math.round(missing / (ms / 1000))} customers/s); VACUUM (ANALYZE)`);
  const vacuumStarted = Date.now();
  await maintenance`vacuum (analyze) customers, contacts, addresses`;
  return { customers: missing, ms, vacuumMs: Date.now() - vacuumStarted };
}

async function countCustomers(db: Db, organisationId: string): Promise<number> {
  return Number((await db.select({ n: count() }).from(customers).where(eq(customers.organisationId, organisationId)))[0]?.n ?? 0);
}

type PerCustomer = { contacts: number; addresses: number };

/** Contacts and addresses per customer, on average (the seeding makes them exact; an older database may differ). */
async function perCustomer(maintenance: postgres.Sql, organisationId: string): Promise<PerCustomer> {
  const [row] = await maintenance<Array<{ customers: string; contacts: string; addresses: string }>>`
    select (select count(*) from customers where organisation_id = ${organisationId}) as customers,
      (select count(*) from contacts where organisation_id = ${organisationId} and customer_id is not null) as contacts,
      (select count(*) from addresses where organisation_id = ${organisationId} and customer_id is not null) as addresses`;
  const n = Number(row?.customers ?? 0) || 1;
  return { contacts: Number(row?.contacts ?? 0) / n, addresses: Number(row?.addresses ?? 0) / n };
}

type Names = { common: string; commonMatches: number; rare: string; rareMatches: number; typeId: string; typeName: string };

/** The searches' values, from the data: the most frequent first word of the names, and a whole name one customer has. */
async function pickNames(db: Db, maintenance: postgres.Sql, organisationId: string): Promise<Names> {
  const matches = async (text: string) =>
    Number(
      (
        await selectRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from ${customers} where ${customers.organisationId} = ${organisationId} and ${nameContains(text)}`,
        )
      )[0]?.n ?? 0,
    );
  const [word] = await maintenance<Array<{ word: string }>>`
    select min(w) as word from (
      select regexp_replace(split_part(name, ' ', 1), '[^[:alpha:]]', '', 'g') as w from customers where organisation_id = ${organisationId}
    ) words where length(w) >= 3 group by lower(w) order by count(*) desc, lower(w) limit 1`;
  if (!word) fail('no customer names to pick a common word from');
  // Names that only one customer has, in an order that does not follow insertion; the first that no
  // other name contains either (a containment search for it finds one customer).
  const candidates = await maintenance<Array<{ name: string }>>`
    select name from customers where organisation_id = ${organisationId}
    group by name having count(*) = 1 order by md5(name) limit 50`;
  let rare: string | undefined;
  for (const { name } of candidates) {
    if ((await matches(name)) === 1) {
      rare = name;
      break;
    }
  }
  if (!rare) fail('no customer name found that only one customer has');
  const [type] = await maintenance<Array<{ id: string; name: string }>>`
    select id, name from customer_types where organisation_id = ${organisationId} order by name limit 1`;
  if (!type) fail('the organisation has no customer types');
  return { common: word.word, commonMatches: await matches(word.word), rare, rareMatches: 1, typeId: toGlobalId('CustomerType', type.id), typeName: type.name };
}

// ---------------------------------------------------------------------------------------------
// Requests

const PAGE =
  'query BenchPage { customers(first: 50) { nodes { id name contacts(first: 10) { nodes { id fullName emails { address } phones { type number } } } addresses(first: 10) { nodes { id line1 postcode } } } } }';
const NAME_TOTAL = 'query BenchName($name: String!) { customers(first: 50, filter: { name: $name }) { totalCount nodes { id name } } }';
const NAME_PAGE = 'query BenchName($name: String!) { customers(first: 50, filter: { name: $name }) { pageInfo { hasNextPage } nodes { id name } } }';
const SEARCH_TOTAL = 'query BenchSearch($filter: CustomerSearchFilter!) { searchCustomers(first: 50, filter: $filter) { totalCount nodes { id name } } }';
const SEARCH_PAGE =
  'query BenchSearch($filter: CustomerSearchFilter!) { searchCustomers(first: 50, filter: $filter) { pageInfo { hasNextPage } nodes { id name } } }';

function nestedFilter(names: Names) {
  return {
    all: [
      { rule: { field: 'NAME', operator: 'CONTAINS', value: names.common } },
      { any: [{ rule: { field: 'ACTIVE', operator: 'IS_TRUE' } }, { rule: { field: 'CREDIT_LIMIT', operator: 'GREATER_THAN', value: 3_000_000 } }] },
      { not: { rule: { field: 'TYPE', operator: 'EQUALS', value: names.typeId } } },
    ],
  };
}

type Measurement = {
  key: 'page' | 'search';
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** What the first answer held, for the table: rows returned and totalCount when asked for. */
  check(data: any): string;
};

function measurements(names: Names): Measurement[] {
  const connection = (data: any, field: string) => {
    const c = data[field];
    return `${c.nodes.length} rows${c.totalCount === undefined ? '' : ` of ${c.totalCount}`}`;
  };
  const filter = nestedFilter(names);
  return [
    {
      key: 'page',
      name: 'page (50 customers, contacts, addresses)',
      query: PAGE,
      variables: {},
      check: (data) => {
        const nodes = data.customers.nodes as Array<{ contacts: { nodes: unknown[] }; addresses: { nodes: unknown[] } }>;
        const contacts = nodes.reduce((n, c) => n + c.contacts.nodes.length, 0);
        const addresses = nodes.reduce((n, c) => n + c.addresses.nodes.length, 0);
        return `${nodes.length} rows, ${contacts} contacts, ${addresses} addresses`;
      },
    },
    {
      key: 'search',
      name: 'name common, totalCount',
      query: NAME_TOTAL,
      variables: { name: names.common },
      check: (d) => connection(d, 'customers'),
    },
    {
      key: 'search',
      name: 'name common, page only',
      query: NAME_PAGE,
      variables: { name: names.common },
      check: (d) => connection(d, 'customers'),
    },
    {
      key: 'search',
      name: 'name rare, totalCount',
      query: NAME_TOTAL,
      variables: { name: names.rare },
      check: (d) => connection(d, 'customers'),
    },
    { key: 'search', name: 'search all/any/not, totalCount', query: SEARCH_TOTAL, variables: { filter }, check: (d) => connection(d, 'searchCustomers') },
    { key: 'search', name: 'search all/any/not, page only', query: SEARCH_PAGE, variables: { filter }, check: (d) => connection(d, 'searchCustomers') },
  ];
}

function client(server: Server, token: string) {
  return async function graphql(query: string, variables: Record<string, unknown>): Promise<Sample & { data: any }> {
    const started = performance.now();
    const res = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      fail(`HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (res.status !== 200 || body.errors?.length) fail(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? text).slice(0, 1000)}`);
    return { data: body.data, ms, statements: Number(res.headers.get('x-sql-statements') ?? NaN), bytes: text.length };
  };
}

type Row = { measurement: Measurement; stats: Stats; held: string; nodeMs: number | null; postgresMs: number | null };
type SizeResult = { size: number; customers: number; seeding: Seeding; perCustomer: PerCustomer; names: Names; rows: Row[] };

async function measureAll(
  graphql: ReturnType<typeof client>,
  names: Names,
  settings: Settings,
  meter: CpuMeter,
  serverPid: number | undefined,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const m of measurements(names)) {
    log(`measuring: ${m.name}`);
    const first = await graphql(m.query, m.variables);
    const held = m.check(first.data);
    for (let i = 0; i < settings.warmup; i++) await graphql(m.query, m.variables);
    const samples: Sample[] = [];
    const { cpu } = await meter.measure(serverPid, async () => {
      for (let i = 0; i < settings.iterations; i++) samples.push(await graphql(m.query, m.variables));
    });
    const per = (ms: number | null) => (ms === null ? null : ms / settings.iterations);
    rows.push({ measurement: m, stats: sampleStats(samples), held, nodeMs: per(cpu.nodeMs), postgresMs: per(cpu.postgresMs) });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Report

function report(settings: Settings, postgresVersion: string, results: SizeResult[], load: { before: number; after: number }): string {
  const line = (label: string, value: string | number) => `  ${label.padEnd(24)} ${value}`;
  const f = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
  const database = new URL(settings.databaseUrl).pathname.slice(1);
  const lines = [
    '',
    '=== Benchmark: customer page and searches by number of customers ===',
    line('Node', `${process.version} (${os.cpus().length} CPUs, ${os.platform()} ${os.arch()})`),
    line('PostgreSQL', `${postgresVersion}, database ${database}`),
    line('Requests', `${settings.iterations} per row after ${settings.warmup} warm-up, one at a time, graphql-shield on`),
    line('Load average (1 min)', `${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after (the machine's, not only this run's)`),
    line(
      'Targets',
      `searches p95 < ${TARGETS.searchP95Ms} ms; page within ${TARGETS.pageVsBaseline * 100}% of its figure at ${TARGETS.baselineCustomers} customers`,
    ),
  ];
  const baselineRun = results.find((r) => r.customers === TARGETS.baselineCustomers);
  const baseline = baselineRun?.rows.find((r) => r.measurement.key === 'page')?.stats ?? null;
  const basePage = baseline ? { p50: baseline.p50, from: 'this run' } : settings.pageBaseline ? { p50: settings.pageBaseline, from: '--page-baseline' } : null;

  for (const r of results) {
    lines.push(
      '',
      `--- ${r.customers} customers${r.customers !== r.size ? ` (asked for ${r.size})` : ''}; ` +
        `${f(r.perCustomer.contacts, 2)} contacts and ${f(r.perCustomer.addresses, 2)} addresses per customer`,
      line(
        'Seeding',
        r.seeding
          ? `${r.seeding.customers} customers in ${(r.seeding.ms / 1000).toFixed(1)} s (${Math.round(r.seeding.customers / (r.seeding.ms / 1000))}/s), VACUUM (ANALYZE) ${(r.seeding.vacuumMs / 1000).toFixed(1)} s`
          : 'none (seeded before)',
      ),
      line('Names', `common "${r.names.common}" (${r.names.commonMatches} customers), rare "${r.names.rare}" (${r.names.rareMatches})`),
      line('Search filter', `all [NAME CONTAINS "${r.names.common}", any [ACTIVE, CREDIT_LIMIT > 3000000], not TYPE = ${r.names.typeName}]`),
      '',
      `  ${'measurement'.padEnd(42)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'SQL'.padStart(5)} ${'Node CPU'.padStart(9)} ${'PG CPU'.padStart(8)}  target / held`,
    );
    for (const row of r.rows) {
      const s = row.stats;
      let target: string;
      if (row.measurement.key === 'search') target = `${s.p95 < TARGETS.searchP95Ms ? 'PASS' : 'MISS'} p95 < ${TARGETS.searchP95Ms} ms`;
      else if (r.customers < TARGETS.baselineCustomers) target = `n/a below ${TARGETS.baselineCustomers} customers`;
      else if (basePage && r !== baselineRun) {
        const change = (s.p50 - basePage.p50) / basePage.p50;
        target = `${Math.abs(change) <= TARGETS.pageVsBaseline ? 'PASS' : 'MISS'} p50 ${change >= 0 ? '+' : ''}${(change * 100).toFixed(0)}% vs ${f(basePage.p50)} ms at ${TARGETS.baselineCustomers} (${basePage.from})`;
      } else target = r === baselineRun ? `the baseline (${TARGETS.baselineCustomers} customers)` : `compare with its p50 at ${TARGETS.baselineCustomers}`;
      lines.push(
        `  ${row.measurement.name.padEnd(42)} ${f(s.p50).padStart(8)} ${f(s.p95).padStart(8)} ${s.statements.padStart(5)} ${f(row.nodeMs).padStart(9)} ${f(row.postgresMs).padStart(8)}  ${target}; ${row.held}`,
      );
    }
  }
  lines.push('', '--- The page across sizes (p50 / p95 ms)');
  for (const r of results) {
    const page = r.rows.find((row) => row.measurement.key === 'page')!.stats;
    lines.push(line(`${r.customers} customers`, `${f(page.p50)} / ${f(page.p95)}`));
  }
  lines.push(
    '',
    '  Node CPU, PG CPU: ms of CPU per request over the measured requests (/proc, bench/cpu.ts; 10 ms ticks shared out,',
    '  so a figure below 10 ms / iterations is noise). SQL: statements per request. Targets: informational.',
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings();
  if (settings.build) build();
  if (await ensureDatabase(settings.databaseUrl)) log(`created the database ${new URL(settings.databaseUrl).pathname.slice(1)}`);
  // Seeding's VACUUM and the name picks may take longer than a request's statement timeout.
  const target = postgresTarget(settings.databaseUrl);
  const maintenance = postgres(target.url, { path: target.path, max: 1, onnotice: () => {}, connection: { statement_timeout: 0 } });
  const meter = cpuMeter(settings.databaseUrl);
  const load = { before: os.loadavg()[0]!, after: NaN };
  const results: SizeResult[] = [];
  try {
    await withDemo(
      settings.databaseUrl,
      async (demo) => {
        const server = await startServer({ databaseUrl: settings.databaseUrl, env: { EXPOSE_SQL_COUNT: 'true' } });
        const interrupt = () => {
          server.process.kill('SIGTERM');
          process.exit(130);
        };
        process.once('SIGINT', interrupt);
        try {
          const graphql = client(server, demo.adminToken);
          for (const size of settings.sizes) {
            const seeding = await seedUpTo(demo.db, maintenance, demo.organisationId, size, settings);
            const customersNow = await countCustomers(demo.db, demo.organisationId);
            const counts = await perCustomer(maintenance, demo.organisationId);
            if (Math.abs(counts.contacts - settings.contacts) > 0.005 || Math.abs(counts.addresses - settings.addresses) > 0.005)
              log(
                `WARNING: ${counts.contacts.toFixed(2)} contacts and ${counts.addresses.toFixed(2)} addresses per customer, ` +
                  `not ${settings.contacts} and ${settings.addresses}: the database was seeded otherwise`,
              );
            const names = await pickNames(demo.db, maintenance, demo.organisationId);
            log(`${customersNow} customers: common word "${names.common}" (${names.commonMatches}), rare name "${names.rare}"`);
            const rows = await measureAll(graphql, names, settings, meter, server.process.pid);
            results.push({ size, customers: customersNow, seeding, perCustomer: counts, names, rows });
          }
        } finally {
          process.removeListener('SIGINT', interrupt);
          await stopServer(server);
        }
        load.after = os.loadavg()[0]!;
        process.stdout.write(report(settings, demo.postgresVersion, results, load));
      },
      { contactsPerCustomer: settings.contacts, addressesPerCustomer: settings.addresses },
    );
  } finally {
    await meter.close();
    await maintenance.end({ timeout: 5 });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof Error ? `${err.stack ?? err.message}${err.cause ? `\ncause: ${String(err.cause)}` : ''}` : String(err)),
);
