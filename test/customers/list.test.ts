// The customers list: filters by name, status, active, type, and departments.
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  const make = async (name: string, status: string, type = 'Company', parent?: string) => {
    const res = await server.graphql(
      CREATE_CUSTOMER,
      { input: customerInput(ref, { name, statusId: ref.statuses[status], typeId: ref.types[type], parentCustomerId: parent }) },
      org.adminToken,
    );
    return res.data!.createCustomer.customer.id as string;
  };
  const parent = await make('Zephyr Holdings', 'A');
  await make('Zephyr Lettings (North)', 'A', 'Company', parent);
  await make('acorn plumbing', 'P', 'Private');
  await make('Dormant Dave', 'Z', 'Private');
  await make('Inactive Ida', 'I');
  await make('50% Off Ltd', 'D');
});
afterAll(() => server.close());

const LIST = `query($filter: CustomerFilter) { customers(first: 50, filter: $filter) { totalCount nodes { name active } } }`;

async function names(filter: Record<string, unknown>) {
  const res = await server.graphql(LIST, { filter }, org.adminToken);
  expect(res.errors).toBeUndefined();
  const conn = res.data!.customers;
  expect(conn.totalCount).toBe(conn.nodes.length);
  return conn.nodes.map((n: any) => n.name);
}

it('lists by name, ignoring case', async () => {
  expect(await names({})).toEqual(['50% Off Ltd', 'acorn plumbing', 'Dormant Dave', 'Inactive Ida', 'Zephyr Holdings', 'Zephyr Lettings (North)']);
});

it('filters by name contains, treating % and _ literally', async () => {
  expect(await names({ name: 'ZEPHYR' })).toEqual(['Zephyr Holdings', 'Zephyr Lettings (North)']);
  expect(await names({ name: '50%' })).toEqual(['50% Off Ltd']);
  expect(await names({ name: '_' })).toEqual([]);
});

it('filters by active yes/no/any, following the status', async () => {
  expect(await names({ active: false })).toEqual(['Dormant Dave', 'Inactive Ida']);
  expect((await names({ active: true })).length).toBe(4);
  expect((await names({ active: null })).length).toBe(6);
});

it('filters by status, type and departments', async () => {
  expect(await names({ statusIds: [ref.statuses.Z, ref.statuses.D] })).toEqual(['50% Off Ltd', 'Dormant Dave']);
  expect(await names({ typeIds: [ref.types.Private] })).toEqual(['acorn plumbing', 'Dormant Dave']);
  expect(await names({ name: 'zephyr', includeDepartments: false })).toEqual(['Zephyr Holdings']);
});
