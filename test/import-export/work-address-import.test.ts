// CSV import of work addresses over HTTP (POST /imports/work-addresses): bad rows reported by row
// number and field, the two modes, mapping problems refused up front, who may import, and the
// job's progress as a client polls it.
import { PassThrough } from 'node:stream';
import { sql } from 'drizzle-orm';
import { systemActor } from '../../src/auth/actor';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { importWorkAddresses } from '../../src/import-export/work-address-import';
import { importCsv } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;
let customerId: string;
let baseUrl: string;

const MAPPING = { 'Address 1': 'line1', Town: 'town', 'Post Code': 'postcode', Country: 'country', Phone: 'occupierPhone', Occupier: 'occupierSurname' };
const HEADER = 'Address 1,Town,Post Code,Country,Phone,Occupier';

/** Ten rows; rows 3, 6 and 9 are bad: blank line 1, a phone that is not E.164, a three-letter country. */
const FILE_WITH_THREE_BAD_ROWS = [
  HEADER,
  '1 High Street,Bristol,bs1 1aa,GB,+447700900001,Smith',
  '2 High Street,Bristol,BS1 1AB,,,',
  ',Bristol,BS1 1AC,GB,,Jones',
  '"4 High Street, Flat 2",Bristol,BS1 1AD,gb,+447700900004,',
  '5 High Street,Bath,BA1 1AA,GB,,Brown',
  '6 High Street,Bath,BA1 1AB,GB,07700 900006,Green',
  '7 High Street,Bath,BA1 1AC,IE,,',
  '8 High Street,Bath,BA1 1AD,GB,,',
  '9 High Street,Bath,BA1 1AE,GBR,,White',
  '10 High Street,Bath,BA1 1AF,GB,,',
].join('\n');

const upload = (token: string, fields: { customerId?: string; mapping?: unknown; mode?: string }, csv: string | null, fileName = 'addresses.csv') =>
  importCsv(server, '/imports/work-addresses', token, fields, csv, fileName);

async function workAddressCount(customer = customerId): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from work_addresses where customer_id = ${parseGlobalId(customer)!.id}`,
  );
  return row!.n;
}

const JOB = `query($id: ID!) { importJob(id: $id) { id kind mode status rowsRead rowsImported errorCount errors { row field message } failureMessage startedAt finishedAt fileName mapping customer { id } createdBy { id } } }`;

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = server.url.replace(/\/graphql$/, '');
  acme = await createTestOrganisation(server, 'Acme Services');
  const ref = await readReference(server, acme.adminToken);
  const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Harbour Lettings' }) }, acme.adminToken);
  customerId = created.data!.createCustomer.customer.id;
});
afterAll(() => server.close());

describe('COMMIT_VALID_ROWS', () => {
  it('imports the good rows and reports exactly the bad ones, by 1-based data row and field', async () => {
    const before = await workAddressCount();
    const res = await upload(acme.adminToken, { customerId, mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
    expect(res.status).toBe(200);
    const job = res.body.importJob!;
    expect(res.jobHeader).toBe(job.id);
    expect(job).toMatchObject({ status: 'SUCCEEDED', mode: 'COMMIT_VALID_ROWS', rowsRead: 10, rowsImported: 7, errorCount: 3 });
    expect(job.errors.map((e: any) => `${e.row}:${e.field}`)).toEqual(['3:line1', '6:occupierPhone', '9:country']);
    expect(job.errors[0]!.message).toMatch(/Address 1/);
    expect(await workAddressCount()).toBe(before + 7);

    // What the shared schema fills in: defaults, upper-cased postcode and country.
    const rows = await selectRows<{ line1: string; postcode: string; country: string; occupier_surname: string; status: string }>(
      server.database.db,
      sql`select line1, postcode, country, occupier_surname, status from work_addresses where customer_id = ${parseGlobalId(customerId)!.id} and line1 in ('1 High Street', '2 High Street', '4 High Street, Flat 2') order by line1`,
    );
    expect(rows).toEqual([
      { line1: '1 High Street', postcode: 'BS1 1AA', country: 'GB', occupier_surname: 'Smith', status: 'ACTIVE' },
      { line1: '2 High Street', postcode: 'BS1 1AB', country: 'GB', occupier_surname: 'Occupier', status: 'ACTIVE' },
      { line1: '4 High Street, Flat 2', postcode: 'BS1 1AD', country: 'GB', occupier_surname: 'Occupier', status: 'ACTIVE' },
    ]);

    // The job, as a client polls it.
    const polled = await server.graphql(JOB, { id: job.id }, acme.adminToken);
    expect(polled.errors).toBeUndefined();
    expect(polled.data!.importJob).toMatchObject({
      id: job.id,
      kind: 'WORK_ADDRESSES',
      status: 'SUCCEEDED',
      rowsRead: 10,
      rowsImported: 7,
      errorCount: 3,
      fileName: 'addresses.csv',
      mapping: MAPPING,
      customer: { id: customerId },
      createdBy: { id: expect.any(String) },
      failureMessage: null,
    });
    expect(polled.data!.importJob.errors).toHaveLength(3);
    expect(new Date(polled.data!.importJob.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(polled.data!.importJob.startedAt).getTime());
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { ... on ImportJob { status } } }`, { id: job.id }, acme.adminToken);
    expect(node.data!.node).toEqual({ status: 'SUCCEEDED' });

    // One audit entry for the import, with its counts; none per row.
    const audit = await selectRows<{ action: string; entity_type: string; after: any }>(
      server.database.db,
      sql`select action, entity_type, after from audit_entries where entity_id = ${parseGlobalId(job.id)!.id} or entity_type = 'WorkAddress'`,
    );
    expect(audit).toEqual([
      {
        action: 'workAddresses.import',
        entity_type: 'ImportJob',
        after: expect.objectContaining({ rowsRead: 10, rowsImported: 7, errorCount: 3, status: 'SUCCEEDED' }),
      },
    ]);
  });
});

describe('ALL_OR_NOTHING', () => {
  it('refuses the whole file when any row is bad: nothing written, the job REFUSED with every bad row', async () => {
    const before = await workAddressCount();
    const res = await upload(acme.adminToken, { customerId, mapping: MAPPING, mode: 'ALL_OR_NOTHING' }, FILE_WITH_THREE_BAD_ROWS);
    expect(res.status).toBe(200);
    expect(res.body.importJob).toMatchObject({ status: 'REFUSED', rowsRead: 10, rowsImported: 0, errorCount: 3 });
    expect(res.body.importJob!.errors.map((e: any) => `${e.row}:${e.field}`)).toEqual(['3:line1', '6:occupierPhone', '9:country']);
    expect(await workAddressCount()).toBe(before);
    const polled = await server.graphql(JOB, { id: res.body.importJob!.id }, acme.adminToken);
    expect(polled.data!.importJob).toMatchObject({ status: 'REFUSED', rowsImported: 0, errorCount: 3 });
  });

  it('imports everything, across several batches, when every row is good', async () => {
    const before = await workAddressCount();
    const lines = [HEADER];
    for (let i = 1; i <= 2500; i++) lines.push(`${i} Long Road,Leeds,LS1 ${i % 10}AA,GB,,`);
    const res = await upload(acme.adminToken, { customerId, mapping: MAPPING, mode: 'ALL_OR_NOTHING' }, lines.join('\r\n') + '\r\n');
    expect(res.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsRead: 2500, rowsImported: 2500, errorCount: 0, errors: [] });
    expect(await workAddressCount()).toBe(before + 2500);
  });
});

describe('refused up front', () => {
  it('refuses a mapping to a field a work address does not have, and one without line1, before any job exists', async () => {
    const jobsBefore = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from import_jobs`);
    const unknown = await upload(
      acme.adminToken,
      { customerId, mapping: { 'Address 1': 'line1', Colour: 'paintColour' }, mode: 'COMMIT_VALID_ROWS' },
      FILE_WITH_THREE_BAD_ROWS,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors!.map((e: any) => `${e.extensions.field.join('.')}:${e.extensions.code}`)).toEqual(['mapping.Colour:INVALID']);

    const noLine1 = await upload(acme.adminToken, { customerId, mapping: { Town: 'town' }, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
    expect(noLine1.status).toBe(400);
    expect(noLine1.body.errors!.map((e: any) => `${e.extensions.field.join('.')}:${e.extensions.code}`)).toEqual(['mapping:REQUIRED']);

    const notJson = await upload(acme.adminToken, { customerId, mapping: '{nope', mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
    expect(notJson.status).toBe(400);

    const missingColumn = await upload(
      acme.adminToken,
      { customerId, mapping: { 'Address One': 'line1' }, mode: 'COMMIT_VALID_ROWS' },
      FILE_WITH_THREE_BAD_ROWS,
    );
    expect(missingColumn.status).toBe(400);
    expect(missingColumn.body.errors![0]!.extensions.field).toEqual(['mapping', 'Address One']);

    const badMode = await upload(acme.adminToken, { customerId, mapping: MAPPING, mode: 'SOMETIMES' }, FILE_WITH_THREE_BAD_ROWS);
    expect(badMode.status).toBe(400);
    expect(badMode.body.errors![0]!.extensions.field).toEqual(['mode']);

    const noFile = await upload(acme.adminToken, { customerId, mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, null);
    expect(noFile.status).toBe(400);
    expect(noFile.body.errors![0]!.extensions.field).toEqual(['file']);

    const jobsAfter = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from import_jobs`);
    expect(jobsAfter[0]!.n).toBe(jobsBefore[0]!.n);
  });

  it('fails the job, keeping nothing in ALL_OR_NOTHING, when the file is not CSV past some point', async () => {
    const before = await workAddressCount();
    // Far enough into the file that the good rows before it have been read (and a batch inserted).
    const good = Array.from({ length: 3000 }, (_, i) => `${i} Good Road,Leeds,LS1 1AA,GB,,`).join('\n');
    const broken = `${HEADER}\n${good}\n"unterminated,Leeds,LS1 1AB,GB,,\n`;
    const res = await upload(acme.adminToken, { customerId, mapping: MAPPING, mode: 'ALL_OR_NOTHING' }, broken);
    expect(res.status).toBe(200);
    expect(res.body.importJob).toMatchObject({ status: 'FAILED', rowsImported: 0 });
    expect(res.body.importJob!.failureMessage).toMatch(/could not be read/);
    expect(await workAddressCount()).toBe(before);
  });
});

describe('who may import', () => {
  it('answers a SALES user who does not own the customer as if it did not exist, and writes nothing', async () => {
    const before = await workAddressCount();
    const res = await upload(await acme.tokenFor('SALES'), { customerId, mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
    expect(res.status).toBe(404);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: ['customerId'] });
    expect(await workAddressCount()).toBe(before);
  });

  it('refuses READ_ONLY and FINANCE (FORBIDDEN), and requests without a valid token (UNAUTHENTICATED)', async () => {
    for (const role of ['READ_ONLY', 'FINANCE'] as const) {
      const res = await upload(await acme.tokenFor(role), { customerId, mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
      expect(res.status).toBe(403);
      expect(res.body.errors![0]!.extensions.code).toBe('FORBIDDEN');
    }
    const anonymous = await fetch(`${baseUrl}/imports/work-addresses`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    const bad = await upload('crm_not-a-token', { customerId, mapping: MAPPING }, FILE_WITH_THREE_BAD_ROWS);
    expect(bad.status).toBe(401);
  });

  it("does not show another organisation's job, nor import into its customer", async () => {
    const other = await createTestOrganisation(server, 'Other Services');
    const ref = await readReference(server, other.adminToken);
    const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Elsewhere Ltd' }) }, other.adminToken);
    const otherCustomer = created.data!.createCustomer.customer.id;
    const res = await upload(other.adminToken, { customerId: otherCustomer, mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
    expect(res.body.importJob!.status).toBe('SUCCEEDED');
    const seen = await server.graphql(JOB, { id: res.body.importJob!.id }, acme.adminToken);
    expect(seen.data!.importJob).toBeNull();
    const into = await upload(acme.adminToken, { customerId: otherCustomer, mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
    expect(into.status).toBe(404);
  });
});

describe('progress', () => {
  it('shows the rows read and imported as batches commit, while the file is still arriving', async () => {
    const input = new PassThrough();
    const customerUuid = parseGlobalId(customerId)!.id;
    let jobId: string | null = null;
    const running = importWorkAddresses({
      db: server.database.db,
      actor: systemActor(acme.organisationId, 'test'),
      customerId: customerUuid,
      mapping: { 'Address 1': 'line1' },
      mode: 'COMMIT_VALID_ROWS',
      fileName: 'slow.csv',
      input,
      progressOutsideTransaction: false,
      batchSize: 100,
      onJobCreated: (job) => (jobId = job.id),
    });
    input.write('Address 1\n');
    for (let i = 1; i <= 250; i++) input.write(i === 120 ? ' \n' : `${i} Slow Lane\n`);
    const jobGlobalId = () => Buffer.from(`ImportJob:${jobId}`).toString('base64url');
    // Two batches of 100 have committed; the last 50 rows wait for more of the file.
    let job: any;
    for (let attempt = 0; attempt < 100; attempt++) {
      await new Promise((r) => setTimeout(r, 20));
      if (!jobId) continue;
      job = (await server.graphql(JOB, { id: jobGlobalId() }, acme.adminToken)).data!.importJob;
      if (job.rowsRead >= 200) break;
    }
    expect(job).toMatchObject({ status: 'RUNNING', rowsRead: 200, rowsImported: 199, errorCount: 1, finishedAt: null });
    expect(job.errors).toEqual([{ row: 120, field: 'line1', message: expect.stringMatching(/line1 \(column "Address 1"\)/) }]);
    input.end();
    const outcome = await running;
    expect('job' in outcome && outcome.job).toMatchObject({ status: 'SUCCEEDED', rowsRead: 250, rowsImported: 249, errorCount: 1 });
  });
});
