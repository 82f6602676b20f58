// Import jobs left RUNNING by a process that died (kill -9 during an import): at start-up they read
// FAILED with what had landed; on PostgreSQL, where other instances may be running imports, only jobs
// whose heartbeat has gone stale are failed, at start-up and by a periodic sweep; a live import keeps
// its job's heartbeat fresh and is never swept.
import { eq, sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { importJobs } from '../../src/import-export/tables';
import { createOrganisation } from '../../src/organisations/service';
import { MultipartBody, postHead, RawConnection } from '../helpers/raw-http';
import { startTestServer, type TestServer } from '../helpers/server';

const STALE_SECONDS = 2;
const JOB = `query($id: ID!) { importJob(id: $id) { status rowsRead rowsImported errorCount failureMessage finishedAt } }`;

let server: TestServer;
let token: string;
let killedMidway: string;
let killedAllOrNothing: string;
let otherInstance: string;
// The other instance's live import, played by this test: it beats the job's heartbeat until it stops.
let otherBeat: NodeJS.Timeout | undefined;

async function job(id: string) {
  const res = await server.graphql(JOB, { id }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.importJob;
}

beforeAll(async () => {
  server = await startTestServer(
    { IMPORT_STALE_AFTER_SECONDS: String(STALE_SECONDS) },
    {
      // What a server killed during imports leaves behind, written before this one starts.
      beforeStart: async (database) => {
        const created = await createOrganisation(database.db, { name: 'Crashed Imports Ltd', adminEmail: 'admin@crashed.test' });
        token = created.token;
        const base = {
          organisationId: created.organisation.id,
          kind: 'CUSTOMERS' as const,
          mapping: { Name: 'name' },
          createdById: created.admin.id,
          status: 'RUNNING' as const,
        };
        const tenMinutesAgo = sql`now() - interval '10 minutes'`;
        const [a, b, c] = await database.db
          .insert(importJobs)
          .values([
            // COMMIT_VALID_ROWS: two batches committed (1990 good rows, 10 bad) before the kill.
            { ...base, mode: 'COMMIT_VALID_ROWS', rowsRead: 2000, rowsImported: 1990, errorCount: 10, heartbeatAt: tenMinutesAgo },
            // ALL_OR_NOTHING: 500 rows read in the transaction that died with the process.
            { ...base, mode: 'ALL_OR_NOTHING', rowsRead: 500, rowsImported: 0, heartbeatAt: tenMinutesAgo },
            // Beating a moment ago: on PostgreSQL, possibly another instance's live import.
            { ...base, mode: 'COMMIT_VALID_ROWS', rowsRead: 1000, rowsImported: 1000, heartbeatAt: sql`now()` },
          ])
          .returning({ id: importJobs.id });
        killedMidway = toGlobalId('ImportJob', a!.id);
        killedAllOrNothing = toGlobalId('ImportJob', b!.id);
        otherInstance = toGlobalId('ImportJob', c!.id);
        otherBeat = setInterval(() => {
          void database.db
            .update(importJobs)
            .set({ heartbeatAt: sql`now()` })
            .where(eq(importJobs.id, c!.id))
            .catch(() => undefined);
        }, 250);
      },
    },
  );
});
afterAll(() => {
  clearInterval(otherBeat);
  return server.close();
});

it('fails at start-up the jobs a killed server left RUNNING, saying what had landed', async () => {
  expect(await job(killedMidway)).toMatchObject({ status: 'FAILED', rowsRead: 2000, rowsImported: 1990, errorCount: 10, finishedAt: expect.any(String) });
  expect((await job(killedMidway)).failureMessage).toMatch(
    /stopped before it finished .*1990 rows had been imported, from the first 2000 rows read; rows after row 2000 were not/,
  );
  expect(await job(killedAllOrNothing)).toMatchObject({ status: 'FAILED', rowsImported: 0 });
  expect((await job(killedAllOrNothing)).failureMessage).toMatch(/Nothing was imported/);
});

it('leaves a job with a fresh heartbeat to its instance (PostgreSQL) until the heartbeat goes stale', async () => {
  // The embedded database has one process: every job it finds RUNNING at start-up was abandoned.
  if (server.database.kind === 'postgres') {
    // Past twice the stale period, while the other instance beats: still its job.
    await new Promise((r) => setTimeout(r, STALE_SECONDS * 2000 + 500));
    expect((await job(otherInstance)).status).toBe('RUNNING');
  }
  clearInterval(otherBeat);
  let status = (await job(otherInstance)).status;
  for (let i = 0; i < 100 && status === 'RUNNING'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await job(otherInstance)).status;
  }
  expect(status).toBe('FAILED');
});

it("keeps a live import's job RUNNING past the stale period while its upload is slow, and it succeeds", async () => {
  const conn = await RawConnection.open(server.url.replace(/\/graphql$/, ''));
  const rows = Array.from({ length: 20 }, (_, i) => `Slow ${i} Ltd,Company,${i} Road,BS1 1AA`).join('\n');
  const body = new MultipartBody()
    .field('mapping', JSON.stringify({ Name: 'name', Type: 'type', 'Address 1': 'line1', 'Post Code': 'postcode' }))
    .field('mode', 'COMMIT_VALID_ROWS')
    .file('file', 'slow.csv', 'text/csv', `Name,Type,Address 1,Post Code\n${rows}\n`);
  const bytes = body.complete();
  const half = bytes.subarray(0, bytes.indexOf('Slow 10'));
  await conn.write(postHead('/imports/customers', { token, contentType: body.contentType, length: bytes.length }));
  await conn.write(half);
  const head = await conn.readHead();
  const id = head.headers['x-import-job-id']!;
  // Twice the stale period with the upload stalled: the heartbeat keeps the sweep off it.
  await new Promise((r) => setTimeout(r, STALE_SECONDS * 2000 + 500));
  expect((await job(id)).status).toBe('RUNNING');
  await conn.write(bytes.subarray(half.length));
  const answer = JSON.parse(await conn.readBody(head.headers));
  conn.close();
  expect(answer.importJob).toMatchObject({ status: 'SUCCEEDED', rowsImported: 20 });
  expect((await job(id)).status).toBe('SUCCEEDED');
});

it('keeps nothing more of an import whose job was failed while it ran (a process taken for dead): the job stays true', async () => {
  const conn = await RawConnection.open(server.url.replace(/\/graphql$/, ''));
  const rows = Array.from({ length: 20 }, (_, i) => `Swept ${i} Ltd,Company,${i} Road,BS1 1AA`).join('\n');
  const body = new MultipartBody()
    .field('mapping', JSON.stringify({ Name: 'name', Type: 'type', 'Address 1': 'line1', 'Post Code': 'postcode' }))
    .field('mode', 'COMMIT_VALID_ROWS')
    .file('file', 'swept.csv', 'text/csv', `Name,Type,Address 1,Post Code\n${rows}\n`);
  const bytes = body.complete();
  const half = bytes.subarray(0, bytes.indexOf('Swept 10'));
  await conn.write(postHead('/imports/customers', { token, contentType: body.contentType, length: bytes.length }));
  await conn.write(half);
  const head = await conn.readHead();
  const id = head.headers['x-import-job-id']!;
  // What the sweep does to a job whose heartbeat went stale (a long pause of its process).
  await server.database.db
    .update(importJobs)
    .set({ status: 'FAILED', failureMessage: 'The server running this import stopped before it finished. 0 rows had been imported.', finishedAt: new Date() })
    .where(eq(importJobs.id, parseGlobalId(id)!.id));
  await conn.write(bytes.subarray(half.length));
  const answer = JSON.parse(await conn.readBody(head.headers));
  conn.close();
  // The batch did not land under a FAILED job that says nothing was imported.
  expect(answer.importJob).toMatchObject({ status: 'FAILED', rowsImported: 0 });
  expect(await job(id)).toMatchObject({ status: 'FAILED', rowsImported: 0, failureMessage: expect.stringContaining('0 rows had been imported') });
  const [count] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customers where name like 'Swept %'`);
  expect(count!.n).toBe(0);
});
