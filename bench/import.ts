// Benchmark of the CSV import of work addresses (POST /imports/work-addresses) on a real PostgreSQL.
//
// What it measures: a generated CSV of N rows (default 100,000) written to a temporary file, then
// uploaded over HTTP to the compiled server (bench/serve.cjs, NODE_ENV=production) as a stream (the
// benchmark never holds the file in memory either); rows/s and elapsed time from the first byte sent
// to the answer; and the server's memory: its peak RSS (VmHWM) and its RSS sampled during the
// import, which should stay flat whatever N is (the server streams the file through csv-parse and
// writes batches of 1000 rows).
//
// How to run (the database is migrated, and the demo organisation created, if needed):
//   createdb -h 127.0.0.1 -U postgres crm_bench_import
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_import npm run bench:import
//   DATABASE_URL=... npm run bench:import -- --rows 200000 --mode ALL_OR_NOTHING
// Settings: --rows (BENCH_ROWS, default 100000), --mode (BENCH_MODE: COMMIT_VALID_ROWS, the default,
// or ALL_OR_NOTHING), --skip-build to reuse dist/. The summary goes to stdout, progress and the
// server's output (prefixed [server]) to stderr.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../src/config';
import { customers } from '../src/customers/tables';
import { selectRows } from '../src/db/client';
import { openConfiguredDatabase } from '../src/db/open';
import { createDemoOrganisation, DEMO_ORGANISATION_NAME } from '../src/demo/demo-organisation';
import { toGlobalId } from '../src/graph/ids';
import { demoCredentials, organisations, users } from '../src/organisations/tables';
import { projectRoot } from '../src/paths';
import { workAddresses } from '../src/work-addresses/tables';

type Settings = { databaseUrl: string; rows: number; mode: 'ALL_OR_NOTHING' | 'COMMIT_VALID_ROWS'; build: boolean };

function log(message: string): void {
  process.stderr.write(`bench:import: ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`bench:import: ${message}\n`);
  process.exit(1);
}

function readSettings(): Settings {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { rows: { type: 'string' }, mode: { type: 'string' }, 'skip-build': { type: 'boolean' } },
    strict: true,
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    fail(
      'DATABASE_URL is not set. Benchmarks belong on a real PostgreSQL server, not the embedded database (and never on the test database):\n' +
        '  createdb -h 127.0.0.1 -U postgres crm_bench_import\n' +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_import npm run bench:import',
    );
  }
  const rawRows = values.rows ?? process.env.BENCH_ROWS ?? '100000';
  const rows = Number(rawRows);
  if (!Number.isInteger(rows) || rows < 1) fail(`rows: expected a whole number above 0, got ${JSON.stringify(rawRows)}`);
  const mode = (values.mode ?? process.env.BENCH_MODE ?? 'COMMIT_VALID_ROWS').toUpperCase();
  if (mode !== 'ALL_OR_NOTHING' && mode !== 'COMMIT_VALID_ROWS') fail(`mode: expected ALL_OR_NOTHING or COMMIT_VALID_ROWS, got ${JSON.stringify(mode)}`);
  return { databaseUrl, rows, mode, build: !values['skip-build'] };
}

function build(): void {
  log('building (npm run build)');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) fail(`npm run build failed (exit ${result.status ?? result.signal})`);
}

type Prepared = { token: string; customerId: string; customerName: string; before: number; postgres: string };

/** Migrates, makes sure the demo organisation exists, picks its oldest customer and its admin's token. */
async function prepare(settings: Settings): Promise<Prepared> {
  const database = await openConfiguredDatabase(loadConfig({ ...process.env, DATABASE_URL: settings.databaseUrl }));
  try {
    const db = database.db;
    const [{ version } = { version: '?' }] = await selectRows<{ version: string }>(db, sql`select current_setting('server_version') as version`);
    const [demo] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.name, DEMO_ORGANISATION_NAME)).limit(1);
    let organisationId = demo?.id;
    if (!organisationId) {
      log(`creating the demo organisation "${DEMO_ORGANISATION_NAME}"`);
      organisationId = await createDemoOrganisation(db);
    }
    const [customer] = await db
      .select({ id: customers.id, name: customers.name })
      .from(customers)
      .where(eq(customers.organisationId, organisationId))
      .orderBy(asc(customers.createdAt), asc(customers.id))
      .limit(1);
    if (!customer) fail('the demo organisation has no customers');
    const [admin] = await db
      .select({ token: demoCredentials.token })
      .from(demoCredentials)
      .innerJoin(users, eq(users.id, demoCredentials.userId))
      .where(and(eq(demoCredentials.organisationId, organisationId), eq(users.role, 'ADMIN')))
      .limit(1);
    if (!admin) fail('the demo organisation has no ADMIN demo credential (table demo_credentials)');
    const before = (await db.select({ n: count() }).from(workAddresses).where(eq(workAddresses.customerId, customer.id)))[0]?.n ?? 0;
    return { token: admin.token, customerId: customer.id, customerName: customer.name, before, postgres: version };
  } finally {
    await database.close();
  }
}

const HEADER = ['Address 1', 'Address 2', 'Town', 'County', 'Post Code', 'Country', 'Occupier', 'Occupier Phone', 'Occupier Email', 'Vacant'];
const MAPPING = {
  'Address 1': 'line1',
  'Address 2': 'line2',
  Town: 'town',
  County: 'county',
  'Post Code': 'postcode',
  Country: 'country',
  Occupier: 'occupierSurname',
  'Occupier Phone': 'occupierPhone',
  'Occupier Email': 'occupierEmail',
  Vacant: 'vacantProperty',
};
const TOWNS = ['Bristol', 'Bath', 'Leeds', 'York', 'Cardiff', 'Exeter', 'Norwich', 'Durham'];

/** Writes the CSV a chunk at a time (never the whole file in memory). */
async function writeCsv(file: string, rows: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(HEADER.join(',') + '\n');
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const town = TOWNS[i % TOWNS.length]!;
    chunk += `${i} Station Road,"Flat ${i % 40}, Block ${i % 7}",${town},,${town.slice(0, 2).toUpperCase()}${i % 20} ${i % 9}AB,GB,Occupant ${i},+4477009${String(i % 100000).padStart(5, '0')},occupant${i}@example.test,${i % 5 === 0 ? 'yes' : 'no'}\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return fs.statSync(file).size;
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

type Server = { process: ChildProcess; baseUrl: string; exited: Promise<number | null> };

async function startServer(settings: Settings): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(projectRoot, 'bench/serve.cjs')], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: settings.databaseUrl, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) process.stderr.write(`[server] ${line}\n`);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  log(`started the server (pid ${child.pid}) on ${baseUrl}; waiting for /readyz`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) fail(`the server exited (code ${child.exitCode}) before it was ready`);
    try {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      fail('the server was not ready after 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { process: child, baseUrl, exited };
}

/** A line of /proc/<pid>/status in MiB (VmRSS now, VmHWM the peak); null off Linux. */
function procMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Uploads the file as multipart/form-data, streamed from disk, and returns the server's answer. */
function upload(server: Server, token: string, customerId: string, mode: string, file: string, size: number): Promise<{ status: number; body: any }> {
  const boundary = `----bench${Date.now().toString(16)}`;
  const field = (name: string, value: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head =
    field('customerId', customerId) +
    field('mapping', JSON.stringify(MAPPING)) +
    field('mode', mode) +
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="work-addresses.csv"\r\ncontent-type: text/csv\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.baseUrl}/imports/work-addresses`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': Buffer.byteLength(head) + size + Buffer.byteLength(tail),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 500)}`));
        }
      });
    });
    req.write(head);
    const body = fs.createReadStream(file);
    body.on('error', reject);
    body.on('end', () => req.end(tail));
    body.pipe(req, { end: false });
  });
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (settings.build) build();
  const prepared = await prepare(settings);
  const file = path.join(os.tmpdir(), `bench-import-${process.pid}.csv`);
  log(`writing ${settings.rows} rows to ${file}`);
  const size = await writeCsv(file, settings.rows);
  const server = await startServer(settings);
  const samples: Array<{ at: number; rss: number }> = [];
  try {
    const idleRss = procMiB(server.process.pid, 'VmRSS');
    log(`uploading ${(size / 1024 / 1024).toFixed(1)} MiB (${settings.mode}) into "${prepared.customerName}"`);
    const started = Date.now();
    const sampler = setInterval(() => {
      const rss = procMiB(server.process.pid, 'VmRSS');
      if (rss !== null) samples.push({ at: Date.now() - started, rss });
    }, 250);
    let answer: { status: number; body: any };
    try {
      answer = await upload(server, prepared.token, toGlobalId('Customer', prepared.customerId), settings.mode, file, size);
    } finally {
      clearInterval(sampler);
    }
    const elapsed = Date.now() - started;
    const peak = procMiB(server.process.pid, 'VmHWM');
    if (answer.status !== 200) fail(`HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 1000)}`);
    const job = answer.body.importJob;
    const row = (label: string, value: string | number) => `  ${label.padEnd(30)} ${value}`;
    // One sample per tenth of the run, so the report shows the shape of memory over time.
    const shown = samples.filter((_, i) => samples.length <= 10 || i % Math.ceil(samples.length / 10) === 0);
    const rssValues = samples.map((s) => s.rss);
    const lines = [
      '',
      '=== Benchmark: CSV import of work addresses ===',
      row('Node', `${process.version} (${os.cpus().length} CPUs, ${os.platform()} ${os.arch()})`),
      row('PostgreSQL', prepared.postgres),
      row('File', `${settings.rows} rows, ${(size / 1024 / 1024).toFixed(1)} MiB, ${HEADER.length} columns`),
      row('Mode', settings.mode),
      row('Job', `${job.status}: ${job.rowsRead} read, ${job.rowsImported} imported, ${job.errorCount} errors`),
      row('Elapsed (upload → answer)', `${(elapsed / 1000).toFixed(2)} s`),
      row('Rows/s', Math.round(job.rowsImported / (elapsed / 1000))),
      row('Server RSS before', idleRss === null ? 'n/a' : `${idleRss.toFixed(0)} MiB`),
      row('Server RSS during (min–max)', rssValues.length ? `${Math.min(...rssValues).toFixed(0)}–${Math.max(...rssValues).toFixed(0)} MiB over ${samples.length} samples` : 'n/a'),
      row('Server peak RSS (VmHWM)', peak === null ? 'n/a' : `${peak.toFixed(0)} MiB`),
      row('RSS samples (s: MiB)', shown.map((s) => `${(s.at / 1000).toFixed(1)}: ${s.rss.toFixed(0)}`).join(', ')),
      row('Customer work addresses', `${prepared.before} before, ${prepared.before + job.rowsImported} after`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (job.status !== 'SUCCEEDED' || job.rowsImported !== settings.rows) fail(`expected all ${settings.rows} rows imported: ${JSON.stringify(job).slice(0, 1000)}`);
  } finally {
    fs.rmSync(file, { force: true });
    server.process.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
    if (server.process.exitCode === null) server.process.kill('SIGKILL');
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
