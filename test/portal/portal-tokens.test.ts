// Portal tokens through the API: admins and managers make them for one customer; a portal token sees
// that customer (its name, contacts and addresses) and nothing else of the organisation, changes
// contact details only with UPDATE_CONTACT_DETAILS, and stops working when revoked or expired.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { CREATE_CUSTOMER, customerInput, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let other: TestOrganisation;
let ref: Reference;
type Made = { id: string; contactId: string; addressId: string };
let mine: Made;
let neighbour: Made;

const CREATE_PORTAL_TOKEN = `
  mutation ($input: CreatePortalTokenInput!) {
    createPortalToken(input: $input) {
      token
      portalToken { id name permissions active expiresAt revokedAt createdBy { email } customer { id name } }
      userErrors { field message code }
    }
  }`;
const REVOKE_PORTAL_TOKEN = `
  mutation ($input: RevokePortalTokenInput!) {
    revokePortalToken(input: $input) { portalToken { id active revokedAt } userErrors { field message code } }
  }`;
const UPDATE_CONTACT = `
  mutation ($input: UpdateContactInput!) {
    updateContact(input: $input) { contact { id position } userErrors { field message code } }
  }`;
const CREATE_CONTACT = `
  mutation ($input: CreateContactInput!) {
    createContact(input: $input) { contact { id surname customer { name } } userErrors { field message code } }
  }`;
const UPDATE_ADDRESS = `
  mutation ($input: UpdateAddressInput!) {
    updateAddress(input: $input) { address { id line2 } userErrors { field message code } }
  }`;

async function makeCustomer(name: string, token = org.adminToken, reference = ref): Promise<Made> {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(reference, { name, contacts: [{ surname: `${name} Contact` }] }) }, token);
  expect(res.data!.createCustomer.userErrors).toEqual([]);
  const c = res.data!.createCustomer.customer;
  return { id: c.id, contactId: c.contacts.nodes[0].id, addressId: c.addresses.nodes[0].id };
}

async function portalToken(input: Record<string, unknown>, token = org.adminToken): Promise<{ token: string; id: string }> {
  const res = await server.graphql(CREATE_PORTAL_TOKEN, { input: { customerId: mine.id, name: 'Portal', ...input } }, token);
  expect(res.errors).toBeUndefined();
  expect(res.data!.createPortalToken.userErrors).toEqual([]);
  return { token: res.data!.createPortalToken.token, id: res.data!.createPortalToken.portalToken.id };
}

let viewer: string;
let editor: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server, 'Portal Ltd');
  other = await createTestOrganisation(server, 'Other Portal Ltd');
  ref = await readReference(server, org.adminToken);
  mine = await makeCustomer('Mine Ltd');
  neighbour = await makeCustomer('Neighbour Ltd');
  viewer = (await portalToken({ name: 'Statements portal', permissions: ['VIEW_STATEMENTS', 'VIEW_INVOICES'] })).token;
  editor = (await portalToken({ name: 'Self-service', permissions: ['UPDATE_CONTACT_DETAILS'] })).token;
});
afterAll(() => server.close());

describe('createPortalToken', () => {
  it('makes a token for one customer and shows it once', async () => {
    const res = await server.graphql(
      CREATE_PORTAL_TOKEN,
      { input: { customerId: mine.id, name: 'Partner portal', permissions: ['VIEW_JOBS', 'PAY', 'VIEW_JOBS'] } },
      await org.tokenFor('MANAGER'),
    );
    const p = res.data!.createPortalToken;
    expect(p.userErrors).toEqual([]);
    expect(p.token).toMatch(/^crmp_/);
    expect(p.portalToken).toMatchObject({
      name: 'Partner portal',
      permissions: ['VIEW_JOBS', 'PAY'],
      active: true,
      expiresAt: null,
      revokedAt: null,
      createdBy: { email: expect.stringMatching(/^manager-/) },
      customer: { id: mine.id, name: 'Mine Ltd' },
    });

    const listed = await server.graphql(`query ($id: ID!) { customer(id: $id) { portalTokens { name active } } }`, { id: mine.id }, org.adminToken);
    expect(listed.data!.customer.portalTokens[0]).toEqual({ name: 'Partner portal', active: true });
    expect(listed.data!.customer.portalTokens.map((t: any) => t.name)).toEqual(['Partner portal', 'Self-service', 'Statements portal']);

    const [audit] = await selectRows<{ n: number; leaks: number }>(
      server.database.db,
      sql`select count(*)::int as n, count(*) filter (where after::text like ${`%${p.token}%`} or after::text like '%tokenHash%')::int as leaks
          from audit_entries where action = 'portalToken.create'`,
    );
    expect(audit).toEqual({ n: 3, leaks: 0 });
  });

  it('refuses bad input with user errors', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ permissions: [] }, 'input.permissions:REQUIRED'],
      [{ name: ' ', permissions: ['PAY'] }, 'input.name:REQUIRED'],
      [{ permissions: ['PAY'], expiresAt: '2000-01-01T00:00:00Z' }, 'input.expiresAt:INVALID'],
      [{ permissions: ['PAY'], customerId: neighbour.contactId }, 'input.customerId:INVALID'],
    ];
    for (const [input, code] of cases) {
      const res = await server.graphql(CREATE_PORTAL_TOKEN, { input: { customerId: mine.id, name: 'Bad', ...input } }, org.adminToken);
      expect(res.data!.createPortalToken.token).toBeNull();
      expect(errorCodes(res.data!.createPortalToken.userErrors)).toEqual([code]);
    }
    // Another organisation's customer is not found.
    const res = await server.graphql(CREATE_PORTAL_TOKEN, { input: { customerId: mine.id, name: 'Theirs', permissions: ['PAY'] } }, other.adminToken);
    expect(errorCodes(res.data!.createPortalToken.userErrors)).toEqual(['input.customerId:NOT_FOUND']);
  });

  it('is for admins and managers only', async () => {
    for (const role of ['SALES', 'READ_ONLY'] as const) {
      const res = await server.graphql(CREATE_PORTAL_TOKEN, { input: { customerId: mine.id, name: 'x', permissions: ['PAY'] } }, await org.tokenFor(role));
      expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    const fromPortal = await server.graphql(CREATE_PORTAL_TOKEN, { input: { customerId: mine.id, name: 'x', permissions: ['PAY'] } }, editor);
    expect(fromPortal.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});

describe('a portal token', () => {
  const CUSTOMER = `
    query ($id: ID!) {
      customer(id: $id) {
        id name
        contacts(first: 10) { nodes { id surname } }
        addresses(first: 10) { nodes { id line1 } }
      }
    }`;

  it('reads its own customer with contacts and addresses, by customer(id:) and node', async () => {
    const res = await server.graphql(CUSTOMER, { id: mine.id }, viewer);
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer).toEqual({
      id: mine.id,
      name: 'Mine Ltd',
      contacts: { nodes: [{ id: mine.contactId, surname: 'Mine Ltd Contact' }] },
      addresses: { nodes: [{ id: mine.addressId, line1: '1 Quay Street' }] },
    });
    const node = await server.graphql(`query ($id: ID!) { node(id: $id) { id ... on Customer { name } } }`, { id: mine.id }, viewer);
    expect(node.data).toEqual({ node: { id: mine.id, name: 'Mine Ltd' } });
    const contact = await server.graphql(`query ($id: ID!) { node(id: $id) { ... on Contact { surname } } }`, { id: mine.contactId }, viewer);
    expect(contact.data).toEqual({ node: { surname: 'Mine Ltd Contact' } });
  });

  it('finds nothing of another customer of the same organisation', async () => {
    const byId = await server.graphql(CUSTOMER, { id: neighbour.id }, viewer);
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toEqual({ customer: null });
    const node = await server.graphql(`query ($id: ID!) { node(id: $id) { id } }`, { id: neighbour.id }, viewer);
    expect(node.data).toEqual({ node: null });
    const nodes = await server.graphql(
      `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: [neighbour.id, neighbour.contactId, neighbour.addressId, mine.id] },
      viewer,
    );
    expect(nodes.data).toEqual({ nodes: [null, null, null, { id: mine.id }] });
  });

  it('gets nothing but its customer, its contacts and addresses, and itself by node: not users nor reference lists', async () => {
    const ids = [await org.userIdFor('ADMIN'), ref.statuses.A, Object.values(ref.types)[0]];
    const res = await server.graphql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids }, viewer);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ nodes: [null, null, null] });
  });

  it('cannot list customers or leads, nor read fields for users', async () => {
    for (const query of [`{ customers(first: 5) { totalCount } }`, `{ leads(first: 5) { totalCount } }`]) {
      const res = await server.graphql(query, {}, viewer);
      expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    const credit = await server.graphql(`query ($id: ID!) { customer(id: $id) { name creditLimit { amountMinor } } }`, { id: mine.id }, viewer);
    expect(credit.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(credit.errors![0]!.path).toEqual(['customer', 'creditLimit']);
    const tokens = await server.graphql(`query ($id: ID!) { customer(id: $id) { portalTokens { name } } }`, { id: mine.id }, viewer);
    expect(tokens.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('tells the viewer it is a portal token, not a user', async () => {
    const res = await server.graphql(
      `{ viewer { user { email } portalToken { name permissions active customer { name } } organisation { name } } }`,
      {},
      viewer,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      viewer: {
        user: null,
        portalToken: { name: 'Statements portal', permissions: ['VIEW_STATEMENTS', 'VIEW_INVOICES'], active: true, customer: { name: 'Mine Ltd' } },
        organisation: { name: 'Portal Ltd' },
      },
    });
  });

  it("with UPDATE_CONTACT_DETAILS changes its customer's contacts and addresses, not another's", async () => {
    const ok = await server.graphql(UPDATE_CONTACT, { input: { id: mine.contactId, position: 'Director' } }, editor);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.updateContact).toEqual({ contact: { id: mine.contactId, position: 'Director' }, userErrors: [] });

    const created = await server.graphql(CREATE_CONTACT, { input: { ownerId: mine.id, contact: { surname: 'New Person' } } }, editor);
    expect(created.data!.createContact.userErrors).toEqual([]);
    expect(created.data!.createContact.contact).toMatchObject({ surname: 'New Person', customer: { name: 'Mine Ltd' } });

    const address = await server.graphql(UPDATE_ADDRESS, { input: { id: mine.addressId, line2: 'Unit 4' } }, editor);
    expect(address.data!.updateAddress).toEqual({ address: { id: mine.addressId, line2: 'Unit 4' }, userErrors: [] });

    const [audit] = await selectRows<{ portal: string | null; user: string | null }>(
      server.database.db,
      sql`select actor_portal_token_id::text as portal, actor_user_id::text as user from audit_entries where action = 'contact.update' order by created_at desc limit 1`,
    );
    expect(audit!.portal).not.toBeNull();
    expect(audit!.user).toBeNull();

    const before = await selectRows<{ position: string | null }>(
      server.database.db,
      sql`select position from contacts where surname = 'Neighbour Ltd Contact'`,
    );
    const theirs = await server.graphql(UPDATE_CONTACT, { input: { id: neighbour.contactId, position: 'Hijacked' } }, editor);
    expect(errorCodes(theirs.data!.updateContact.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const theirAddress = await server.graphql(UPDATE_ADDRESS, { input: { id: neighbour.addressId, line2: 'Hijacked' } }, editor);
    expect(errorCodes(theirAddress.data!.updateAddress.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const newOnTheirs = await server.graphql(CREATE_CONTACT, { input: { ownerId: neighbour.id, contact: { surname: 'Intruder' } } }, editor);
    expect(errorCodes(newOnTheirs.data!.createContact.userErrors)).toEqual(['input.ownerId:NOT_FOUND']);
    const after = await selectRows<{ position: string | null }>(server.database.db, sql`select position from contacts where surname = 'Neighbour Ltd Contact'`);
    expect(after).toEqual(before);
  });

  it('without UPDATE_CONTACT_DETAILS changes nothing (FORBIDDEN)', async () => {
    const res = await server.graphql(UPDATE_CONTACT, { input: { id: mine.contactId, position: 'Nope' } }, viewer);
    expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const created = await server.graphql(CREATE_CONTACT, { input: { ownerId: mine.id, contact: { surname: 'Nope' } } }, viewer);
    expect(created.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});

describe('revoked and expired portal tokens', () => {
  it('stop authenticating at once when revoked; revoking is for the organisation that made them', async () => {
    const made = await portalToken({ name: 'Short-lived', permissions: ['VIEW_JOBS'] });
    expect((await server.graphql(`{ viewer { portalToken { name } } }`, {}, made.token)).data).toEqual({ viewer: { portalToken: { name: 'Short-lived' } } });

    const foreign = await server.graphql(REVOKE_PORTAL_TOKEN, { input: { id: made.id } }, other.adminToken);
    expect(errorCodes(foreign.data!.revokePortalToken.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const sales = await server.graphql(REVOKE_PORTAL_TOKEN, { input: { id: made.id } }, await org.tokenFor('SALES'));
    expect(sales.errors![0]!.extensions!.code).toBe('FORBIDDEN');

    const revoked = await server.graphql(REVOKE_PORTAL_TOKEN, { input: { id: made.id } }, org.adminToken);
    expect(revoked.data!.revokePortalToken.userErrors).toEqual([]);
    expect(revoked.data!.revokePortalToken.portalToken.active).toBe(false);
    const res = await server.graphql(`{ viewer { portalToken { name } } }`, {}, made.token);
    expect(res.status).toBe(401);
    expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');

    const [audit] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from audit_entries where action = 'portalToken.revoke'`);
    expect(audit!.n).toBe(1);
  });

  it('stop authenticating once expired', async () => {
    const made = await portalToken({ name: 'Expiring', permissions: ['VIEW_JOBS'], expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await server.graphql(`{ viewer { portalToken { active } } }`, {}, made.token)).data).toEqual({ viewer: { portalToken: { active: true } } });
    // Move its expiry into the past, as time passing would.
    await server.database.db.execute(sql`update portal_tokens set expires_at = now() - interval '1 second' where name = 'Expiring'`);
    const res = await server.graphql(`{ viewer { portalToken { active } } }`, {}, made.token);
    expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });
});
