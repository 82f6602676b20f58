// Broken multipart bodies on the upload routes (POST /documents, /imports/customers,
// /imports/work-addresses, and the cut bodies on /imports/customer-archive), sent over a raw socket as an attacker or a flaky client would: a body cut
// before its closing boundary, a refused file part cut short, a malformed part, a refusal before the
// body is read. Each is a 400 (or the refusal) with a clear code, leaves nothing behind, never ends
// the process, and the same keep-alive connection answers the next request (or the server said
// `connection: close` and closed it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { MultipartBody, postHead, RawConnection, type RawResponse } from '../helpers/raw-http';
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

const CUSTOMER_MAPPING = JSON.stringify({ Name: 'name', Type: 'type', 'Address 1': 'line1', 'Post Code': 'postcode' });
const CUSTOMER_CSV = 'Name,Type,Address 1,Post Code\nCut Ltd,Company,1 Quay Street,BS1 4DJ\nCut Two Ltd,Company,2 Quay Street,BS1 4DK\n';
const ADDRESS_MAPPING = JSON.stringify({ 'Address 1': 'line1', 'Post Code': 'postcode' });
const ADDRESS_CSV = 'Address 1,Post Code\n1 High Street,BS1 1AA\n2 High Street,BS1 1AB\n';

let server: TestServer;
let org: TestOrganisation;
let base: string;
let customerId: string;
let folder: string;

/** What an upload could leave behind: rows, stored bytes, files, import jobs still RUNNING. */
async function leftovers() {
  const [counts] = await selectRows<Record<string, number>>(
    server.database.db,
    sql`select (select count(*)::int from documents) as documents, (select count(*)::int from document_blobs) as blobs,
      (select count(*)::int from customers) as customers, (select count(*)::int from work_addresses) as "workAddresses",
      (select count(*)::int from import_jobs where status = 'RUNNING') as "runningJobs"`,
  );
  const files = fs.existsSync(folder)
    ? (fs.readdirSync(folder, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(folder, f)).isFile())
    : [];
  return { ...counts, files: files.length };
}

async function send(conn: RawConnection, route: string, body: MultipartBody, bytes: Buffer, token: string | null = org.adminToken): Promise<RawResponse> {
  await conn.write(postHead(route, { token, contentType: body.contentType, length: bytes.length }));
  await conn.write(bytes);
  return conn.readResponse();
}

/** The connection answers another request at once, or the server announced and made its close. */
async function expectReusable(conn: RawConnection, previous: RawResponse): Promise<void> {
  if (previous.headers.connection === 'close') {
    for (let i = 0; i < 100 && !conn.closed; i++) await new Promise((r) => setTimeout(r, 50));
    expect(conn.closed).toBe(true);
    return;
  }
  await conn.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n');
  const next = await conn.readResponse(5_000);
  expect(next.status).toBe(200);
}

function errorCode(res: RawResponse): string {
  return JSON.parse(res.body).errors[0].extensions.code;
}

/**
 * A 400 with `code`; or, for an import whose job had already started (its 200 and job id are sent as
 * soon as the job exists), that job FAILED with nothing imported and the reason.
 */
function expectRefusedOrFailed(res: RawResponse, code: string): void {
  const body = JSON.parse(res.body);
  if (res.status === 200 && body.importJob) {
    expect(body.importJob).toMatchObject({ status: 'FAILED', rowsImported: 0 });
    expect(body.importJob.failureMessage).toMatch(/closing boundary/);
    return;
  }
  expect([res.status, body.errors[0].extensions.code]).toEqual([400, code]);
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'multipart-'));
  server = await startTestServer({ DOCUMENT_STORAGE: 'folder', DOCUMENT_DIR: folder, DOCUMENT_MAX_BYTES: '300000' });
  base = server.url.replace(/\/graphql$/, '');
  org = await createTestOrganisation(server);
  const ref = await readReference(server, org.adminToken);
  const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Uploads Ltd' }) }, org.adminToken);
  customerId = created.data!.createCustomer.customer.id;
});
afterAll(async () => {
  await server.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

describe('a body cut before its closing boundary', () => {
  const routes: Array<[string, () => MultipartBody]> = [
    ['/documents', () => new MultipartBody().field('recordId', customerId).file('file', 'cut.pdf', 'application/pdf', `%PDF-1.7\n${'x'.repeat(5000)}`)],
    ['/imports/customers', () => new MultipartBody().field('mapping', CUSTOMER_MAPPING).file('file', 'c.csv', 'text/csv', CUSTOMER_CSV)],
    [
      '/imports/work-addresses',
      () => new MultipartBody().field('customerId', customerId).field('mapping', ADDRESS_MAPPING).file('file', 'a.csv', 'text/csv', ADDRESS_CSV),
    ],
    // The archive is read whole before anything is checked, so a cut body is refused before any job.
    ['/imports/customer-archive', () => new MultipartBody().field('mode', 'DRY_RUN').file('file', 'a.zip', 'application/zip', `PK${'x'.repeat(5000)}`)],
  ];

  it.each(routes)('%s answers 400 INCOMPLETE_UPLOAD, keeps nothing, and the connection serves the next request', async (route, build) => {
    const before = await leftovers();
    const conn = await RawConnection.open(base);
    const body = build();
    // Cut inside the file's first line: before an import could start its job (see below for after).
    const whole = body.complete();
    const cut = whole.subarray(0, whole.indexOf('\r\n\r\n', whole.indexOf('filename=')) + 4 + 6);
    const res = await send(conn, route, body, cut);
    expect([res.status, errorCode(res)]).toEqual([400, 'INCOMPLETE_UPLOAD']);
    expect(JSON.parse(res.body).errors[0].message).toMatch(/closing boundary/);
    await expectReusable(conn, res);
    conn.close();
    expect(await leftovers()).toEqual(before);
  });

  it.each(routes)('%s: cut a few bytes before the end, it is refused (or its job FAILED) and keeps nothing', async (route, build) => {
    const before = await leftovers();
    const conn = await RawConnection.open(base);
    const body = build();
    const res = await send(conn, route, body, body.truncated());
    expectRefusedOrFailed(res, 'INCOMPLETE_UPLOAD');
    await expectReusable(conn, res);
    conn.close();
    expect(await leftovers()).toEqual(before);
  });

  it.each(routes)('%s: a cut inside the part headers is the same 400', async (route, build) => {
    const before = await leftovers();
    const conn = await RawConnection.open(base);
    const body = build();
    const whole = body.complete();
    // Cut in the middle of the file part's headers.
    const cut = whole.subarray(0, whole.indexOf('filename=') + 4);
    const res = await send(conn, route, body, cut);
    expect(res.status).toBe(400);
    expect(['INCOMPLETE_UPLOAD', 'BAD_REQUEST']).toContain(errorCode(res));
    await expectReusable(conn, res);
    conn.close();
    expect(await leftovers()).toEqual(before);
  });
});

describe('a refused file part cut short', () => {
  it('/documents: a second file part that is cut ends in 400, nothing kept', async () => {
    const before = await leftovers();
    const conn = await RawConnection.open(base);
    const body = new MultipartBody()
      .field('recordId', customerId)
      .file('file', 'ok.pdf', 'application/pdf', `%PDF-1.7\n${'x'.repeat(100)}`)
      .file('attachment', 'extra.pdf', 'application/pdf', 'y'.repeat(5000));
    const res = await send(conn, '/documents', body, body.truncated());
    expect([res.status, errorCode(res)]).toEqual([400, 'INCOMPLETE_UPLOAD']);
    await expectReusable(conn, res);
    conn.close();
    expect(await leftovers()).toEqual(before);
  });

  it('/documents: a file for a record that does not resolve, cut short, is refused without ending the process', async () => {
    const before = await leftovers();
    const conn = await RawConnection.open(base);
    const body = new MultipartBody().field('recordId', 'nonsense').file('file', 'cut.pdf', 'application/pdf', `%PDF-1.7\n${'x'.repeat(5000)}`);
    const res = await send(conn, '/documents', body, body.truncated());
    expect(res.status).toBe(400);
    expect(['INCOMPLETE_UPLOAD', 'BAD_USER_INPUT']).toContain(errorCode(res));
    await expectReusable(conn, res);
    conn.close();
    expect(await leftovers()).toEqual(before);
  });

  it.each([
    ['/imports/customers', () => new MultipartBody().field('mapping', '{"Name":"nonsense"}').file('file', 'c.csv', 'text/csv', CUSTOMER_CSV)],
    [
      '/imports/work-addresses',
      () => new MultipartBody().field('customerId', customerId).field('mapping', 'not json').file('file', 'a.csv', 'text/csv', ADDRESS_CSV),
    ],
    [
      '/imports/customers',
      () =>
        new MultipartBody()
          .field('mapping', CUSTOMER_MAPPING)
          .file('file', 'c.csv', 'text/csv', CUSTOMER_CSV)
          .file('second', 'd.csv', 'text/csv', CUSTOMER_CSV),
    ],
  ])('%s: a file refused (bad mapping, or a second file) and cut short is a 400, nothing kept', async (route, build) => {
    const before = await leftovers();
    const conn = await RawConnection.open(base);
    const body = build();
    const res = await send(conn, route, body, body.truncated());
    if (res.status === 200) expectRefusedOrFailed(res, 'INCOMPLETE_UPLOAD');
    else expect(res.status).toBe(400);
    await expectReusable(conn, res);
    conn.close();
    expect(await leftovers()).toEqual(before);
  });
});

describe('an import cut after its job started', () => {
  it('answers the job FAILED with nothing imported and the reason, never leaving it RUNNING', async () => {
    const before = await leftovers();
    const conn = await RawConnection.open(base);
    const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1} Long Road,BS1 1AA`).join('\n');
    const body = new MultipartBody()
      .field('customerId', customerId)
      .field('mapping', ADDRESS_MAPPING)
      .field('mode', 'ALL_OR_NOTHING')
      .file('file', 'a.csv', 'text/csv', `Address 1,Post Code\n${rows}\n`);
    const bytes = body.truncated();
    const first = bytes.subarray(0, bytes.length - 5000);
    await conn.write(postHead('/imports/work-addresses', { token: org.adminToken, contentType: body.contentType, length: bytes.length }));
    await conn.write(first);
    // The job exists (its id is sent at once) before the rest arrives without a closing boundary.
    const head = await conn.readHead();
    expect(head.status).toBe(200);
    expect(head.headers['x-import-job-id']).toBeTruthy();
    await conn.write(bytes.subarray(first.length));
    const job = JSON.parse(await conn.readBody(head.headers)).importJob;
    expect(job).toMatchObject({ status: 'FAILED', rowsImported: 0 });
    expect(job.failureMessage).toMatch(/closing boundary/);
    await expectReusable(conn, { ...head, body: '' });
    conn.close();
    expect(await leftovers()).toEqual(before);
  });
});

describe('a refusal before the body is read', () => {
  const big = 'z'.repeat(400_000);

  it.each([
    ['/documents', null],
    ['/imports/customers', null],
    ['/imports/work-addresses', 'READ_ONLY'],
  ] as const)('%s refused (401/403) with a large body still coming does not stall the connection', async (route, role) => {
    const conn = await RawConnection.open(base);
    const body = new MultipartBody().field('recordId', customerId).field('mapping', '{}').file('file', 'big.pdf', 'application/pdf', big);
    const token = role ? await org.tokenFor(role) : null;
    const res = await send(conn, route, body, body.complete(), token);
    expect(res.status).toBe(role ? 403 : 401);
    await expectReusable(conn, res);
    conn.close();
  });

  it('/documents over the size limit by Content-Length (413) does not stall the connection', async () => {
    const conn = await RawConnection.open(base);
    const body = new MultipartBody().field('recordId', customerId).file('file', 'big.pdf', 'application/pdf', `%PDF-1.7\n${'x'.repeat(500_000)}`);
    const res = await send(conn, '/documents', body, body.complete());
    expect([res.status, errorCode(res)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    await expectReusable(conn, res);
    conn.close();
  });

  it.each(['/documents', '/imports/customers', '/imports/work-addresses'])(
    '%s: a malformed part early in a large body is a 400 and the connection goes on',
    async (route) => {
      const before = await leftovers();
      const conn = await RawConnection.open(base);
      const body = new MultipartBody();
      const bytes = Buffer.concat([
        Buffer.from(`--${body.boundary}\r\nthis is not a header line\r\n\r\n`),
        Buffer.from('w'.repeat(200_000)),
        Buffer.from(`\r\n--${body.boundary}--\r\n`),
      ]);
      const res = await send(conn, route, body, bytes);
      expect([res.status, errorCode(res)]).toEqual([400, 'BAD_REQUEST']);
      await expectReusable(conn, res);
      conn.close();
      expect(await leftovers()).toEqual(before);
    },
  );

  it('/imports/customers: a bad mapping with a large file after it is a 400 and the connection goes on', async () => {
    const conn = await RawConnection.open(base);
    const body = new MultipartBody().field('mapping', 'not json').file('file', 'c.csv', 'text/csv', `Name\n${'a,'.repeat(200_000)}\n`);
    const res = await send(conn, '/imports/customers', body, body.complete());
    expect(res.status).toBe(400);
    await expectReusable(conn, res);
    conn.close();
  });
});

it('the server is still up after all of this', async () => {
  const res = await fetch(`${base}/healthz`);
  expect(res.status).toBe(200);
});
