// Keyset pagination through the customers connection: forwards, backwards, every sort order, and
// the errors a client gets for a malformed cursor or an oversized page.
import { generateCustomers } from '../../src/demo/bulk';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
const TOTAL = 37;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
  await generateCustomers(server.database.db, { organisationId: org.organisationId, count: TOTAL, seed: 11 });
});
afterAll(() => server.close());

const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $orderBy: CustomerOrder) {
  customers(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name createdAt } }
  }
}`;

async function walk(orderBy: unknown, pageSize: number, backwards = false) {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const vars: Record<string, unknown> = backwards ? { last: pageSize, before: cursor, orderBy } : { first: pageSize, after: cursor, orderBy };
    const res = await server.graphql(PAGE, vars, org.adminToken);
    expect(res.errors).toBeUndefined();
    const conn = res.data!.customers;
    const names = conn.edges.map((e: any) => e.node.id);
    if (backwards) seen.unshift(...names);
    else seen.push(...names);
    const more = backwards ? conn.pageInfo.hasPreviousPage : conn.pageInfo.hasNextPage;
    if (!more) break;
    cursor = backwards ? conn.pageInfo.startCursor : conn.pageInfo.endCursor;
  }
  return seen;
}

it.each([
  [{ field: 'NAME', direction: 'ASC' }],
  [{ field: 'NAME', direction: 'DESC' }],
  [{ field: 'CREATED_AT', direction: 'ASC' }],
  [{ field: 'UPDATED_AT', direction: 'DESC' }],
])('pages through every customer exactly once, forwards and backwards, sorted by %j', async (orderBy) => {
  const all = await server.graphql(PAGE, { first: 100, orderBy }, org.adminToken);
  const expected = all.data!.customers.edges.map((e: any) => e.node.id);
  expect(expected).toHaveLength(TOTAL);
  expect(all.data!.customers.totalCount).toBe(TOTAL);
  expect(await walk(orderBy, 5)).toEqual(expected);
  expect(await walk(orderBy, 8, true)).toEqual(expected);
});

it('sorts by name ignoring case', async () => {
  const res = await server.graphql(PAGE, { first: 100 }, org.adminToken);
  const names: string[] = res.data!.customers.edges.map((e: any) => e.node.name.toLowerCase());
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  expect(names).toEqual(sorted);
});

it.each([
  ['first over the maximum', { first: 101 }, 'first'],
  ['a negative last', { last: -1 }, 'last'],
  ['both first and last', { first: 1, last: 1 }, 'first'],
  ['a malformed cursor', { first: 5, after: 'bm90LWEtY3Vyc29y' }, 'after'],
  ['a cursor that is not base64', { first: 5, after: '!!!' }, 'after'],
  [
    'a cursor from another sort order',
    { first: 5, after: 'WyJDUkVBVEVEX0FUIiwiMjAyNi0wMS0wMSIsIjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJd' },
    'after',
  ],
])('refuses %s with BAD_USER_INPUT naming the argument', async (_what, vars, argument) => {
  const res = await server.graphql(PAGE, vars, org.adminToken);
  expect(res.status).toBe(200);
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
  expect(res.errors![0]!.message).toContain(argument);
  expect(res.data).toBeNull();
});

it('pages nested contacts with their own cursors', async () => {
  const res = await server.graphql(
    `{ customers(first: 50) { nodes { id contacts(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { surname } } } } }`,
    {},
    org.adminToken,
  );
  const withMany = res.data!.customers.nodes.find((c: any) => c.contacts.totalCount > 1);
  expect(withMany).toBeDefined();
  expect(withMany.contacts.pageInfo.hasNextPage).toBe(true);
  const next = await server.graphql(
    `query($id: ID!, $after: String) { customer(id: $id) { contacts(first: 10, after: $after) { nodes { surname } pageInfo { hasNextPage hasPreviousPage } } } }`,
    { id: withMany.id, after: withMany.contacts.pageInfo.endCursor },
    org.adminToken,
  );
  expect(next.data!.customer.contacts.nodes).toHaveLength(withMany.contacts.totalCount - 1);
  expect(next.data!.customer.contacts.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
});
