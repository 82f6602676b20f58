// Authentication, roles, and isolation between organisations: a token of one organisation never
// reads or changes another's records, and malformed IDs are client errors, never 500s.
import { CREATE_CUSTOMER, customerInput, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;
let other: TestOrganisation;
let acmeRef: Reference;
let otherRef: Reference;
let acmeCustomer: { id: string; contactId: string; addressId: string };

beforeAll(async () => {
  server = await startTestServer();
  acme = await createTestOrganisation(server, 'Acme Services');
  other = await createTestOrganisation(server, 'Other Services');
  acmeRef = await readReference(server, acme.adminToken);
  otherRef = await readReference(server, other.adminToken);
  const res = await server.graphql(
    CREATE_CUSTOMER,
    { input: customerInput(acmeRef, { name: 'Shared Name Ltd', contacts: [{ surname: 'Secret' }] }) },
    acme.adminToken,
  );
  const c = res.data!.createCustomer.customer;
  acmeCustomer = { id: c.id, contactId: c.contacts.nodes[0].id, addressId: c.addresses.nodes[0].id };
  // The other organisation has a customer with the same name: identical data, separate rows.
  await server.graphql(CREATE_CUSTOMER, { input: customerInput(otherRef, { name: 'Shared Name Ltd' }) }, other.adminToken);
});
afterAll(() => server.close());

describe('authentication', () => {
  it('refuses queries and mutations without a token with UNAUTHENTICATED', async () => {
    const query = await server.graphql(`{ customers(first: 1) { totalCount } }`);
    expect(query.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(query.data).toBeNull();
    const mutation = await server.graphql(CREATE_CUSTOMER, { input: customerInput(acmeRef) });
    expect(mutation.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['an unknown token', 'Bearer crm_not-a-real-token'],
    ['a malformed header', 'Token abc'],
  ])('refuses %s with HTTP 401 and UNAUTHENTICATED', async (_what, header) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: header },
      body: JSON.stringify({ query: '{ viewer { user { email } } }' }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('tells the viewer who they are', async () => {
    const res = await server.graphql(`{ viewer { user { email role } organisation { name currency } } }`, {}, acme.adminToken);
    expect(res.data).toEqual({
      viewer: { user: { email: 'admin@acme-services.test', role: 'ADMIN' }, organisation: { name: 'Acme Services', currency: 'GBP' } },
    });
  });
});

describe('roles', () => {
  it('lets READ_ONLY read but not change', async () => {
    const token = await acme.tokenFor('READ_ONLY');
    const read = await server.graphql(`{ customers(first: 5) { totalCount } }`, {}, token);
    expect(read.data!.customers.totalCount).toBe(1);
    const write = await server.graphql(CREATE_CUSTOMER, { input: customerInput(acmeRef) }, token);
    expect(write.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(write.data).toBeNull();
  });

  it('lets SERVICE add contacts but not create customers', async () => {
    const token = await acme.tokenFor('SERVICE');
    const customer = await server.graphql(CREATE_CUSTOMER, { input: customerInput(acmeRef) }, token);
    expect(customer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const contact = await server.graphql(
      `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { fullName } userErrors { code } } }`,
      { input: { ownerId: acmeCustomer.id, contact: { surname: 'Engineer' } } },
      token,
    );
    expect(contact.data!.createContact).toEqual({ contact: { fullName: 'Engineer' }, userErrors: [] });
  });
});

describe("another organisation's token", () => {
  it('cannot read the record by id, through node or nodes, nor see it in lists', async () => {
    const res = await server.graphql(
      `query($id: ID!, $contact: ID!) {
        customer(id: $id) { id }
        node(id: $id) { id }
        nodes(ids: [$id, $contact]) { id }
        customers(first: 50) { totalCount nodes { id name } }
      }`,
      { id: acmeCustomer.id, contact: acmeCustomer.contactId },
      other.adminToken,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer).toBeNull();
    expect(res.data!.node).toBeNull();
    expect(res.data!.nodes).toEqual([null, null]);
    expect(res.data!.customers.totalCount).toBe(1);
    expect(res.data!.customers.nodes[0].id).not.toBe(acmeCustomer.id);
  });

  it('cannot change the record, its contacts or addresses, nor use its reference lists', async () => {
    const attempts: Array<[string, Record<string, unknown>, string]> = [
      [
        `mutation($input: UpdateCustomerInput!) { r: updateCustomer(input: $input) { userErrors { field code } } }`,
        { id: acmeCustomer.id, name: 'Hijacked' },
        'input.id:NOT_FOUND',
      ],
      [
        `mutation($input: UpdateContactInput!) { r: updateContact(input: $input) { userErrors { field code } } }`,
        { id: acmeCustomer.contactId, surname: 'Hijacked' },
        'input.id:NOT_FOUND',
      ],
      [
        `mutation($input: UpdateAddressInput!) { r: updateAddress(input: $input) { userErrors { field code } } }`,
        { id: acmeCustomer.addressId, line1: 'Hijacked' },
        'input.id:NOT_FOUND',
      ],
      [
        `mutation($input: CreateContactInput!) { r: createContact(input: $input) { userErrors { field code } } }`,
        { ownerId: acmeCustomer.id, contact: { surname: 'Spy' } },
        'input.ownerId:NOT_FOUND',
      ],
      [
        `mutation($input: CreateAddressInput!) { r: createAddress(input: $input) { userErrors { field code } } }`,
        { ownerId: acmeCustomer.id, address: { line1: 'x', postcode: 'X1 1XX' } },
        'input.ownerId:NOT_FOUND',
      ],
      [
        `mutation($input: CreateCustomerInput!) { r: createCustomer(input: $input) { userErrors { field code } } }`,
        customerInput(acmeRef),
        'input.typeId:NOT_FOUND',
      ],
      [
        `mutation($input: CreateCustomerInput!) { r: createCustomer(input: $input) { userErrors { field code } } }`,
        customerInput(otherRef, { parentCustomerId: acmeCustomer.id }),
        'input.parentCustomerId:NOT_FOUND',
      ],
    ];
    for (const [mutation, input, expected] of attempts) {
      const res = await server.graphql(mutation, { input }, other.adminToken);
      expect(res.errors).toBeUndefined();
      expect(errorCodes(res.data!.r.userErrors)).toEqual([expected]);
    }
    const check = await server.graphql(
      `query($id: ID!) { customer(id: $id) { name version contacts { nodes { surname } } addresses { nodes { line1 } } } }`,
      { id: acmeCustomer.id },
      acme.adminToken,
    );
    expect(check.data!.customer).toEqual({
      name: 'Shared Name Ltd',
      version: 1,
      contacts: { nodes: [{ surname: 'Engineer' }, { surname: 'Secret' }] },
      addresses: { nodes: [{ line1: '1 Quay Street' }] },
    });
  });
});

describe('malformed input outside mutations', () => {
  it.each([
    ['customer(id:) with garbage', `{ customer(id: "garbage") { id } }`, 'id'],
    ['customer(id:) with a Lead id', `{ customer(id: "TGVhZDowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA") { id } }`, 'id'],
    ['node(id:) with garbage', `{ node(id: "%%%") { id } }`, 'id'],
    ['a filter with a bad status id', `{ customers(filter: { statusIds: ["nope"] }) { totalCount } }`, 'filter.statusIds[0]'],
  ])('%s is BAD_USER_INPUT naming the argument', async (_what, query, argument) => {
    const res = await server.graphql(query, {}, acme.adminToken);
    expect(res.status).toBe(200);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
  });

  it('answers a malformed JSON body with 400, not 500', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.adminToken}` },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });
});

describe('production mode', () => {
  it('sends no stack traces', async () => {
    const prod = await startTestServer({ NODE_ENV: 'production' });
    try {
      const res = await prod.graphql(`{ customers(first: 1) { totalCount } }`);
      expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
      expect(res.errors![0]!.extensions!.stacktrace).toBeUndefined();
      const bad = await prod.graphql(`{ customers(first: 1) { nope } }`);
      expect(bad.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(bad.errors)).not.toMatch(/\bat \w+ \(/);
    } finally {
      await prod.close();
    }
  });
});
