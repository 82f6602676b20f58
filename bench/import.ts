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
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { asc, count, eq } from 'drizzle-orm';
import { customers } from '../src/customers/tables';
import { toGlobalId } from '../src/graph/ids';
import { workAddresses } from '../src/work-addresses/tables';
import { bench, procMiB, type Server } from './harness';

type Settings = { databaseUrl: string; rows: number; mode: 'ALL_OR_NOTHING' | 'COMMIT_VALID_ROWS'; build: boolean };

const harness = bench('bench:import');
const { log, build, withDemo, startServer, stopServer } = harness;
// Annotated, so that TypeScript knows code after a call to it does not run.
const fail: (message: string) => never = harness.fail;

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

type Prepared = { token: string; customerId: string; customerName: string; before: number; postgres: string };

/** Migrates, makes sure the demo organisation exists, picks its oldest customer and its admin's token. */
async function prepare(settings: Settings): Promise<Prepared> {
  return withDemo(settings.databaseUrl, async ({ db, organisationId, adminToken, postgresVersion }) => {
    const [customer] = await db
      .select({ id: customers.id, name: customers.name })
      .from(customers)
      .where(eq(customers.organisationId, organisationId))
      .orderBy(asc(customers.createdAt), asc(customers.id))
      .limit(1);
    if (!customer) fail('the demo organisation has no customers');
    const before = (await db.select({ n: count() }).from(workAddresses).where(eq(workAddresses.customerId, customer!.id)))[0]?.n ?? 0;
    return { token: adminToken, customerId: customer!.id, customerName: customer!.name, before, postgres: postgresVersion };
  });
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
  const server = await startServer({ databaseUrl: settings.databaseUrl });
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
      row(
        'Server RSS during (min–max)',
        rssValues.length ? `${Math.min(...rssValues).toFixed(0)}–${Math.max(...rssValues).toFixed(0)} MiB over ${samples.length} samples` : 'n/a',
      ),
      row('Server peak RSS (VmHWM)', peak === null ? 'n/a' : `${peak.toFixed(0)} MiB`),
      row('RSS samples (s: MiB)', shown.map((s) => `${(s.at / 1000).toFixed(1)}: ${s.rss.toFixed(0)}`).join(', ')),
      row('Customer work addresses', `${prepared.before} before, ${prepared.before + job.rowsImported} after`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (job.status !== 'SUCCEEDED' || job.rowsImported !== settings.rows)
      fail(`expected all ${settings.rows} rows imported: ${JSON.stringify(job).slice(0, 1000)}`);
  } finally {
    fs.rmSync(file, { force: true });
    await stopServer(server);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
