// The real thing: a server process (dist/src/main.js, as `npm start` runs it) killed with SIGKILL in
// the middle of an import, then started again on the same database. The job it left reads FAILED, saying how many
// rows had landed, and exactly those rows are there. Runs on a copy of the migrated embedded
// database, or on a fresh PostgreSQL database with TEST_DATABASE_URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { createOrganisation } from '../../src/organisations/service';
import { projectRoot } from '../../src/paths';
import { serverEntry } from '../helpers/child-server';
import { createChildDatabase, type ChildDatabase } from '../helpers/database';
import { MultipartBody, postHead, RawConnection } from '../helpers/raw-http';
import { until } from '../helpers/until';

jest.setTimeout(180_000);

const JOB = `query($id: ID!) { importJob(id: $id) { status rowsRead rowsImported failureMessage } }`;
let database: ChildDatabase;
let child: ChildProcess | null = null;

/** Starts the server on the test's database; resolves with its base URL once it listens. */
function startServer(): Promise<{ process: ChildProcess; base: string }> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'development',
    NODE_OPTIONS: '',
    PORT: '0',
    HOST: '127.0.0.1',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'info',
    IMPORT_STALE_AFTER_SECONDS: '6',
    ...database.env,
  };
  const proc = spawn(process.execPath, [serverEntry], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        const port = /"msg":"listening"/.test(line) ? /"port":(\d+)/.exec(line)?.[1] : undefined;
        if (port) resolve({ process: proc, base: `http://127.0.0.1:${port}` });
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

async function graphql(base: string, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return ((await res.json()) as { data: any }).data;
}

beforeAll(async () => {
  database = await createChildDatabase();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await database.drop();
});

it('a server killed with SIGKILL during an import leaves a job that reads FAILED after restart, with the rows that landed', async () => {
  const token = await database.use(async ({ db }) => (await createOrganisation(db, { name: 'Killed Ltd', adminEmail: 'admin@killed.test' })).token);
  const first = await startServer();
  child = first.process;

  // 2500 rows, of which the first two batches of 1000 commit; the upload then stalls.
  const rows = Array.from({ length: 2500 }, (_, i) => `Killed ${i} Ltd,Company,${i} Road,BS1 1AA`).join('\n');
  const body = new MultipartBody()
    .field('mapping', JSON.stringify({ Name: 'name', Type: 'type', 'Address 1': 'line1', 'Post Code': 'postcode' }))
    .field('mode', 'COMMIT_VALID_ROWS')
    .file('file', 'many.csv', 'text/csv', `Name,Type,Address 1,Post Code\n${rows}\n`);
  const bytes = body.complete();
  const conn = await RawConnection.open(first.base);
  await conn.write(postHead('/imports/customers', { token, contentType: body.contentType, length: bytes.length }));
  await conn.write(bytes.subarray(0, bytes.length - 200));
  const id = (await conn.readHead(30_000)).headers['x-import-job-id']!;
  await until(
    'two batches',
    () => graphql(first.base, token, JOB, { id }),
    (d) => d?.importJob?.rowsImported === 2000,
  );

  first.process.kill('SIGKILL');
  await new Promise((r) => first.process.once('exit', r));
  conn.close();

  const second = await startServer();
  child = second.process;
  // At start-up (embedded), or once its heartbeat is stale (PostgreSQL: it might be another instance's).
  const job = (
    await until(
      'the job to fail',
      () => graphql(second.base, token, JOB, { id }),
      (d) => d?.importJob?.status !== 'RUNNING',
    )
  ).importJob;
  expect(job).toMatchObject({ status: 'FAILED', rowsRead: 2000, rowsImported: 2000 });
  expect(job.failureMessage).toMatch(/2000 rows had been imported.*rows after row 2000 were not/);
  second.process.kill('SIGTERM');
  await new Promise((r) => second.process.once('exit', r));

  const [count] = await database.use(({ db }) => selectRows<{ n: number }>(db, sql`select count(*)::int as n from customers where name like 'Killed %'`));
  expect(count!.n).toBe(2000);
});
