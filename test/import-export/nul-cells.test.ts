// A NUL character (U+0000) in a CSV cell (issue 10, item 7): PostgreSQL text cannot hold it, so it is
// that row's error, named by row and column, not an internal failure of the whole import.
import { importCsv } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;
let customerId: string;

beforeAll(async () => {
  server = await startTestServer();
  acme = await createTestOrganisation(server, 'Acme Services');
  const ref = await readReference(server, acme.adminToken);
  const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Harbour Lettings' }) }, acme.adminToken);
  customerId = created.data!.createCustomer.customer.id;
});
afterAll(() => server.close());

it('reports the row and column of a NUL and imports the other rows', async () => {
  const csv = ['Address 1,Post Code,Occupier', '1 High Street,BS1 1AA,Smith', '2 High\u0000 Street,BS1 1AB,Jones', '3 High Street,BS1 1AC,Brown'].join('\n');
  const res = await importCsv(
    server,
    '/imports/work-addresses',
    acme.adminToken,
    { customerId, mapping: { 'Address 1': 'line1', 'Post Code': 'postcode', Occupier: 'occupierSurname' }, mode: 'COMMIT_VALID_ROWS' },
    csv,
    'addresses.csv',
  );
  const body = res.body;
  expect(res.status).toBe(200);
  expect(body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsRead: 3, rowsImported: 2, errorCount: 1 });
  expect(body.importJob!.errors).toEqual([{ row: 2, field: 'line1', message: expect.stringMatching(/line1 \(column "Address 1"\): .*NUL/) }]);
});
