// Search caps (issue 10, item 4): a filter with too many parts or too long a text is refused as
// BAD_USER_INPUT naming where, before any SQL is built; never an internal error carrying SQL.
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
});
afterAll(() => server.close());

const SEARCH = 'query($filter: CustomerSearchFilter) { searchCustomers(filter: $filter, first: 5) { nodes { id } } }';

function expectRefused(response: Awaited<ReturnType<TestServer['graphql']>>, argument: RegExp) {
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors!;
  expect(error!.extensions!.code).toBe('BAD_USER_INPUT');
  expect(error!.extensions!.argument).toMatch(argument);
  expect(error!.message).not.toMatch(/select|where|\$\d/i);
  expect(JSON.stringify(error).length).toBeLessThan(2000);
}

// The search: 70,000 `any` parts (each a condition with its own parameter) in a body under 1 MB.
it('refuses 70,000 `any` parts with BAD_USER_INPUT, without SQL in the answer', async () => {
  const any = Array.from({ length: 70_000 }, () => ({ name: 'a' }));
  const response = await server.graphql(SEARCH, { filter: { any } }, org.adminToken);
  expectRefused(response, /^filter\.any$/);
  expect(response.errors![0]!.message).toBe('Variable $filter.any holds 70000 items; a list holds at most 1000.');
  expect(response.status).toBe(400);
});

it('refuses more conditions than a filter holds, naming the first one too many', async () => {
  const response = await server.graphql(SEARCH, { filter: { any: Array.from({ length: 60 }, () => ({ name: 'a' })) } }, org.adminToken);
  expectRefused(response, /^filter\.any\[50\]\.name$/);
  expect(response.errors![0]!.message).toBe(
    'filter.any[50].name: a filter has at most 50 conditions (rules and name, id, active or includeDepartments parts).',
  );
  const wide = await server.graphql(SEARCH, { filter: { any: Array.from({ length: 300 }, () => ({})) } }, org.adminToken);
  expectRefused(wide, /^filter\.any$/);
  expect(wide.errors![0]!.message).toBe('filter.any: holds at most 200 filters (got 300).');
});

it('refuses 15,000 `any` rules the same way', async () => {
  const any = Array.from({ length: 15_000 }, () => ({ rule: { field: 'ACTIVE', operator: 'IS_TRUE' } }));
  expectRefused(await server.graphql(SEARCH, { filter: { any } }, org.adminToken), /^filter\.any$/);
  // Spread over groups, the rules are still counted.
  const all = Array.from({ length: 10 }, () => ({ any: Array.from({ length: 6 }, () => ({ rule: { field: 'ACTIVE', operator: 'IS_TRUE' } })) }));
  const response = await server.graphql(SEARCH, { filter: { all } }, org.adminToken);
  expectRefused(response, /^filter\.all\[8\]\.any\[2\]\.rule$/);
  expect(response.errors![0]!.message).toMatch(/at most 50 rules/);
});

it('refuses too many nested filters, even empty ones', async () => {
  const all = Array.from({ length: 40 }, () => ({ all: Array.from({ length: 40 }, () => ({})) }));
  const response = await server.graphql(SEARCH, { filter: { all } }, org.adminToken);
  expectRefused(response, /^filter\.all\[4\]\.all\[\d+\]$/);
  expect(response.errors![0]!.message).toMatch(/at most 200 nested filters/);
});

it('refuses text longer than 200 characters in a name or a rule value', async () => {
  const long = 'x'.repeat(10_000);
  expectRefused(await server.graphql(SEARCH, { filter: { name: long } }, org.adminToken), /^filter\.name$/);
  expectRefused(
    await server.graphql(SEARCH, { filter: { all: [{ rule: { field: 'NAME', operator: 'EQUALS', value: long } }] } }, org.adminToken),
    /^filter\.all\[0\]\.rule\.value$/,
  );
  const response = await server.graphql(SEARCH, { filter: { name: long } }, org.adminToken);
  expect(response.errors![0]!.message).toMatch(/at most 200 characters/);
});

it('still runs a filter within the caps', async () => {
  const any = Array.from({ length: 49 }, (_, i) => ({ rule: { field: 'NAME', operator: 'CONTAINS', value: `n${i}` } }));
  const response = await server.graphql(SEARCH, { filter: { any, name: 'x'.repeat(200) } }, org.adminToken);
  expect(response.errors).toBeUndefined();
});
