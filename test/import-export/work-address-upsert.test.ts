// Work addresses that round-trip (issue 14, item 7): a work address has a `reference` (its key in
// another system), unique among the organisation's work addresses, set by createWorkAddress and
// updateWorkAddress; a work-address CSV import row with the reference of one of the customer's work
// addresses updates it (through updateWorkAddress: same checks, an audit entry, only what changed)
// instead of creating another, counted in rowsUpdated; DRY_RUN says so and keeps nothing.
import { tableChecksums } from '../helpers/atomicity';
import { importCsv, type ImportJobAnswer } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;
let customerId: string;
let otherCustomerId: string;

const MAPPING = { Ref: 'reference', 'Address 1': 'line1', Town: 'town', 'Post Code': 'postcode', Occupier: 'occupierSurname', Phone: 'occupierPhone' };
const HEADER = 'Ref,Address 1,Town,Post Code,Occupier,Phone';

const upload = (csv: string, mode: string, customer = customerId) =>
  importCsv(server, '/imports/work-addresses', acme.adminToken, { customerId: customer, mapping: MAPPING, mode }, csv, 'properties.csv');

const jobOf = (answer: Awaited<ReturnType<typeof upload>>): ImportJobAnswer => {
  expect(answer.status).toBe(200);
  return answer.body.importJob!;
};

const WORK_ADDRESSES = `query($id: ID!) { node(id: $id) { ... on Customer { workAddresses(first: 50) { nodes { id reference line1 town postcode version
  occupier { title firstName surname phone } history(first: 10) { nodes { action } } } } } } }`;

async function workAddressesOf(customer = customerId): Promise<Array<Record<string, any>>> {
  const res = await server.graphql(WORK_ADDRESSES, { id: customer }, acme.adminToken);
  expect(res.errors).toBeUndefined();
  return res.data!.node.workAddresses.nodes;
}

/** The organisation's work addresses, row for row (versions included); the import job's own audit entry aside. */
async function state() {
  const all = await tableChecksums(server.database.db, { organisationId: acme.organisationId });
  return { workAddresses: all.work_addresses };
}

const CREATE = `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id reference } userErrors { code field message } } }`;
const UPDATE = `mutation($input: UpdateWorkAddressInput!) { updateWorkAddress(input: $input) { workAddress { id reference } userErrors { code field message } } }`;

beforeAll(async () => {
  server = await startTestServer();
  acme = await createTestOrganisation(server, 'Acme Services');
  const ref = await readReference(server, acme.adminToken);
  const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Harbour Lettings' }) }, acme.adminToken);
  customerId = created.data!.createCustomer.customer.id;
  const other = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Quay Estates' }) }, acme.adminToken);
  otherCustomerId = other.data!.createCustomer.customer.id;
});
afterAll(() => server.close());

describe('the reference in the API', () => {
  it('is set by createWorkAddress and updateWorkAddress, and unique in the organisation', async () => {
    const made = await server.graphql(CREATE, { input: { customerId: otherCustomerId, line1: '1 Quay Side', reference: 'Q-1' } }, acme.adminToken);
    expect(made.data!.createWorkAddress).toMatchObject({ workAddress: { reference: 'Q-1' }, userErrors: [] });

    const clash = await server.graphql(CREATE, { input: { customerId, line1: '2 Quay Side', reference: 'Q-1' } }, acme.adminToken);
    expect(clash.data!.createWorkAddress.workAddress).toBeNull();
    expect(clash.data!.createWorkAddress.userErrors).toEqual([
      { code: 'DUPLICATE', field: ['input', 'reference'], message: expect.stringContaining('"Q-1" is already the reference of work address') },
    ]);

    const second = await server.graphql(CREATE, { input: { customerId: otherCustomerId, line1: '3 Quay Side' } }, acme.adminToken);
    const id = second.data!.createWorkAddress.workAddress.id;
    const taken = await server.graphql(UPDATE, { input: { id, reference: 'Q-1' } }, acme.adminToken);
    expect(taken.data!.updateWorkAddress.userErrors[0]).toMatchObject({ code: 'DUPLICATE', field: ['input', 'reference'] });
    const renamed = await server.graphql(UPDATE, { input: { id, reference: 'Q-3' } }, acme.adminToken);
    expect(renamed.data!.updateWorkAddress).toMatchObject({ workAddress: { reference: 'Q-3' }, userErrors: [] });
    // Saving a work address with its own reference is no clash.
    const same = await server.graphql(UPDATE, { input: { id, reference: 'Q-3', town: 'Hull' } }, acme.adminToken);
    expect(same.data!.updateWorkAddress.userErrors).toEqual([]);
    const cleared = await server.graphql(UPDATE, { input: { id, reference: null } }, acme.adminToken);
    expect(cleared.data!.updateWorkAddress.workAddress.reference).toBeNull();
  });
});

describe('upsert by reference in the CSV import', () => {
  const FIRST = [
    HEADER,
    'P-1,1 Harbour Row,Bristol,BS1 1AA,Smith,+447700900001',
    'P-2,2 Harbour Row,Bristol,BS1 1AB,,',
    ',3 Harbour Row,Bristol,BS1 1AC,,',
  ].join('\n');
  const SECOND = [
    HEADER,
    // P-1: a new town and occupier phone (the surname stays); P-2 as before; P-4 new; no reference: new.
    'P-1,1 Harbour Row,Clifton,BS1 1AA,,+447700900099',
    'P-2,2 Harbour Row,Bristol,BS1 1AB,,',
    'P-4,4 Harbour Row,Bristol,BS1 1AD,,',
    ',3 Harbour Row,Bristol,BS1 1AC,,',
  ].join('\n');

  it('updates the work address with the reference instead of creating another; DRY_RUN says so and keeps nothing', async () => {
    expect(jobOf(await upload(FIRST, 'ALL_OR_NOTHING'))).toMatchObject({ status: 'SUCCEEDED', rowsImported: 3, rowsUpdated: 0 });
    const first = await workAddressesOf();
    const p1 = first.find((w) => w.reference === 'P-1')!;
    const p2 = first.find((w) => w.reference === 'P-2')!;
    expect(p1).toMatchObject({ town: 'Bristol', version: 1, occupier: { surname: 'Smith', phone: '+447700900001' } });

    const before = await state();
    expect(jobOf(await upload(SECOND, 'DRY_RUN'))).toMatchObject({ status: 'SUCCEEDED', rowsValid: 4, rowsUpdated: 2, rowsImported: 0, errorCount: 0 });
    expect(await state()).toEqual(before);

    expect(jobOf(await upload(SECOND, 'ALL_OR_NOTHING'))).toMatchObject({ status: 'SUCCEEDED', rowsRead: 4, rowsImported: 4, rowsUpdated: 2, errorCount: 0 });
    const after = await workAddressesOf();
    // Two new ones (P-4, and the row without a reference: nothing to match it by); P-1 and P-2 updated in place.
    expect(after).toHaveLength(first.length + 2);
    expect(after.filter((w) => w.reference === 'P-1')).toHaveLength(1);
    const p1After = after.find((w) => w.id === p1.id)!;
    expect(p1After).toMatchObject({ town: 'Clifton', version: 2, occupier: { surname: 'Smith', phone: '+447700900099' } });
    expect(p1After.history.nodes.map((h: { action: string }) => h.action)).toContain('workAddress.update');
    // P-2's row changed nothing: no new version, no audit entry.
    expect(after.find((w) => w.id === p2.id)).toMatchObject({ version: 1 });
    expect(after.find((w) => w.id === p2.id)!.history.nodes.map((h: { action: string }) => h.action)).not.toContain('workAddress.update');
  });

  it('refuses a reference repeated in the file, naming the row, and keeps nothing', async () => {
    const before = await state();
    const job = jobOf(
      await upload(
        [HEADER, 'R-1,1 Twice Lane,Bath,BA1 1AA,,', 'R-2,2 Twice Lane,Bath,BA1 1AB,,', 'R-1,1 Twice Lane,Bath,BA1 1AA,,'].join('\n'),
        'ALL_OR_NOTHING',
      ),
    );
    expect(job).toMatchObject({ status: 'REFUSED', rowsImported: 0, errorCount: 1 });
    expect(job.errors).toEqual([
      { row: 3, field: 'reference', message: 'reference (column "Ref"): is on an earlier row of this file too; each work address once' },
    ]);
    expect(await state()).toEqual(before);
  });

  it("refuses the reference of another customer's work address, and an update the service refuses, as the row's errors", async () => {
    const before = await state();
    const job = jobOf(await upload([HEADER, 'Q-1,1 Quay Side,Hull,HU1 1AA,,', 'P-2,2 Harbour Row,Bristol,BS1 1AB,,07700 900002'].join('\n'), 'DRY_RUN'));
    expect(job).toMatchObject({ status: 'REFUSED', errorCount: 2 });
    expect(job.errors[0]).toMatchObject({ row: 1, field: 'reference', message: expect.stringContaining('of another customer') });
    expect(job.errors[1]).toMatchObject({ row: 2, field: 'occupierPhone' });
    expect(await state()).toEqual(before);
  });
});
