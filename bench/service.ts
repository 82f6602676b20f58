// Benchmark of service reminders (docs/domain.md#service-reminders) over HTTP: 100,000 work addresses
// (10,000 customers of 10 each) with 300,000 reminders beside the demo organisation's own records.
//
// What it measures, one request at a time:
//   - dueServiceReminders, first page of 50 over this month, with totalCount and each reminder's
//     type, work address and customer                                         target p95 < 100 ms
//   - decideServiceReminders, 500 items: a mix (AUTHORISE, CANCEL_ONCE, CANCEL_FOREVER, POSTPONE,
//     UNKNOWN, a fifth each), 500 AUTHORISE (500 jobs: the worst case), and the mix with
//     allOrNothing                                                              target < 2 s each
// Each batch decides the 500 reminders due soonest that may be sent, so no two runs decide the same
// reminder (but the UNKNOWN ones, which stay due).
//
// Seeding is plain SQL (generate_series), in seconds: 1 in 20 customers has the status "Do Not Service"
// and 1 in 10 work addresses is dormant, so the due list's exclusions have rows to leave out; the due
// dates spread over a year back and two ahead. A database seeded once is reused (found by name).
//
// How to run:
//   psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_service'
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_service npm run bench:service
// Settings: --iterations (BENCH_ITERATIONS, default 50) due-page requests, --batches (default 3) runs
// of each batch, --warmup (default 10), --skip-build to reuse dist/. Summary on stdout, progress on stderr.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { selectRows, type Db } from '../src/db/client';
import { toGlobalId } from '../src/graph/ids';
import { bench, sampleStats, type Sample, type Server, type Stats } from './harness';

const CUSTOMERS = 10_000;
const ADDRESSES_PER_CUSTOMER = 10;
const REMINDERS_PER_ADDRESS = 3;
const PREFIX = 'Bench Service ';
const BATCH = 500;
const TARGETS = { due: 100, batch: 2_000 } as const;

const harness = bench('bench:service');
const { log, build, withDemo, startServer, stopServer } = harness;
const fail: (message: string) => never = harness.fail;

type Settings = { databaseUrl: string; iterations: number; batches: number; warmup: number; build: boolean };

function readSettings(): Settings {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { iterations: { type: 'string' }, batches: { type: 'string' }, warmup: { type: 'string' }, 'skip-build': { type: 'boolean' } },
    strict: true,
  });
  const databaseUrl = process.env.DATABASE_URL ?? '';
  if (!databaseUrl) {
    fail(
      'Name the PostgreSQL database in DATABASE_URL (never the test database):\n' +
        "  psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_service'\n" +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_service npm run bench:service',
    );
  }
  const whole = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) fail(`${name}: expected a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    databaseUrl,
    iterations: whole('iterations', values.iterations ?? process.env.BENCH_ITERATIONS, 50, 1),
    batches: whole('batches', values.batches, 3, 1),
    warmup: whole('warmup', values.warmup, 10, 0),
    build: !values['skip-build'],
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding

type Seeded = { ms: number | null; counts: Record<string, number> };

async function counts(db: Db, organisationId: string): Promise<Record<string, number>> {
  const [row] = await selectRows<Record<string, number>>(
    db,
    sql`select (select count(*)::int from work_addresses where organisation_id = ${organisationId}) as "work addresses",
      (select count(*)::int from service_reminders where organisation_id = ${organisationId}) as reminders,
      (select count(*)::int from service_reminders where organisation_id = ${organisationId} and cancelled_at is null) as "live reminders",
      (select count(*)::int from service_reminder_decisions where organisation_id = ${organisationId}) as "decisions so far"`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

async function seed(db: Db, organisationId: string): Promise<Seeded> {
  const [existing] = await selectRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from customers where organisation_id = ${organisationId} and name like ${`${PREFIX}%`}`,
  );
  if (Number(existing!.n) > 0) {
    if (Number(existing!.n) !== CUSTOMERS)
      fail(`${existing!.n} "${PREFIX}…" customers exist, not ${CUSTOMERS} (an interrupted seeding?): drop the database and run again`);
    log('seeded already; no seeding needed');
    return { ms: null, counts: await counts(db, organisationId) };
  }
  const started = Date.now();
  await db.transaction(async (tx) => {
    // Bulk inserts of 300,000 rows take longer than the server's statement timeout allows a request.
    await tx.execute(sql`set local statement_timeout = 0`);
    const one = async (query: ReturnType<typeof sql>) =>
      (await selectRows<{ id: string }>(tx, query))[0]?.id ?? fail(`seeding: nothing found for ${JSON.stringify(query)}`);
    const typeId = await one(sql`select id from customer_types where organisation_id = ${organisationId} order by name limit 1`);
    const active = await one(sql`select id from customer_statuses where organisation_id = ${organisationId} and code = 'A'`);
    const doNotService = await one(sql`select id from customer_statuses where organisation_id = ${organisationId} and code = 'D'`);
    const unit = await one(sql`select id from business_units where organisation_id = ${organisationId} order by name limit 1`);
    log(`inserting ${CUSTOMERS} customers, ${CUSTOMERS * ADDRESSES_PER_CUSTOMER} work addresses`);
    await tx.execute(sql`insert into customers (organisation_id, name, type_id, status_id, business_unit_id, currency)
      select ${organisationId}, ${PREFIX} || lpad(g::text, 5, '0'), ${typeId}, case when g % 20 = 0 then ${doNotService}::uuid else ${active}::uuid end,
        ${unit}, (select currency from organisations where id = ${organisationId})
      from generate_series(1, ${CUSTOMERS}) g`);
    await tx.execute(sql`insert into work_addresses (organisation_id, customer_id, line1, postcode, country, status)
      select c.organisation_id, c.id, g || ' Bench Street', 'BS1 ' || (g % 9) || 'AA', 'GB', (case when g = ${ADDRESSES_PER_CUSTOMER} then 'DORMANT' else 'ACTIVE' end)::work_address_status
      from customers c cross join generate_series(1, ${ADDRESSES_PER_CUSTOMER}) g
      where c.organisation_id = ${organisationId} and c.name like ${`${PREFIX}%`}`);
    log(`inserting ${CUSTOMERS * ADDRESSES_PER_CUSTOMER * REMINDERS_PER_ADDRESS} reminders`);
    const types = await selectRows<{ id: string }>(
      tx,
      sql`insert into service_reminder_types (organisation_id, name, default_interval_months)
        values (${organisationId}, 'Bench gas safety check', 12), (${organisationId}, 'Bench boiler service', 12), (${organisationId}, 'Bench alarm test', 6)
        returning id`,
    );
    const typeArray = `{${types.map((t) => t.id).join(',')}}`;
    await tx.execute(sql`insert into service_reminders (organisation_id, customer_id, work_address_id, type_id, due_date, interval_months)
      select w.organisation_id, w.customer_id, w.id, (${typeArray}::uuid[])[k], current_date - 365 + (abs(hashtext(w.id::text || k::text)) % 1096), case when k = 3 then 6 else 12 end
      from work_addresses w cross join generate_series(1, ${REMINDERS_PER_ADDRESS}) k
      join customers c on c.id = w.customer_id
      where w.organisation_id = ${organisationId} and c.name like ${`${PREFIX}%`}`);
  });
  for (const table of ['customers', 'work_addresses', 'service_reminders', 'customer_statuses']) await db.execute(sql`analyze ${sql.identifier(table)}`);
  const ms = Date.now() - started;
  log(`seeded in ${(ms / 1000).toFixed(1)} s`);
  return { ms, counts: await counts(db, organisationId) };
}

/** The `n` reminders due soonest that may be sent (the due list's own conditions), for a batch. */
async function nextDue(db: Db, organisationId: string, n: number): Promise<Array<{ id: string; dueDate: string; version: number }>> {
  return selectRows(
    db,
    sql`select r.id, r.due_date::text as "dueDate", r.version from service_reminders r
      join work_addresses w on w.id = r.work_address_id join customers c on c.id = w.customer_id join customer_statuses s on s.id = c.status_id
      where r.organisation_id = ${organisationId} and r.cancelled_at is null and w.status = 'ACTIVE' and s.automated_communications and not s.is_dormant
        and c.name like ${`${PREFIX}%`} and r.due_date >= current_date - 400
      order by (r.due_date - date '2000-01-01'), r.id limit ${n}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Requests

type Answer = { body: any; ms: number; statements: number; bytes: number };

function client(server: Server, token: string) {
  return async function graphql(query: string, variables: Record<string, unknown>): Promise<Answer> {
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
    return { body: body.data, ms, statements: Number(res.headers.get('x-sql-statements') ?? NaN), bytes: text.length };
  };
}

const DUE = `query BenchDue($from: Date!, $to: Date!) { dueServiceReminders(from: $from, to: $to, first: 50) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id dueDate intervalMonths version type { name } workAddress { line1 postcode } customer { name } } } }`;
/** The same page without `totalCount` (a client that pages on `hasNextPage`): the count is a second statement over the whole month. */
const DUE_PAGE = DUE.replace('totalCount ', '');
const DECIDE = `mutation BenchDecide($input: DecideServiceRemindersInput!) { decideServiceReminders(input: $input) {
  results { index decided reminder { id dueDate version } decision { id } job { id } } userErrors { field code message } } }`;

const KINDS = ['AUTHORISE', 'CANCEL_ONCE', 'CANCEL_FOREVER', 'POSTPONE', 'UNKNOWN'] as const;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

function item(r: { id: string; dueDate: string; version: number }, decision: (typeof KINDS)[number]) {
  const base = { reminderId: toGlobalId('ServiceReminder', r.id), expectedVersion: r.version, decision };
  if (decision === 'AUTHORISE') return { ...base, accessMethod: 'KEY_HOLDER', accessNotes: 'Key with the neighbour at no. 3' };
  if (decision === 'POSTPONE') {
    const from = new Date(Math.max(Date.parse(r.dueDate), Date.now()));
    return { ...base, postponeTo: isoDay(new Date(from.getTime() + 60 * 86_400_000)) };
  }
  return base;
}

// ---------------------------------------------------------------------------------------------

function report(
  settings: Settings,
  database: string,
  seeded: Seeded,
  due: { runs: Array<{ name: string; stats: Stats }>; totalCount: number; range: string },
  batches: Array<{ name: string; samples: Sample[] }>,
  load: number,
): string {
  const row = (label: string, value: string | number) => `  ${label.padEnd(30)} ${value}`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const lines = [
    '',
    '=== Benchmark: service reminders (due list, batch decisions) ===',
    row('Node', `${process.version} (${os.cpus().length} CPUs, ${os.platform()} ${os.arch()})`),
    row('Database', database),
    row(
      'Data',
      Object.entries(seeded.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', '),
    ),
    row('Seeding', seeded.ms === null ? 'none needed (seeded before)' : `${(seeded.ms / 1000).toFixed(1)} s`),
    row('Load average (1 min)', `${load.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after (the machine's, not only this run's)`),
    '',
  ];
  for (const { name, stats } of due.runs) {
    lines.push(
      '',
      `--- dueServiceReminders(first: 50) over ${due.range}, ${name} (${due.totalCount} due that may be sent)`,
      row('Requests', `${settings.iterations} (after ${settings.warmup} warm-up), one at a time`),
      row('Latency p50 / p95 / p99', `${ms(stats.p50)} / ${ms(stats.p95)} / ${ms(stats.p99)}`),
      row('Latency mean / max', `${ms(stats.mean)} / ${ms(stats.max)}`),
      row('SQL statements per request', stats.statements),
      row(`Target p95 < ${TARGETS.due} ms`, stats.p95 < TARGETS.due ? 'met' : `NOT met (${ms(stats.p95)})`),
    );
  }
  for (const { name, samples } of batches) {
    const s = sampleStats(samples);
    lines.push(
      '',
      `--- decideServiceReminders, ${BATCH} items: ${name}`,
      row('Runs', samples.map((x) => ms(x.ms)).join(', ')),
      row('Latency p50 / max', `${ms(s.p50)} / ${ms(s.max)}`),
      row('SQL statements per request', s.statements),
      row(`Target < ${TARGETS.batch} ms`, s.max < TARGETS.batch ? 'met (every run)' : `NOT met (max ${ms(s.max)})`),
    );
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (settings.build) build();
  // One connection to the database for the whole run: the seeding, and picking each batch's reminders.
  // (withDemo issues fresh demo tokens, revoking the earlier ones, so it is entered once.)
  await withDemo(settings.databaseUrl, async (demo) => {
    const seeded = await seed(demo.db, demo.organisationId);
    const server = await startServer({ databaseUrl: settings.databaseUrl, env: { EXPOSE_SQL_COUNT: 'true' } });
    const interrupt = () => {
      server.process.kill('SIGTERM');
      process.exit(130);
    };
    process.once('SIGINT', interrupt);
    try {
      const graphql = client(server, demo.adminToken);
      const now = new Date();
      const from = isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
      const to = isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)));
      const load = os.loadavg()[0]!;

      const dueRuns: Array<{ name: string; stats: Stats }> = [];
      let totalCount = 0;
      for (const [name, query] of [
        ['with totalCount', DUE],
        ['without totalCount', DUE_PAGE],
      ] as const) {
        log(`measuring: dueServiceReminders ${from}..${to}, ${name}`);
        for (let i = 0; i < settings.warmup; i++) await graphql(query, { from, to });
        const samples: Sample[] = [];
        for (let i = 0; i < settings.iterations; i++) {
          const answer = await graphql(query, { from, to });
          totalCount = answer.body.dueServiceReminders.totalCount ?? totalCount;
          if (answer.body.dueServiceReminders.nodes.length !== 50) fail(`the due page has ${answer.body.dueServiceReminders.nodes.length} reminders, not 50`);
          samples.push(answer);
        }
        dueRuns.push({ name, stats: sampleStats(samples) });
      }

      // Each batch decides the next 500 due (after the due list, so its figures are of the seeded data).
      const variants: Array<{ name: string; pick: (i: number) => (typeof KINDS)[number]; allOrNothing: boolean }> = [
        { name: 'a mix of the five decisions (100 jobs)', pick: (i) => KINDS[i % KINDS.length]!, allOrNothing: false },
        { name: 'all AUTHORISE (500 jobs)', pick: () => 'AUTHORISE', allOrNothing: false },
        { name: 'the mix, allOrNothing', pick: (i) => KINDS[i % KINDS.length]!, allOrNothing: true },
      ];
      const batches: Array<{ name: string; samples: Sample[] }> = [];
      for (const variant of variants) {
        log(`measuring: decideServiceReminders, ${variant.name}`);
        const samples: Sample[] = [];
        for (let run = 0; run < settings.batches; run++) {
          const due = await nextDue(demo.db, demo.organisationId, BATCH);
          if (due.length < BATCH) fail(`only ${due.length} reminders left to decide`);
          const input = { items: due.map((r, i) => item(r, variant.pick(i))), allOrNothing: variant.allOrNothing };
          const answer = await graphql(DECIDE, { input });
          const payload = answer.body.decideServiceReminders;
          if (payload.userErrors.length > 0) fail(`the batch had user errors: ${JSON.stringify(payload.userErrors.slice(0, 3))}`);
          if (payload.results.filter((r: any) => r.decided).length !== BATCH) fail('not every item was decided');
          samples.push(answer);
        }
        batches.push({ name: variant.name, samples });
      }
      seeded.counts = await counts(demo.db, demo.organisationId);
      process.stdout.write(
        report(settings, `PostgreSQL ${demo.postgresVersion}`, seeded, { runs: dueRuns, totalCount, range: `${from}..${to}` }, batches, load),
      );
    } finally {
      process.removeListener('SIGINT', interrupt);
      await stopServer(server);
    }
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof Error ? `${err.stack ?? err.message}${err.cause ? `\ncause: ${String(err.cause)}` : ''}` : String(err)),
);
