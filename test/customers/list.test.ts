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

it('counts a name search over all pages, in the statement that reads the page', async () => {
  const PAGE = `query($filter: CustomerFilter, $after: String, $total: Boolean!) { customers(first: 1, after: $after, filter: $filter) {
    totalCount @include(if: $total) pageInfo { hasNextPage endCursor } nodes { name } } }`;
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const withTotal: { data: any; errors?: unknown; statements: number } = await server.graphql(
      PAGE,
      { filter: { name: 'e' }, after, total: true },
      org.adminToken,
    );
    const without = await server.graphql(PAGE, { filter: { name: 'e' }, after, total: false }, org.adminToken);
    expect(withTotal.errors).toBeUndefined();
    const page: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Array<{ name: string }> } =
      withTotal.data!.customers;
    // Every page counts all the matches, not those after the cursor.
    expect(page.totalCount).toBe(4);
    expect(without.data!.customers.nodes).toEqual(page.nodes);
    // The count costs no statement of its own while the page has a row.
    if (page.nodes.length > 0) expect(withTotal.statements).toBe(without.statements);
    seen.push(...page.nodes.map((n: { name: string }) => n.name));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(seen).toEqual(['Dormant Dave', 'Inactive Ida', 'Zephyr Holdings', 'Zephyr Lettings (North)']);
  // No match at all: zero, counted on its own.
  const none = await server.graphql(PAGE, { filter: { name: 'no such name' }, after: null, total: true }, org.adminToken);
  expect(none.data!.customers).toMatchObject({ totalCount: 0, nodes: [] });
});
