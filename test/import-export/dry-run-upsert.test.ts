// Imports that can be rehearsed and repeated (issue 14, item 7): DRY_RUN checks every row as
// ALL_OR_NOTHING would and keeps nothing, answering the same report; a customers row whose
// thirdPartyReference is an existing customer's updates that customer (through the same services as
// the mutations: checks, audit) instead of creating a second one, so importing a file twice changes
// nothing the second time.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { tableChecksums } from '../helpers/atomicity';
import { importCsv, type ImportJobAnswer } from '../helpers/flows';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;

const MAPPING = {
  Ref: 'thirdPartyReference',
  Name: 'name',
  Type: 'type',
  Status: 'status',
  'Credit Limit': 'creditLimit',
  'Address 1': 'line1',
  Town: 'town',
  'Post Code': 'postcode',
  'First Name': 'contactFirstName',
  Surname: 'contactSurname',
  Phone: 'contactPhone',
};
const HEADER = 'Ref,Name,Type,Status,Credit Limit,Address 1,Town,Post Code,First Name,Surname,Phone';

const upload = (csv: string, mode: string, token = acme.adminToken) =>
  importCsv(server, '/imports/customers', token, { mapping: MAPPING, mode }, csv, 'customers.csv');

const jobOf = (answer: Awaited<ReturnType<typeof upload>>): ImportJobAnswer => {
  expect(answer.status).toBe(200);
  return answer.body.importJob!;
};

/** The organisation's customers, addresses and contacts, row for row (versions included); the import job's own entry and event aside. */
async function recordState(organisationId = acme.organisationId) {
  const all = await tableChecksums(server.database.db, { organisationId });
  return { customers: all.customers, addresses: all.addresses, contacts: all.contacts };
}

const CUSTOMER_BY_REFERENCE = `query($name: String!) { customers(first: 5, filter: { name: $name }) { nodes { id name version thirdPartyReference status { code }
  creditLimit { amountMinor } addresses(first: 5) { nodes { line1 town postcode } } contacts(first: 5) { nodes { firstName surname phones { number } } } } } }`;

async function customerNamed(name: string) {
  const res = await server.graphql(CUSTOMER_BY_REFERENCE, { name }, acme.adminToken);
  expect(res.errors).toBeUndefined();
  return res.data!.customers.nodes as Array<Record<string, any>>;
}

beforeAll(async () => {
  server = await startTestServer();
  acme = await createTestOrganisation(server, 'Acme Services');
});
afterAll(() => server.close());

describe('DRY_RUN', () => {
  const GOOD = [
    HEADER,
    'DR-1,Dry One Ltd,Company,,100,1 Dry Lane,Leeds,LS1 1AA,Ann,Dry,+447700900101',
    'DR-2,Dry Two Ltd,Company,,,2 Dry Lane,Leeds,LS1 1AB,,,',
  ].join('\n');
  const BAD = [
    HEADER,
    'DB-1,Dry Bad One,Company,,,1 Bad Lane,Leeds,LS2 1AA,,,',
    'DB-2,Dry Bad Two,Widget maker,,,2 Bad Lane,Leeds,,,,',
    'DB-3,Dry Bad Three,Company,,0.001,3 Bad Lane,Leeds,LS2 1AC,,,',
  ].join('\n');

  it('checks every row and keeps nothing: the same report ALL_OR_NOTHING then gives, with the rows imported', async () => {
    const before = await recordState();
    const dry = jobOf(await upload(GOOD, 'DRY_RUN'));
    expect(dry).toMatchObject({ mode: 'DRY_RUN', status: 'SUCCEEDED', rowsRead: 2, rowsValid: 2, rowsImported: 0, rowsUpdated: 0, errorCount: 0, errors: [] });
    expect(await recordState()).toEqual(before);
    expect(await customerNamed('Dry One')).toEqual([]);

    const real = jobOf(await upload(GOOD, 'ALL_OR_NOTHING'));
    expect(real).toMatchObject({ mode: 'ALL_OR_NOTHING', status: 'SUCCEEDED', rowsRead: 2, rowsValid: 2, rowsImported: 2, errorCount: 0 });
    expect((await customerNamed('Dry One'))[0]).toMatchObject({ name: 'Dry One Ltd', thirdPartyReference: 'DR-1', creditLimit: { amountMinor: 10000 } });
  });

  it('reports every bad row as ALL_OR_NOTHING would, and writes nothing', async () => {
    const before = await recordState();
    const dry = jobOf(await upload(BAD, 'DRY_RUN'));
    const refused = jobOf(await upload(BAD, 'ALL_OR_NOTHING'));
    expect(dry).toMatchObject({ status: 'REFUSED', rowsRead: 3, rowsValid: 1, rowsImported: 0, errorCount: 3 });
    expect(dry.errors).toEqual(refused.errors);
    expect(dry.errors).toEqual([
      expect.objectContaining({ row: 2, field: 'type' }),
      expect.objectContaining({ row: 2, field: 'postcode' }),
      expect.objectContaining({ row: 3, field: 'creditLimit' }),
    ]);
    expect(refused).toMatchObject({ status: 'REFUSED', rowsValid: 1, rowsImported: 0 });
    expect(await recordState()).toEqual(before);
  });

  it('is the job GraphQL shows too, and the upload form names it among the modes', async () => {
    const answer = await upload(GOOD.replace(/DR-/g, 'DQ-').replace(/Dry/g, 'Query'), 'DRY_RUN');
    const id = (answer.body as { importJob: { id: string } }).importJob.id;
    const res = await server.graphql(`query($id: ID!) { importJob(id: $id) { mode status rowsValid rowsImported rowsUpdated } }`, { id }, acme.adminToken);
    expect(res.data!.importJob).toEqual({ mode: 'DRY_RUN', status: 'SUCCEEDED', rowsValid: 2, rowsImported: 0, rowsUpdated: 0 });
    const wrong = await upload(GOOD, 'SOMETIMES');
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toContain('mode: must be ALL_OR_NOTHING, COMMIT_VALID_ROWS or DRY_RUN');
  });
});

describe('upsert by thirdPartyReference', () => {
  const FIRST = [
    HEADER,
    'UP-1,Upsert One Ltd,Company,,500,1 Up Street,York,YO1 1AA,Bob,Upton,+447700900201',
    'UP-2,Upsert Two Ltd,Company,,,2 Up Street,York,YO1 1AB,,,',
  ].join('\n');
  const SECOND = [
    HEADER,
    // UP-1: a new name, town and phone; UP-2 exactly as before; UP-3 new.
    'UP-1,Upsert One Renamed Ltd,Company,,750,1 Up Street,Harrogate,YO1 1AA,Bob,Upton,+447700900299',
    'UP-2,Upsert Two Ltd,Company,,,2 Up Street,York,YO1 1AB,,,',
    'UP-3,Upsert Three Ltd,Company,,,3 Up Street,York,YO1 1AC,,,',
  ].join('\n');

  it('updates the customer with the reference instead of creating another; unchanged rows change nothing', async () => {
    expect(jobOf(await upload(FIRST, 'ALL_OR_NOTHING'))).toMatchObject({ status: 'SUCCEEDED', rowsImported: 2, rowsUpdated: 0 });
    const [one] = await customerNamed('Upsert One');
    const [two] = await customerNamed('Upsert Two');

    // Rehearsed first: the dry run says two rows would update, and changes nothing.
    const before = await recordState();
    expect(jobOf(await upload(SECOND, 'DRY_RUN'))).toMatchObject({ status: 'SUCCEEDED', rowsValid: 3, rowsUpdated: 2, rowsImported: 0 });
    expect(await recordState()).toEqual(before);

    expect(jobOf(await upload(SECOND, 'COMMIT_VALID_ROWS'))).toMatchObject({
      status: 'SUCCEEDED',
      rowsRead: 3,
      rowsImported: 3,
      rowsUpdated: 2,
      errorCount: 0,
    });
    const ones = await customerNamed('Upsert One');
    expect(ones).toHaveLength(1);
    expect(ones[0]).toMatchObject({
      id: one!.id,
      name: 'Upsert One Renamed Ltd',
      creditLimit: { amountMinor: 75000 },
      addresses: { nodes: [{ line1: '1 Up Street', town: 'Harrogate', postcode: 'YO1 1AA' }] },
      // The same contact (by name), its phone changed; not a second Bob Upton.
      contacts: { nodes: [{ firstName: 'Bob', surname: 'Upton', phones: [{ number: '+447700900299' }] }] },
    });
    expect(ones[0]!.version).toBeGreaterThan(one!.version);
    // Exactly as before: not even its version moved.
    expect(await customerNamed('Upsert Two')).toEqual([two]);
    expect(await customerNamed('Upsert Three')).toHaveLength(1);

    // The update is in the customer's audit trail, as updateCustomer writes it.
    const [audit] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from audit_entries where entity_type = 'Customer' and action = 'customer.update' and entity_id = (select id from customers where third_party_reference = 'UP-1')`,
    );
    expect(audit!.n).toBe(1);

    // The same file again: nothing changes at all.
    const settled = await recordState();
    expect(jobOf(await upload(SECOND, 'ALL_OR_NOTHING'))).toMatchObject({ status: 'SUCCEEDED', rowsImported: 3, rowsUpdated: 3 });
    expect(await recordState()).toEqual(settled);
  });

  it('refuses a reference on two rows of one file, and one that two customers share, naming the field', async () => {
    for (const name of ['Shared A Ltd', 'Shared B Ltd']) {
      const res = await server.graphql(
        `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { userErrors { message } } }`,
        {
          input: {
            name,
            typeId: (await server.graphql(`{ customerTypes { id name } }`, {}, acme.adminToken)).data!.customerTypes.find((t: any) => t.name === 'Company').id,
            thirdPartyReference: 'SHARED',
            address: { line1: '9 Shared Row', postcode: 'YO9 9ZZ' },
          },
        },
        acme.adminToken,
      );
      expect(res.data!.createCustomer.userErrors).toEqual([]);
    }
    const before = await recordState();
    const job = jobOf(
      await upload(
        [
          HEADER,
          'TWICE,Twice Ltd,Company,,,1 Twice St,York,YO2 1AA,,,',
          'TWICE,Twice Again Ltd,Company,,,1 Twice St,York,YO2 1AA,,,',
          'SHARED,Shared Ltd,Company,,,9 Shared Row,York,YO9 9ZZ,,,',
        ].join('\n'),
        'ALL_OR_NOTHING',
      ),
    );
    expect(job).toMatchObject({ status: 'REFUSED', rowsImported: 0, errorCount: 2 });
    expect(job.errors).toEqual([
      { row: 2, field: 'thirdPartyReference', message: 'thirdPartyReference (column "Ref"): is on an earlier row of this file too; each customer once' },
      { row: 3, field: 'thirdPartyReference', message: expect.stringContaining('is the reference of 2 customers') },
    ]);
    expect(await recordState()).toEqual(before);
  });

  it('reports an update the importer may not make as that row’s error; the other rows import', async () => {
    // SALES may not set credit limits (src/customers/field-permissions.ts), on an update as on a creation.
    const sales = await acme.tokenFor('SALES');
    const before = (await customerNamed('Upsert Two'))[0]!;
    const job = jobOf(
      await upload(
        [HEADER, 'UP-2,Upsert Two Ltd,Company,,999,2 Up Street,York,YO1 1AB,,,', 'UP-4,Upsert Four Ltd,Company,,,4 Up Street,York,YO1 1AD,,,'].join('\n'),
        'COMMIT_VALID_ROWS',
        sales,
      ),
    );
    expect(job).toMatchObject({ status: 'SUCCEEDED', rowsImported: 1, rowsUpdated: 0, errorCount: 1 });
    expect(job.errors).toEqual([expect.objectContaining({ row: 1, field: 'creditLimit' })]);
    expect((await customerNamed('Upsert Two'))[0]).toEqual(before);
    expect(await customerNamed('Upsert Four')).toHaveLength(1);
  });
});
