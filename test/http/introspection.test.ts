// Production posture: callers without a valid token get neither the schema (introspection) nor
// "Did you mean …?" hints in error messages; signed-in callers keep both. Both are configurable.
import { createTestOrganisation, startTestServer, type TestServer } from '../helpers/server';

const schemaQuery = '{ __schema { queryType { name } types { name } } }';
const typeQuery = '{ __type(name: "Customer") { fields { name } } }';
const hiddenInFragment = 'query Sneaky { ...Root } fragment Root on Query { __schema { types { name } } }';
const misspelt = '{ customrs(first: 1) { totalCount } }';

describe('with NODE_ENV=production and the default settings', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production' });
    token = (await createTestOrganisation(server)).adminToken;
  });
  afterAll(() => server.close());

  it.each([
    ['__schema', schemaQuery],
    ['__type', typeQuery],
    ['__schema inside a fragment', hiddenInFragment],
  ])('refuses introspection (%s) to a caller without a token', async (_name, query) => {
    const response = await server.graphql(query);
    expect(response.status).toBe(400);
    expect(response.data).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/introspection.*Authorization: Bearer/i),
        extensions: expect.objectContaining({ code: 'INTROSPECTION_DISABLED' }),
      }),
    ]);
  });

  it('answers introspection to a caller with a valid token', async () => {
    const response = await server.graphql<{ __schema: { types: Array<{ name: string }> } }>(schemaQuery, undefined, token);
    expect(response.errors).toBeUndefined();
    expect(response.data!.__schema.types.map((t) => t.name)).toContain('Customer');
  });

  it('still answers __typename to anyone', async () => {
    const response = await server.graphql('{ __typename }');
    expect(response.data).toEqual({ __typename: 'Query' });
  });

  it('gives no "Did you mean" suggestions to a caller without a token', async () => {
    const response = await server.graphql(misspelt);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.message).toBe('Cannot query field "customrs" on type "Query".');
  });

  it('strips suggestions from variable errors too', async () => {
    const query = 'query ($t: AddressType!) { customer(id: "x") { defaultAddress(type: $t) { id } } }';
    const response = await server.graphql(query, { t: 'TRADNG' });
    expect(response.errors?.[0]?.message).toBe('Variable "$t" got invalid value "TRADNG"; Value "TRADNG" does not exist in "AddressType" enum.');
    const signedIn = await server.graphql(query, { t: 'TRADNG' }, token);
    expect(signedIn.errors?.[0]?.message).toMatch(/Did you mean the enum value "TRADING"\?/);
  });

  it('keeps suggestions for a caller with a valid token', async () => {
    const response = await server.graphql(misspelt, undefined, token);
    expect(response.errors?.[0]?.message).toMatch(/Did you mean "customers"/);
  });
});

describe('with INTROSPECTION=never and FIELD_SUGGESTIONS=never', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production', INTROSPECTION: 'never', FIELD_SUGGESTIONS: 'never' });
    token = (await createTestOrganisation(server)).adminToken;
  });
  afterAll(() => server.close());

  it('refuses introspection and suggestions even with a valid token', async () => {
    const introspection = await server.graphql(schemaQuery, undefined, token);
    expect(introspection.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
    expect(introspection.errors?.[0]?.message).toMatch(/INTROSPECTION/);
    const suggestion = await server.graphql(misspelt, undefined, token);
    expect(suggestion.errors?.[0]?.message).toBe('Cannot query field "customrs" on type "Query".');
  });
});

describe('in development (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers introspection and gives suggestions to anyone', async () => {
    const introspection = await server.graphql<{ __schema: { queryType: { name: string } } }>(schemaQuery);
    expect(introspection.data?.__schema.queryType.name).toBe('Query');
    const suggestion = await server.graphql(misspelt);
    expect(suggestion.errors?.[0]?.message).toMatch(/Did you mean "customers"/);
  });
});
