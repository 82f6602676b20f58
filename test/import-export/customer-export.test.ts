// Export of customer data as a ZIP (GET /exports/customers.zip, GET /exports/customers/:id.zip):
// the files unzip, their rows match the database, and only what the viewer may see is in them.
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { flows, postMultipart } from '../helpers/flows';
import { readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';
import { unzip } from '../helpers/zip';

let server: TestServer;
let acme: TestOrganisation;
let other: TestOrganisation;
let baseUrl: string;
let firstCustomer: string;
let otherCustomer: string;

async function download(path: string, token: string): Promise<{ status: number; type: string | null; files: Record<string, string> | null; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const type = res.headers.get('content-type');
  if (res.status !== 200) return { status: res.status, type, files: null, body: await res.json() };
  return { status: res.status, type, files: await unzip(Buffer.from(await res.arrayBuffer())), body: null };
}

function csvRows(text: string): Array<Record<string, string>> {
  return parse(text, { columns: true, skip_empty_lines: true });
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, query);
  return row!.n;
}

const { createCustomer } = flows(() => ({ server, token: acme.adminToken }));

async function createCustomerWithChildren(org: TestOrganisation, name: string, contacts: number): Promise<string> {
  const ref = await readReference(server, org.adminToken);
  return createCustomer(name, {
    token: org.adminToken,
    ref,
    overrides: { contacts: Array.from({ length: contacts }, (_, i) => ({ surname: `${name} contact ${i}` })) },
  });
}

async function importWorkAddresses(org: TestOrganisation, customerId: string, lines: string[]): Promise<void> {
  const res = await postMultipart(
    server,
    '/imports/work-addresses',
    { customerId, mapping: JSON.stringify({ Line: 'line1' }), mode: 'ALL_OR_NOTHING' },
    { bytes: ['Line', ...lines].join('\n'), name: 'wa.csv' },
    { token: org.adminToken },
  );
  expect(res.body.importJob!.status).toBe('SUCCEEDED');
}

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = server.url.replace(/\/graphql$/, '');
  acme = await createTestOrganisation(server, 'Acme Services');
  other = await createTestOrganisation(server, 'Other Services');
  firstCustomer = await createCustomerWithChildren(acme, 'First Ltd', 2);
  await createCustomerWithChildren(acme, 'Second Ltd', 1);
  await createCustomerWithChildren(acme, 'Third "Quoted", Ltd', 3);
  await importWorkAddresses(acme, firstCustomer, ['1 Work Road', '2 Work Road', '"3 Work Road, Unit 4"']);
  // A lead's contacts and addresses are not customer data.
  await server.graphql(
    `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }`,
    { input: { name: 'A Lead', contacts: [{ surname: 'Leadperson' }], addresses: [{ type: 'BILLING', line1: '1 Lead St', town: 'Leeds', country: 'GB' }] } },
    acme.adminToken,
  );
  otherCustomer = await createCustomerWithChildren(other, 'Elsewhere Ltd', 2);
  await importWorkAddresses(other, otherCustomer, ['9 Far Road']);
});
afterAll(() => server.close());

describe('all customers', () => {
  it("unzips to CSV files whose rows match the organisation's customer data, and nothing of another organisation", async () => {
    const res = await download('/exports/customers.zip', acme.adminToken);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/zip');
    const files = res.files!;
    expect(Object.keys(files).sort()).toEqual(['addresses.csv', 'contacts.csv', 'customers.csv', 'work_addresses.csv']);

    const org = acme.organisationId;
    const customers = csvRows(files['customers.csv']!);
    expect(customers).toHaveLength(await count(sql`select count(*)::int as n from customers where organisation_id = ${org}`));
    expect(customers.map((c) => c.name).sort()).toEqual(['First Ltd', 'Second Ltd', 'Third "Quoted", Ltd']);
    expect(customers.find((c) => c.name === 'First Ltd')!.id).toBe(firstCustomer);

    const contacts = csvRows(files['contacts.csv']!);
    expect(contacts).toHaveLength(await count(sql`select count(*)::int as n from contacts where organisation_id = ${org} and customer_id is not null`));
    expect(contacts).toHaveLength(6);
    expect(contacts.map((c) => c.surname)).not.toContain('Leadperson');

    const addresses = csvRows(files['addresses.csv']!);
    expect(addresses).toHaveLength(await count(sql`select count(*)::int as n from addresses where organisation_id = ${org} and customer_id is not null`));
    expect(addresses.map((a) => a.line1)).not.toContain('1 Lead St');

    const workAddresses = csvRows(files['work_addresses.csv']!);
    expect(workAddresses).toHaveLength(await count(sql`select count(*)::int as n from work_addresses where organisation_id = ${org}`));
    expect(workAddresses.map((w) => w.line1).sort()).toEqual(['1 Work Road', '2 Work Road', '3 Work Road, Unit 4']);
    expect(new Set(workAddresses.map((w) => w.customerId))).toEqual(new Set([firstCustomer]));

    const everything = Object.values(files).join('\n');
    expect(everything).not.toContain('Elsewhere');
    expect(everything).not.toContain('9 Far Road');
    expect(everything).not.toContain(other.organisationId);
  });

  it('is for admins and managers only', async () => {
    expect((await download('/exports/customers.zip', await acme.tokenFor('MANAGER'))).status).toBe(200);
    for (const role of ['SALES', 'SERVICE', 'FINANCE', 'READ_ONLY'] as const) {
      const res = await download('/exports/customers.zip', await acme.tokenFor(role));
      expect(res.status).toBe(403);
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await fetch(`${baseUrl}/exports/customers.zip`)).status).toBe(401);
  });
});

describe('one customer', () => {
  it("unzips to that customer's rows and a customer.json holding them, and logs the read", async () => {
    const readsBefore = await count(sql`select count(*)::int as n from record_reads where customer_id = ${parseGlobalId(firstCustomer)!.id}`);
    const res = await download(`/exports/customers/${firstCustomer}.zip`, acme.adminToken);
    expect(res.status).toBe(200);
    const files = res.files!;
    expect(Object.keys(files).sort()).toEqual(['addresses.csv', 'contacts.csv', 'customer.json', 'customers.csv', 'work_addresses.csv']);
    const id = parseGlobalId(firstCustomer)!.id;
    expect(csvRows(files['customers.csv']!).map((c) => c.id)).toEqual([firstCustomer]);
    expect(csvRows(files['contacts.csv']!)).toHaveLength(await count(sql`select count(*)::int as n from contacts where customer_id = ${id}`));
    expect(csvRows(files['addresses.csv']!)).toHaveLength(await count(sql`select count(*)::int as n from addresses where customer_id = ${id}`));
    expect(csvRows(files['work_addresses.csv']!)).toHaveLength(3);

    const json = JSON.parse(files['customer.json']!);
    expect(json.customer).toMatchObject({ id: firstCustomer, name: 'First Ltd' });
    expect(json.contacts).toHaveLength(2);
    expect(json.addresses).toHaveLength(csvRows(files['addresses.csv']!).length);
    expect(json.workAddresses.map((w: any) => w.line1).sort()).toEqual(['1 Work Road', '2 Work Road', '3 Work Road, Unit 4']);
    expect(await count(sql`select count(*)::int as n from record_reads where customer_id = ${id}`)).toBe(readsBefore + 1);
  });

  it('answers a SALES user who does not own the customer, and another organisation, as if it did not exist', async () => {
    const sales = await download(`/exports/customers/${firstCustomer}.zip`, await acme.tokenFor('SALES'));
    expect(sales.status).toBe(404);
    expect(sales.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const foreign = await download(`/exports/customers/${otherCustomer}.zip`, acme.adminToken);
    expect(foreign.status).toBe(404);
    const readOnly = await download(`/exports/customers/${firstCustomer}.zip`, await acme.tokenFor('READ_ONLY'));
    expect(readOnly.status).toBe(200);
    const garbage = await download(`/exports/customers/not-an-id.zip`, acme.adminToken);
    expect(garbage.status).toBe(400);
  });

  it('pages through many rows without losing or repeating any', async () => {
    const lines = Array.from({ length: 2345 }, (_, i) => `${i} Many Road`);
    const customer = await createCustomerWithChildren(acme, 'Many Ltd', 0);
    await importWorkAddresses(acme, customer, lines);
    const res = await download(`/exports/customers/${customer}.zip`, acme.adminToken);
    const rows = csvRows(res.files!['work_addresses.csv']!);
    expect(rows).toHaveLength(2345);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2345);
    expect(JSON.parse(res.files!['customer.json']!).workAddresses).toHaveLength(2345);
    const all = await download('/exports/customers.zip', acme.adminToken);
    expect(csvRows(all.files!['work_addresses.csv']!)).toHaveLength(2345 + 3);
  });
});
