// CSV import of customers over HTTP (POST /imports/customers): each row a customer with its billing
// address and one optional contact, checked by createCustomer's rules; bad rows reported by row
// number and field, the two modes, mapping problems refused up front, who may import, and what the
// imported customers look like over GraphQL.
import { eq, sql } from 'drizzle-orm';
import { assignStatusGroups } from '../../src/access/status-groups';
import { userStatusGroups } from '../../src/access/tables';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { parseMinorUnits } from '../../src/import-export/customer-import';
import { graphql } from '../generated';
import { importCsv, type ImportAnswer } from '../helpers/flows';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;
let baseUrl: string;

const MAPPING = {
  Name: 'name',
  Type: 'type',
  Status: 'status',
  VAT: 'vatNumber',
  'Credit Limit': 'creditLimit',
  Days: 'creditorDays',
  'Address 1': 'line1',
  Town: 'town',
  'Post Code': 'postcode',
  Title: 'contactTitle',
  'First Name': 'contactFirstName',
  Surname: 'contactSurname',
  Email: 'contactEmail',
  Phone: 'contactPhone',
};
const HEADER = 'Name,Type,Status,VAT,Credit Limit,Days,Address 1,Town,Post Code,Title,First Name,Surname,Email,Phone';

/** Eight rows; rows 3, 5 and 6 are bad: an unknown type, no postcode, a credit limit in tenths of a penny. */
const FILE_WITH_THREE_BAD_ROWS = [
  HEADER,
  'Harbour Lettings,Company,A,,1234.5,14,1 Quay Street,Bristol,bs1 4dj,Mr,John,Smith,john@harbour.test,+447700900001',
  'Jane Doe,private,,,,,2 Quay Street,Bristol,BS1 4DK,Mrs,Jane,Doe,jane@example.test,',
  'Mystery Ltd,Widget maker,,,,,3 Quay Street,Bristol,BS1 4DL,,,,,',
  'Agents R Us,Estate agent,active,GB123456789,2500,30,4 Quay Street,Bath,BA1 1AA,,,,,',
  'No Postcode Ltd,Company,,,,,5 Quay Street,Bath,,,,,,',
  'Precise Ltd,Company,,,12.345,,6 Quay Street,Bath,BA1 1AB,,,,,',
  'Big Ltd,Company,,,100000,,7 Quay Street,Bath,BA1 1AC,,,,,',
  '"Small, Ltd",Landlord,,,0.07,,8 Quay Street,Bath,BA1 1AD,,,Jones,,',
].join('\n');

const upload = (token: string, fields: { mapping?: unknown; mode?: string }, csv: string | null, fileName = 'customers.csv') =>
  importCsv(server, '/imports/customers', token, fields, csv, fileName);

async function customerCount(organisationId = acme.organisationId): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customers where organisation_id = ${organisationId}`);
  return row!.n;
}

const JOB = `query($id: ID!) { importJob(id: $id) { id kind mode status rowsRead rowsImported errorCount errors { row field message } customer { id } createdBy { id } } }`;
const CUSTOMERS = graphql(`
  query ImportedCustomers($name: String!) {
    customers(first: 20, filter: { name: $name }) {
      nodes {
        id
        name
        vatNumber
        creditorDays
        owner {
          id
        }
        type {
          name
        }
        status {
          code
        }
        creditLimit {
          amountMinor
          currency
        }
        addresses(first: 5) {
          nodes {
            type
            isDefault
            line1
            town
            postcode
            country
          }
        }
        contacts(first: 5) {
          nodes {
            title
            firstName
            surname
            isPrimary
            emails {
              address
            }
            phones {
              type
              number
            }
          }
        }
      }
    }
  }
`);
const STATUSES = graphql(`
  query ImportStatuses {
    customerStatuses {
      id
      code
    }
  }
`);

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = server.url.replace(/\/graphql$/, '');
  acme = await createTestOrganisation(server, 'Acme Services');
});
afterAll(() => server.close());

describe('amounts', () => {
  it('turns decimal amounts into minor units exactly', () => {
    expect(parseMinorUnits('1234.5', 'GBP')).toEqual({ amountMinor: 123450 });
    expect(parseMinorUnits('0.07', 'GBP')).toEqual({ amountMinor: 7 });
    expect(parseMinorUnits('19.99', 'GBP')).toEqual({ amountMinor: 1999 });
    expect(parseMinorUnits('1000', 'JPY')).toEqual({ amountMinor: 1000 });
    expect(parseMinorUnits('12.345', 'GBP')).toHaveProperty('problem');
    expect(parseMinorUnits('1.5', 'JPY')).toHaveProperty('problem');
    expect(parseMinorUnits('-5', 'GBP')).toEqual({ problem: 'must not be negative' });
    expect(parseMinorUnits('1e3', 'GBP')).toHaveProperty('problem');
  });
});

describe('COMMIT_VALID_ROWS', () => {
  it('imports the good rows with their address and contact, and reports exactly the bad ones', async () => {
    const before = await customerCount();
    const res = await upload(acme.adminToken, { mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
    expect(res.status).toBe(200);
    const job = res.body.importJob!;
    expect(res.jobHeader).toBe(job.id);
    expect(job).toMatchObject({ status: 'SUCCEEDED', mode: 'COMMIT_VALID_ROWS', rowsRead: 8, rowsImported: 5, errorCount: 3 });
    expect(job.errors.map((e: any) => `${e.row}:${e.field}`)).toEqual(['3:type', '5:postcode', '6:creditLimit']);
    expect(job.errors[0]!.message).toMatch(/type \(column "Type"\): "Widget maker" is not a customer type/);
    expect(job.errors[2]!.message).toMatch(/at most 2 decimal places/);
    expect(await customerCount()).toBe(before + 5);

    const admin = await acme.userIdFor('ADMIN');
    const read = async (name: string) => {
      const res = await server.graphql(CUSTOMERS, { name }, acme.adminToken);
      expect(res.errors).toBeUndefined();
      return res.data!.customers.nodes;
    };
    const [harbour] = await read('Harbour Lettings');
    expect(harbour).toMatchObject({
      name: 'Harbour Lettings',
      type: { name: 'Company' },
      status: { code: 'A' },
      creditorDays: 14,
      creditLimit: { amountMinor: 123450, currency: 'GBP' },
      owner: { id: expect.any(String) },
      addresses: { nodes: [{ type: 'BILLING', isDefault: true, line1: '1 Quay Street', town: 'Bristol', postcode: 'BS1 4DJ', country: 'GB' }] },
      contacts: {
        nodes: [
          {
            title: 'Mr',
            firstName: 'John',
            surname: 'Smith',
            isPrimary: false,
            emails: [{ address: 'john@harbour.test' }],
            phones: [{ type: 'OFFICE', number: '+447700900001' }],
          },
        ],
      },
    });
    expect(harbour!.owner!.id).toBe(admin);

    // A private customer's contact is its primary one; the default status when none is given.
    const [jane] = await read('Jane Doe');
    expect(jane).toMatchObject({
      type: { name: 'Private' },
      status: { code: 'P' },
      creditLimit: null,
      creditorDays: 30,
      contacts: { nodes: [{ surname: 'Doe', isPrimary: true }] },
    });
    const [agents] = await read('Agents R Us');
    expect(agents).toMatchObject({ vatNumber: 'GB123456789', status: { code: 'A' }, creditLimit: { amountMinor: 250000 }, contacts: { nodes: [] } });
    expect((await read('Big Ltd'))[0]!.creditLimit).toEqual({ amountMinor: 10000000, currency: 'GBP' });
    const [small] = await read('Small, Ltd');
    expect(small).toMatchObject({
      type: { name: 'Landlord' },
      creditLimit: { amountMinor: 7 },
      contacts: { nodes: [{ surname: 'Jones', firstName: null, isPrimary: false }] },
    });
    expect(await read('Mystery Ltd')).toEqual([]);
    expect(await read('Precise Ltd')).toEqual([]);

    // The job, as a client polls it: no customer of its own.
    const polled = await server.graphql(JOB, { id: job.id }, acme.adminToken);
    expect(polled.errors).toBeUndefined();
    expect(polled.data!.importJob).toMatchObject({
      kind: 'CUSTOMERS',
      status: 'SUCCEEDED',
      rowsImported: 5,
      errorCount: 3,
      customer: null,
      createdBy: { id: expect.any(String) },
    });

    // One audit entry for the import; none per customer.
    const audit = await selectRows<{ action: string; after: any }>(
      server.database.db,
      sql`select action, after from audit_entries where organisation_id = ${acme.organisationId} and (entity_id = ${parseGlobalId(job.id)!.id} or entity_type in ('Customer', 'Address', 'Contact'))`,
    );
    expect(audit).toEqual([
      { action: 'customers.import', after: expect.objectContaining({ rowsRead: 8, rowsImported: 5, errorCount: 3, status: 'SUCCEEDED' }) },
    ]);
  });

  it("applies the type's required fields, and the contact's own rules, as createCustomer does", async () => {
    const file = [
      HEADER,
      'No VAT Agents,Estate agent,,,,,1 Mill Lane,Leeds,LS1 1AA,,,,,',
      'Nameless contact Ltd,Company,,,,,2 Mill Lane,Leeds,LS1 1AB,,John,,,',
      'Bad email Ltd,Company,,,,,3 Mill Lane,Leeds,LS1 1AC,,,Smith,not-an-email,07700 900000',
      ',Company,Nope,,,400,4 Mill Lane,Leeds,LS1 1AD,,,,,',
    ].join('\n');
    const res = await upload(acme.adminToken, { mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, file);
    expect(res.body.importJob).toMatchObject({ status: 'REFUSED', rowsRead: 4, rowsImported: 0, errorCount: 7 });
    expect(res.body.importJob!.errors.map((e: any) => `${e.row}:${e.field}`)).toEqual([
      '1:vatNumber',
      '2:contactSurname',
      '3:contactEmail',
      '3:contactPhone',
      '4:status',
      '4:name',
      '4:creditorDays',
    ]);
  });
});

describe('ALL_OR_NOTHING', () => {
  it('refuses the whole file when any row is bad: no customer written, the job REFUSED with every bad row', async () => {
    const before = await customerCount();
    const res = await upload(acme.adminToken, { mapping: MAPPING, mode: 'ALL_OR_NOTHING' }, FILE_WITH_THREE_BAD_ROWS);
    expect(res.status).toBe(200);
    expect(res.body.importJob).toMatchObject({ status: 'REFUSED', rowsRead: 8, rowsImported: 0, errorCount: 3 });
    expect(res.body.importJob!.errors.map((e: any) => `${e.row}:${e.field}`)).toEqual(['3:type', '5:postcode', '6:creditLimit']);
    expect(await customerCount()).toBe(before);
    const polled = await server.graphql(JOB, { id: res.body.importJob!.id }, acme.adminToken);
    expect(polled.data!.importJob).toMatchObject({ status: 'REFUSED', rowsImported: 0 });
  });

  it('imports every row, across batches, when all are good', async () => {
    const before = await customerCount();
    const lines = [HEADER];
    for (let i = 1; i <= 1200; i++) lines.push(`Bulk ${i},Company,,,${i}.25,,${i} Long Road,Leeds,LS2 ${i % 10}AA,,,Contact ${i},,`);
    const res = await upload(acme.adminToken, { mapping: MAPPING, mode: 'ALL_OR_NOTHING' }, lines.join('\r\n'));
    expect(res.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsRead: 1200, rowsImported: 1200, errorCount: 0 });
    expect(await customerCount()).toBe(before + 1200);
    const [counts] = await selectRows<{ addresses: number; contacts: number; credit: string }>(
      server.database.db,
      sql`select (select count(*)::int from addresses a join customers c on c.id = a.customer_id where c.name like 'Bulk %') as addresses,
                 (select count(*)::int from contacts k join customers c on c.id = k.customer_id where c.name like 'Bulk %') as contacts,
                 (select sum(credit_limit_minor)::text from customers where name like 'Bulk %') as credit`,
    );
    // Σ(i·100 + 25) for i = 1..1200.
    expect(counts).toEqual({ addresses: 1200, contacts: 1200, credit: String((100 * (1200 * 1201)) / 2 + 25 * 1200) });
  });
});

describe('refused up front', () => {
  it('refuses unknown fields, missing required mappings, a bad mode and a missing column before any job exists', async () => {
    const jobsBefore = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from import_jobs`);
    const codes = (res: ImportAnswer) => res.body.errors!.map((e) => `${e.extensions.field!.join('.')}:${e.extensions.code}`);

    const unknown = await upload(acme.adminToken, { mapping: { ...MAPPING, Colour: 'favouriteColour' } }, FILE_WITH_THREE_BAD_ROWS);
    expect(unknown.status).toBe(400);
    expect(codes(unknown)).toEqual(['mapping.Colour:INVALID']);

    const { 'Post Code': _p, Type: _t, ...withoutPostcodeAndType } = MAPPING;
    const missing = await upload(acme.adminToken, { mapping: withoutPostcodeAndType }, FILE_WITH_THREE_BAD_ROWS);
    expect(missing.status).toBe(400);
    expect(codes(missing)).toEqual(['mapping:REQUIRED', 'mapping:REQUIRED']);
    expect(missing.body.errors!.map((e: any) => e.message).join(' ')).toMatch(/type.*postcode/);

    const workAddressMapping = await upload(acme.adminToken, { mapping: { 'Address 1': 'line1', Occupier: 'occupierSurname' } }, FILE_WITH_THREE_BAD_ROWS);
    expect(workAddressMapping.status).toBe(400);

    const badMode = await upload(acme.adminToken, { mapping: MAPPING, mode: 'SOMETIMES' }, FILE_WITH_THREE_BAD_ROWS);
    expect(badMode.status).toBe(400);
    expect(codes(badMode)).toEqual(['mode:INVALID']);

    const missingColumn = await upload(acme.adminToken, { mapping: { ...MAPPING, Building: 'buildingType' } }, FILE_WITH_THREE_BAD_ROWS);
    expect(missingColumn.status).toBe(400);
    expect(codes(missingColumn)).toEqual(['mapping.Building:INVALID']);

    const noFile = await upload(acme.adminToken, { mapping: MAPPING }, null);
    expect(noFile.status).toBe(400);

    const jobsAfter = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from import_jobs`);
    expect(jobsAfter[0]!.n).toBe(jobsBefore[0]!.n);
  });
});

describe('who may import', () => {
  it('refuses READ_ONLY, SERVICE and FINANCE (FORBIDDEN) and writes nothing', async () => {
    const before = await customerCount();
    for (const role of ['READ_ONLY', 'SERVICE', 'FINANCE'] as const) {
      const res = await upload(await acme.tokenFor(role), { mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, FILE_WITH_THREE_BAD_ROWS);
      expect(res.status).toBe(403);
      expect(res.body.errors![0]!.extensions.code).toBe('FORBIDDEN');
    }
    expect(await customerCount()).toBe(before);
    const anonymous = await fetch(`${baseUrl}/imports/customers`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });

  it("refuses rows whose status is outside the importer's status security groups", async () => {
    const manager = await acme.tokenFor('MANAGER');
    const managerId = parseGlobalId(await acme.userIdFor('MANAGER'))!.id;
    const statuses = (await server.graphql(STATUSES, {}, acme.adminToken)).data!.customerStatuses;
    const created = await server.graphql(
      `mutation($input: CreateStatusGroupInput!) { createStatusGroup(input: $input) { statusGroup { id } userErrors { message } } }`,
      { input: { name: 'Prospects only', statusIds: statuses.filter((s) => s.code === 'P').map((s) => s.id) } },
      acme.adminToken,
    );
    const groupId = parseGlobalId(created.data!.createStatusGroup.statusGroup.id)!.id;
    await server.database.db.delete(userStatusGroups).where(eq(userStatusGroups.userId, managerId));
    await assignStatusGroups(server.database.db, acme.organisationId, managerId, [groupId]);
    const file = [HEADER, 'Held Ltd,Company,H,,,,1 Held Road,York,YO1 1AB,,,,,', 'Prospect Ltd,Company,,,,,2 Held Road,York,YO1 1AC,,,,,'].join('\n');
    const res = await upload(manager, { mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, file);
    expect(res.body.importJob).toMatchObject({ rowsRead: 2, rowsImported: 1, errorCount: 1 });
    expect(res.body.importJob!.errors).toEqual([{ row: 1, field: 'status', message: expect.stringMatching(/not in your status security groups/) }]);
  });

  it('lets SALES import customers they then own and see, and shows them their job', async () => {
    const sales = await acme.tokenFor('SALES');
    const file = [HEADER, 'Sales Lead Ltd,Company,,,,,1 Sales Road,York,YO1 1AA,,,Brown,,'].join('\n');
    const res = await upload(sales, { mapping: MAPPING, mode: 'COMMIT_VALID_ROWS' }, file);
    expect(res.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsImported: 1 });
    const seen = await server.graphql(CUSTOMERS, { name: 'Sales Lead Ltd' }, sales);
    expect(seen.data!.customers.nodes).toHaveLength(1);
    expect(seen.data!.customers.nodes[0]!.owner!.id).toBe(await acme.userIdFor('SALES'));
    const job = await server.graphql(JOB, { id: res.body.importJob!.id }, sales);
    expect(job.data!.importJob).toMatchObject({ kind: 'CUSTOMERS', rowsImported: 1 });

    // Another organisation's admin does not see the job.
    const other = await createTestOrganisation(server, 'Other Services');
    const foreign = await server.graphql(JOB, { id: res.body.importJob!.id }, other.adminToken);
    expect(foreign.data!.importJob).toBeNull();
  });
});
