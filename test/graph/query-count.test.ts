// N+1 guard: the nested customer list costs the same number of SQL statements for a page of 5 as
// for a page of 50, because every relation goes through a batching loader.
import { generateCustomers } from '../../src/demo/bulk';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
  await generateCustomers(server.database.db, { organisationId: org.organisationId, count: 60, seed: 7 });
});
afterAll(() => server.close());

const NESTED = `query($first: Int!) {
  customers(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name active
      type { name } status { code name } owner { name } businessUnit { name } parentCustomer { name }
      creditLimit { formatted }
      primaryContact { fullName }
      defaultAddress(type: BILLING) { formatted }
      contacts(first: 10) { totalCount nodes { id fullName emails { address } phones { number } customer { id } } }
      addresses(first: 10) { totalCount nodes { id type formatted customer { name } } }
    } }
  }
}`;

it('lists 5 and 50 customers with contacts and addresses in the same number of statements', async () => {
  const small = await server.graphql(NESTED, { first: 5 }, org.adminToken);
  const large = await server.graphql(NESTED, { first: 50 }, org.adminToken);
  expect(small.errors).toBeUndefined();
  expect(large.errors).toBeUndefined();
  expect(small.data!.customers.edges).toHaveLength(5);
  expect(large.data!.customers.edges).toHaveLength(50);
  // The data really is nested: every customer has at least one contact and one address.
  for (const { node } of large.data!.customers.edges) {
    expect(node.contacts.nodes.length).toBeGreaterThan(0);
    expect(node.addresses.nodes.length).toBeGreaterThan(0);
    expect(node.contacts.totalCount).toBe(node.contacts.nodes.length);
  }
  expect(Number.isInteger(small.statements)).toBe(true);
  expect(large.statements).toBe(small.statements);
  // token lookup, page, count, and one batched query per relation: a small constant.
  expect(large.statements).toBeLessThanOrEqual(16);
});

it('resolves nodes(ids:) for many records in a constant number of statements', async () => {
  const page = await server.graphql(`{ customers(first: 40) { nodes { id } } }`, {}, org.adminToken);
  const ids: string[] = page.data!.customers.nodes.map((n: any) => n.id);
  const query = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Customer { name status { code } } } }`;
  const few = await server.graphql(query, { ids: ids.slice(0, 4) }, org.adminToken);
  const many = await server.graphql(query, { ids }, org.adminToken);
  expect(many.data!.nodes.map((n: any) => n.id)).toEqual(ids);
  expect(many.statements).toBe(few.statements);
});
