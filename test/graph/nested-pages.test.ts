// A page of customers reads its contacts and addresses in the same SQL statement (issue 15), and the
// answer is exactly what the per-relation loaders give: the same rows, order, values, cursors and
// page info. The loaders' path is what a query whose nodes hold a fragment takes, so each query is
// asked both ways and the answers compared.
import { generateCustomers } from '../../src/demo/bulk';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
  await generateCustomers(server.database.db, { organisationId: org.organisationId, count: 30, seed: 11 });
});
afterAll(() => server.close());

/** The issue's page, exactly. */
const ISSUE_PAGE = `customers(first: 50) { nodes { id name contacts(first: 10) { nodes { id fullName emails { address } phones { type number } } } addresses(first: 10) { nodes { id line1 postcode } } } }`;

const EVERY_FIELD = `
  contacts(first: $contacts, after: $contactsAfter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id title firstName surname fullName position emails { address label } phones { type number }
      socialUrls communicationPreferences { channel consented source } isPrimary customFields version createdAt updatedAt customer { id name } } }
  }
  last2: contacts(last: 2) { nodes { id surname } pageInfo { hasPreviousPage startCursor } }
  billing: addresses(type: BILLING) { nodes { id type } }
  addresses(first: 10) { nodes { id type isDefault line1 line2 line3 town county postcode country what3words latitude longitude formatted version createdAt updatedAt } }`;

/** The same customers query, with its node fields plain (one statement) or inside a fragment (the loaders). */
function both(nodeFields: string, args = '(first: 20)') {
  const variables = nodeFields.includes('$contacts') ? '($contacts: Int, $contactsAfter: String)' : '';
  return {
    planned: `query${variables} { customers${args} { nodes { id name ${nodeFields} } } }`,
    loaders: `query${variables} { customers${args} { nodes { ... on Customer { id name ${nodeFields} } } } }`,
  };
}

it('answers the issue page in two statements (token, page), as the loaders would in four', async () => {
  const planned = await server.graphql(`{ ${ISSUE_PAGE} }`, {}, org.adminToken);
  const loaders = await server.graphql(
    `{ ${ISSUE_PAGE.replace('nodes { id name', 'nodes { ... on Customer { id name').replace(/\} \} \} \}$/, '} } } } }')} }`,
    {},
    org.adminToken,
  );
  expect(planned.errors).toBeUndefined();
  expect(loaders.errors).toBeUndefined();
  expect(planned.data).toEqual(loaders.data);
  const customers = planned.data!.customers.nodes;
  expect(customers.length).toBeGreaterThan(25);
  expect(customers.some((c: any) => c.contacts.nodes.length > 0 && c.addresses.nodes.length > 0)).toBe(true);
  expect(planned.statements).toBe(2);
  expect(loaders.statements).toBe(4);
});

it('gives every contact and address field, cursor and page of the nested lists as the loaders do', async () => {
  const { planned, loaders } = both(EVERY_FIELD);
  for (const variables of [{ contacts: 1 }, { contacts: 10 }, { contacts: 0 }]) {
    const a = await server.graphql(planned, variables, org.adminToken);
    const b = await server.graphql(loaders, variables, org.adminToken);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data).toEqual(b.data);
    expect(a.statements).toBeLessThan(b.statements);
  }
  // Paging on from a nested cursor: the rows after it, the same both ways.
  const first = await server.graphql(planned, { contacts: 1 }, org.adminToken);
  const withMore = first.data!.customers.nodes.find((c: any) => c.contacts.pageInfo.hasNextPage);
  expect(withMore).toBeDefined();
  const variables = { contacts: 5, contactsAfter: withMore.contacts.pageInfo.endCursor };
  const a = await server.graphql(planned, variables, org.adminToken);
  const b = await server.graphql(loaders, variables, org.adminToken);
  expect(a.errors).toBeUndefined();
  expect(a.data).toEqual(b.data);
  const next = a.data!.customers.nodes.find((c: any) => c.id === withMore.id).contacts;
  expect(next.pageInfo.hasPreviousPage).toBe(true);
  expect(next.edges[0].node.id).not.toBe(withMore.contacts.edges[0].node.id);
});

it('reads no sort keys for nested lists asked without cursors, and keeps them where another list of the request asks', async () => {
  const bare = 'contacts(first: 1) { nodes { id } }';
  const paged = 'contacts(first: 1) { nodes { id } pageInfo { endCursor hasNextPage } edges { cursor } }';
  const planned = `{ bare: customers(first: 20) { nodes { id ${bare} } } paged: customers(first: 20) { nodes { id ${paged} } } }`;
  const loaders = `{ bare: customers(first: 20) { nodes { ... on Customer { id ${bare} } } } paged: customers(first: 20) { nodes { ... on Customer { id ${paged} } } } }`;
  const a = await server.graphql(planned, {}, org.adminToken);
  const b = await server.graphql(loaders, {}, org.adminToken);
  expect(a.errors).toBeUndefined();
  expect(a.data).toEqual(b.data);
  const withMore = a.data!.paged.nodes.find((c: any) => c.contacts.pageInfo.hasNextPage);
  expect(withMore.contacts.pageInfo.endCursor).toEqual(withMore.contacts.edges[0].cursor);
  const next = await server.graphql(
    `query ($id: ID!, $after: String) { node(id: $id) { ... on Customer { contacts(first: 1, after: $after) { nodes { id } } } } }`,
    { id: withMore.id, after: withMore.contacts.pageInfo.endCursor },
    org.adminToken,
  );
  expect(next.errors).toBeUndefined();
  expect(next.data!.node.contacts.nodes).toHaveLength(1);
  expect(next.data!.node.contacts.nodes[0].id).not.toBe(withMore.contacts.nodes[0].id);
});

it('pages backwards and orders the customers either way, the same both ways', async () => {
  for (const args of ['(last: 7)', '(first: 7, orderBy: { field: CREATED_AT, direction: DESC })', '(first: 5, filter: { name: "a" })']) {
    const { planned, loaders } = both('contacts(first: 2) { nodes { id surname } pageInfo { endCursor } } addresses(last: 1) { nodes { id postcode } }', args);
    const a = await server.graphql(planned, {}, org.adminToken);
    const b = await server.graphql(loaders, {}, org.adminToken);
    expect(a.errors).toBeUndefined();
    expect(a.data).toEqual(b.data);
  }
});

it('reports a nested list argument in error as the loaders do, naming it', async () => {
  const { planned, loaders } = both('contacts(first: -1) { nodes { id } }');
  const a = await server.graphql(planned, {}, org.adminToken);
  const b = await server.graphql(loaders, {}, org.adminToken);
  expect(a.errors?.[0]?.message).toMatch(/first must be between 0 and/);
  expect(a.errors?.map((e: any) => e.message)).toEqual(b.errors?.map((e: any) => e.message));
});
