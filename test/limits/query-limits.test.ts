// Query limits (issue 10, item 4): depth, aliases, tokens, directives and query cost are refused
// before anything runs, with their own code and the numbers; every response reports its cost.
import { generateCustomers } from '../../src/demo/bulk';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
/** Statements a request costs before GraphQL runs anything (the token lookup). */
let baseline: number;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
  await generateCustomers(server.database.db, { organisationId: org.organisationId, count: 3, seed: 3 });
  baseline = (await server.graphql('{ __typename }', {}, org.adminToken)).statements;
});
afterAll(() => server.close());

// The query: customers → contacts → customer → contacts → customer → contacts, first: 100
// at every list (about 450 bytes, depth 11, within the depth limit).
const SIX_LEVELS = `{ customers(first: 100) { nodes { name contacts(first: 100) { nodes { fullName
  customer { name contacts(first: 100) { nodes { fullName
    customer { name contacts(first: 100) { nodes { fullName } } } } } } } } } } }`;

it('refuses the six-level first: 100 query by its cost, before any SQL runs', async () => {
  const response = await server.graphql(SIX_LEVELS, {}, org.adminToken);
  expect(response.status).toBe(400);
  expect(response.data).toBeNull();
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors!;
  expect(error!.extensions).toMatchObject({ code: 'MAX_COST_EXCEEDED', maxCost: 20000 });
  expect(error!.extensions!.cost).toBeGreaterThan(1_000_000);
  expect(error!.message).toMatch(/would cost \d+ points; at most 20000/);
  expect(response.statements).toBe(baseline);
});

it('reports the requested and the actual cost of every response in extensions.cost', async () => {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
    body: JSON.stringify({ query: '{ customers(first: 20) { nodes { name contacts(first: 10) { nodes { fullName } } } } }' }),
  });
  const body = (await response.json()) as { data: any; extensions: any };
  expect(body.data.customers.nodes).toHaveLength(3);
  const contacts = body.data.customers.nodes.reduce((n: number, c: any) => n + c.contacts.nodes.length, 0);
  // customers: 1 + 20 × (customer 1 + contacts (1 + 10 × contact 1)) = 241 asked for;
  // what came back: 1 + 3 customers × (1 + 1) + each contact 1.
  expect(body.extensions.cost).toEqual({ requestedQueryCost: 241, actualQueryCost: 1 + 3 * 2 + contacts });

  const refused = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
    body: JSON.stringify({ query: SIX_LEVELS }),
  });
  const refusedBody = (await refused.json()) as { extensions: any };
  expect(refusedBody.extensions.cost.actualQueryCost).toBe(0);
  expect(refusedBody.extensions.cost.requestedQueryCost).toBeGreaterThan(1_000_000);
});

it('costs a page by the first or last it asks for, and mutations 10', async () => {
  const cost = async (query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return ((await response.json()) as { extensions: any }).extensions.cost.requestedQueryCost as number;
  };
  expect(await cost('{ customers { totalCount } }')).toBe(1); // scalars are free
  expect(await cost('{ customers { nodes { id } } }')).toBe(21); // default page: 20
  expect(await cost('query($n: Int) { customers(last: $n) { edges { node { id } } pageInfo { hasNextPage } } }', { n: 5 })).toBe(6);
  expect(await cost('mutation { deleteSavedSearch(input: { id: "x" }) { userErrors { code } } }')).toBe(10);
  // The same query text again with other variables costs by those (costs are kept per query and variables).
  const paged = 'query($n: Int) { customers(last: $n) { edges { node { id } } pageInfo { hasNextPage } } }';
  expect(await cost(paged, { n: 40 })).toBe(41);
  expect(await cost(paged, { n: 5 })).toBe(6);
  expect(await cost(paged, { n: 40 })).toBe(41);
});

it('refuses a query nested deeper than MAX_QUERY_DEPTH', async () => {
  let nested = 'name';
  for (let i = 0; i < 12; i += 1) nested = `parentCustomer { ${nested} }`;
  const response = await server.graphql(`{ customers(first: 1) { nodes { ${nested} } } }`, {}, org.adminToken);
  expect(response.status).toBe(400);
  expect(response.errors![0]!.extensions).toMatchObject({ code: 'MAX_DEPTH_EXCEEDED', maximum: 12, found: 15 });
  expect(response.errors![0]!.message).toBe('The query has 15 levels of nesting; at most 12 are allowed.');
  expect(response.statements).toBe(baseline);
});

it('refuses more than MAX_QUERY_ALIASES aliases', async () => {
  const aliases = Array.from({ length: 31 }, (_, i) => `c${i}: customers(first: 1) { totalCount }`).join(' ');
  const response = await server.graphql(`{ ${aliases} }`, {}, org.adminToken);
  expect(response.status).toBe(400);
  expect(response.errors![0]!.extensions).toMatchObject({ code: 'MAX_ALIASES_EXCEEDED', maximum: 30, found: 31 });
  expect(response.errors![0]!.message).toBe('The query has 31 aliases; at most 30 are allowed.');
});

it('refuses 1000 aliases of a list without running a statement', async () => {
  const aliases = Array.from({ length: 1000 }, (_, i) => `c${i}: customers(first: 1) { nodes { id } }`).join('\n');
  const response = await server.graphql(`{ ${aliases} }`, {}, org.adminToken);
  expect(response.status).toBe(400);
  expect(response.data).toBeNull();
  // Long before counting the aliases, the query is over the token limit.
  expect(response.errors![0]!.extensions!.code).toBe('MAX_TOKENS_EXCEEDED');
  expect(response.statements).toBe(baseline);
});

it('refuses a document of more than MAX_QUERY_TOKENS tokens', async () => {
  const fields = Array.from({ length: 5001 }, () => '__typename').join(' ');
  const response = await server.graphql(`{ ${fields} }`, {}, org.adminToken);
  expect(response.status).toBe(400);
  expect(response.errors![0]!.extensions).toMatchObject({ code: 'MAX_TOKENS_EXCEEDED', maximum: 5000 });
  expect(response.errors![0]!.message).toMatch(/more than 5000 tokens/);
});

it('refuses more than MAX_QUERY_DIRECTIVES directives', async () => {
  const fields = Array.from({ length: 51 }, () => '__typename @include(if: true)').join(' ');
  const response = await server.graphql(`{ ${fields} }`, {}, org.adminToken);
  expect(response.status).toBe(400);
  expect(response.errors![0]!.extensions).toMatchObject({ code: 'MAX_DIRECTIVES_EXCEEDED', maximum: 50, found: 51 });
});

it('takes its limits from the configuration', async () => {
  const strict = await startTestServer({ MAX_QUERY_COST: '20', MAX_QUERY_DEPTH: '3' });
  try {
    const strictOrg = await createTestOrganisation(strict);
    const costly = await strict.graphql('{ customers(first: 20) { nodes { id } } }', {}, strictOrg.adminToken);
    expect(costly.errors![0]!.extensions).toMatchObject({ code: 'MAX_COST_EXCEEDED', cost: 21, maxCost: 20 });
    const cheap = await strict.graphql('{ customers(first: 19) { nodes { id } } }', {}, strictOrg.adminToken);
    expect(cheap.errors).toBeUndefined();
    const deep = await strict.graphql('{ customers(first: 1) { nodes { status { name } } } }', {}, strictOrg.adminToken);
    expect(deep.errors![0]!.extensions).toMatchObject({ code: 'MAX_DEPTH_EXCEEDED', maximum: 3, found: 4 });
  } finally {
    await strict.close();
  }
});
