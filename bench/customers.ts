// Load benchmark of the GraphQL API on a real PostgreSQL server.
//
// What it measures: throughput (requests/s), latency (p50/p95/p99) and SQL statements per request of
// the compiled server (NODE_ENV=production) answering a customer-list query — 50 customers with
// their status, credit limit, contacts and addresses — for the demo organisation's admin, while
// autocannon keeps N connections busy; also the server's peak RSS. Each scenario runs twice: with
// the graphql-shield rule tree, as in production, and without it (bench/serve.cjs), to show what
// authorisation adds.
//
// How to run (the database is migrated, and seeded up to BENCH_CUSTOMERS customers, if needed):
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench npm run bench
//   DATABASE_URL=... npm run bench -- --customers 100000 --duration 30 --connections 100
// Settings (flags win over the environment):
//   --customers   BENCH_CUSTOMERS    customers the demo organisation must have   (default 10000)
//   --duration    BENCH_DURATION     seconds of measured load per scenario       (default 20)
//   --connections BENCH_CONNECTIONS  concurrent connections                      (default 50)
// Each scenario gets a 3 s warm-up run first that is not reported. The summary goes to stdout,
// progress and the server's own output (prefixed [server]) to stderr.
//
// To measure another request, add an entry to `scenarios`.
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { count, eq } from 'drizzle-orm';
import { customers } from '../src/customers/tables';
import { generateCustomers } from '../src/demo/bulk';
import { bench, procMiB, type Server } from './harness';

// ---------------------------------------------------------------------------------------------
// Scenarios

type GraphQLBody = { query: string; variables?: Record<string, unknown>; operationName?: string };
type GraphQLResponse = { data?: Record<string, unknown> | null; errors?: Array<{ message: string }> };

type Scenario = {
  name: string;
  description: string;
  body: GraphQLBody;
  /** Checks one response before the load starts: returns what is wrong, or null when it is right. */
  check(response: GraphQLResponse, settings: Settings): string | null;
};

const scenarios: Scenario[] = [
  {
    name: 'customers-list',
    description: 'customers(first: 50) with status, credit limit, 10 contacts and 10 addresses each',
    body: {
      operationName: 'Bench',
      query: `query Bench {
  customers(first: 50) {
    totalCount
    nodes {
      id name status { code name } active creditLimit { formatted }
      contacts(first: 10) { nodes { id fullName emails { address } phones { type number } } }
      addresses(first: 10) { nodes { id type isDefault formatted } }
    }
  }
}`,
    },
    check(response, settings) {
      const list = response.data?.customers as { totalCount?: number; nodes?: unknown[] } | undefined;
      if (list?.nodes?.length !== 50) return `expected 50 customers, got ${list?.nodes?.length ?? 'none'}`;
      if ((list.totalCount ?? 0) < settings.customers) return `totalCount is ${list.totalCount}, expected at least ${settings.customers}`;
      return null;
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Settings

type Settings = { databaseUrl: string; customers: number; duration: number; connections: number; warmup: number };

function readSettings(): Settings {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { customers: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' } },
    strict: true,
  });
  const databaseUrl =
    process.env.DATABASE_URL ||
    fail(
      'DATABASE_URL is not set. Benchmarks belong on a real PostgreSQL server, not the embedded database:\n' +
        '  DATABASE_URL=postgres://user@host:5432/crm_bench npm run bench',
    );
  const positive = (name: string, flag: string | undefined, env: string | undefined, fallback: number): number => {
    const raw = flag ?? (env || undefined);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) fail(`${name}: expected a whole number above 0, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    databaseUrl,
    customers: positive('customers', values.customers, process.env.BENCH_CUSTOMERS, 10_000),
    duration: positive('duration', values.duration, process.env.BENCH_DURATION, 20),
    connections: positive('connections', values.connections, process.env.BENCH_CONNECTIONS, 50),
    warmup: 3,
  };
}

// ---------------------------------------------------------------------------------------------
// Steps

const harness = bench('bench');
const { log, build, withDemo, startServer, stopServer } = harness;
// Annotated, so that TypeScript knows code after a call to it does not run.
const fail: (message: string) => never = harness.fail;

/** A failure worth a one-line message rather than a stack trace. */
class BenchError extends Error {}

type Prepared = { token: string; seeded: { count: number; ms: number } | null; customers: number; postgres: string };

/** Migrates, makes sure the demo organisation exists and has enough customers, reads the admin token. */
async function prepare(settings: Settings): Promise<Prepared> {
  return withDemo(settings.databaseUrl, async ({ db, organisationId, adminToken, postgresVersion }) => {
    const countCustomers = async () => (await db.select({ n: count() }).from(customers).where(eq(customers.organisationId, organisationId)))[0]?.n ?? 0;

    const existing = await countCustomers();
    let seeded: Prepared['seeded'] = null;
    if (existing < settings.customers) {
      const missing = settings.customers - existing;
      log(`seeding ${missing} customers (the demo organisation has ${existing}, the benchmark wants ${settings.customers})`);
      const started = Date.now();
      let reported = 0;
      await generateCustomers(db, {
        organisationId,
        count: missing,
        batchSize: 1000,
        onProgress: (done) => {
          if (done === missing || done - reported >= missing / 10) {
            reported = done;
            log(`  seeded ${done}/${missing}`);
          }
        },
      });
      seeded = { count: missing, ms: Date.now() - started };
      log(`seeded ${missing} customers in ${seconds(seeded.ms)} (${rate(missing, seeded.ms)} customers/s)`);
    } else {
      log(`the demo organisation has ${existing} customers; no seeding needed`);
    }
    return { token: adminToken, seeded, customers: await countCustomers(), postgres: postgresVersion };
  });
}

type Measurement = {
  scenario: Scenario;
  shield: boolean;
  sqlStatements: string;
  result: autocannon.Result;
  /** Exact latency percentiles (ms) from every response's own time; autocannon has no p95. */
  latency: { p50: number; p95: number; p99: number };
};

async function measure(server: Server, token: string, scenario: Scenario, settings: Settings, shield: boolean): Promise<Measurement> {
  const url = `${server.baseUrl}/graphql`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const body = JSON.stringify(scenario.body);

  // One request first: the answer must be right, and it tells how many SQL statements it took.
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let json: GraphQLResponse;
  try {
    json = JSON.parse(text) as GraphQLResponse;
  } catch {
    throw new BenchError(`${scenario.name}: HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
  }
  if (res.status !== 200 || json.errors?.length)
    throw new BenchError(`${scenario.name}: HTTP ${res.status}, errors: ${JSON.stringify(json.errors ?? text.slice(0, 500))}`);
  const problem = scenario.check(json, settings);
  if (problem) throw new BenchError(`${scenario.name}: ${problem}`);
  const sqlStatements = res.headers.get('x-sql-statements') ?? 'n/a (no x-sql-statements header)';

  const run = (duration: number, latencies?: number[]) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          method: 'POST',
          headers,
          body,
          connections: settings.connections,
          duration,
          // A 200 carrying GraphQL errors is a failure too; such responses count as "mismatches".
          verifyBody: (responseBody) => !(responseBody ?? '').includes('"errors"'),
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
      if (latencies) instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    });

  log(`${scenario.name}: warm-up, ${settings.warmup} s`);
  await run(settings.warmup);
  log(`${scenario.name}: measuring, ${settings.duration} s with ${settings.connections} connections`);
  const latencies: number[] = [];
  const result = await run(settings.duration, latencies);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
  return { scenario, shield, sqlStatements, result, latency: { p50: percentile(50), p95: percentile(95), p99: percentile(99) } };
}

// ---------------------------------------------------------------------------------------------
// Report

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function rate(n: number, ms: number): string {
  return String(Math.round(n / (ms / 1000 || 1)));
}

type Run = { shield: boolean; peakRss: number | null; exit: number | null };

function report(settings: Settings, prepared: Prepared, measurements: Measurement[], runs: Run[]): string {
  const row = (label: string, value: string | number) => `  ${label.padEnd(28)} ${value}`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const lines = [
    '',
    '=== Benchmark: customer-records API ===',
    row('Node', `${process.version} (${os.cpus().length} CPUs, ${os.platform()} ${os.arch()})`),
    row('PostgreSQL', prepared.postgres),
    row('Demo organisation customers', prepared.customers),
    row(
      'Seeding',
      prepared.seeded
        ? `${prepared.seeded.count} customers in ${seconds(prepared.seeded.ms)} (${rate(prepared.seeded.count, prepared.seeded.ms)}/s)`
        : 'none needed',
    ),
    row('Load', `${settings.connections} connections, ${settings.duration} s (after a ${settings.warmup} s warm-up)`),
  ];
  for (const m of measurements) {
    const r = m.result;
    lines.push(
      '',
      `--- ${m.scenario.name} (graphql-shield ${m.shield ? 'on' : 'off'}): ${m.scenario.description}`,
      row('Requests/s (mean)', r.requests.average.toFixed(1)),
      row('Latency p50 / p95 / p99', `${ms(m.latency.p50)} / ${ms(m.latency.p95)} / ${ms(m.latency.p99)}`),
      row(
        '  (autocannon p50/p97.5/p99)',
        `${r.latency.p50} / ${r.latency.p97_5} / ${r.latency.p99} ms, mean ${r.latency.average.toFixed(1)} ms, max ${r.latency.max} ms`,
      ),
      row('Total requests', r.requests.total),
      row('Non-2xx responses', r.non2xx),
      row('GraphQL errors (200s)', r.mismatches),
      row('Errors / timeouts', `${r.errors} / ${r.timeouts}`),
      row('Throughput', `${(r.throughput.average / 1024 / 1024).toFixed(2)} MiB/s`),
      row('SQL statements per request', m.sqlStatements),
    );
  }
  lines.push('', '--- What the graphql-shield rule tree adds (on vs off)');
  for (const scenario of scenarios) {
    const on = measurements.find((m) => m.scenario === scenario && m.shield);
    const off = measurements.find((m) => m.scenario === scenario && !m.shield);
    if (!on || !off) continue;
    const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
    lines.push(
      row(`${scenario.name} p50`, `${ms(on.latency.p50)} vs ${ms(off.latency.p50)} (${pct(on.latency.p50, off.latency.p50)})`),
      row(`${scenario.name} requests/s`, `${on.result.requests.average.toFixed(1)} vs ${off.result.requests.average.toFixed(1)}`),
    );
  }
  lines.push('');
  for (const run of runs) {
    const label = `shield ${run.shield ? 'on' : 'off'}`;
    lines.push(
      row(`Server peak RSS, ${label}`, run.peakRss === null ? 'n/a' : `${run.peakRss.toFixed(0)} MiB`),
      row(`Exit after SIGTERM, ${label}`, run.exit === null ? 'killed by a signal' : `code ${run.exit}`),
    );
  }
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings();
  build();
  const prepared = await prepare(settings);
  const measurements: Measurement[] = [];
  const runs: Run[] = [];
  for (const shield of [true, false]) {
    const server = await startServer({ databaseUrl: settings.databaseUrl, shield, env: { EXPOSE_SQL_COUNT: 'true', DEMO_DATA: 'true' } });
    const interrupt = () => {
      server.process.kill('SIGTERM');
      process.exit(130);
    };
    process.once('SIGINT', interrupt);
    let peakRss: number | null = null;
    try {
      for (const scenario of scenarios) measurements.push(await measure(server, prepared.token, scenario, settings, shield));
      peakRss = procMiB(server.process.pid, 'VmHWM');
    } finally {
      runs.push({ shield, peakRss, exit: await stopServer(server) });
      process.removeListener('SIGINT', interrupt);
    }
  }
  process.stdout.write(report(settings, prepared, measurements, runs));
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof BenchError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
