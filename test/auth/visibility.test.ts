// Record visibility (docs/domain.md#access-and-visibility): who sees which leads and customers, and
// delegated access grants that open one record for a period. A record that is not visible is
// indistinguishable from one that does not exist: null by id, absent from lists and their counts,
// NOT_FOUND to mutations.
import { toGlobalId } from '../../src/graph/ids';
import { createUser } from '../../src/organisations/service';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
/** Two sales users: `owner` owns the records, `colleague` does not. */
let owner: { id: string; token: string };
let colleague: { id: string; token: string };
let lead: { id: string; contactId: string };
let customer: { id: string; contactId: string; addressId: string };

const CREATE_LEAD = `mutation($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id contacts(first: 5) { nodes { id } } } userErrors { field code } }
}`;
const GRANT = `mutation($input: GrantRecordAccessInput!) {
  grantRecordAccess(input: $input) { accessGrant { id state startsAt endsAt reason grantee { email } grantedBy { email } record { __typename } } userErrors { field code message } }
}`;
const REVOKE = `mutation($input: RevokeRecordAccessInput!) {
  revokeRecordAccess(input: $input) { accessGrant { id state revokedBy { email } } userErrors { field code } }
}`;

async function salesUser(email: string) {
  const made = await createUser(server.database.db, org.organisationId, { email, name: email.split('@')[0]!, role: 'SALES' });
  return { id: toGlobalId('User', made.user.id), token: made.token };
}

/** What one viewer can see of the lead and the customer, every way there is to look. */
async function sightOf(token: string) {
  const res = await server.graphql(
    `query($lead: ID!, $customer: ID!, $leadContact: ID!, $customerContact: ID!, $address: ID!) {
      lead(id: $lead) { id }
      customer(id: $customer) { id }
      nodes(ids: [$lead, $customer, $leadContact, $customerContact, $address]) { id }
      leads(first: 50) { totalCount nodes { id } }
      customers(first: 50) { totalCount nodes { id } }
      contactNode: node(id: $customerContact) { ... on Contact { customer { id } } }
    }`,
    { lead: lead.id, customer: customer.id, leadContact: lead.contactId, customerContact: customer.contactId, address: customer.addressId },
    token,
  );
  expect(res.errors).toBeUndefined();
  const d = res.data!;
  return {
    leadById: d.lead !== null,
    customerById: d.customer !== null,
    nodes: d.nodes.map((n: unknown) => n !== null),
    leadListed: d.leads.nodes.some((n: { id: string }) => n.id === lead.id),
    leadsCount: d.leads.totalCount,
    customerListed: d.customers.nodes.some((n: { id: string }) => n.id === customer.id),
    customersCount: d.customers.totalCount,
    contactsCustomer: d.contactNode?.customer?.id ?? null,
  };
}

const SEES_BOTH = {
  leadById: true,
  customerById: true,
  nodes: [true, true, true, true, true],
  leadListed: true,
  leadsCount: 1,
  customerListed: true,
  customersCount: 1,
};
const SEES_NEITHER = {
  leadById: false,
  customerById: false,
  nodes: [false, false, false, false, false],
  leadListed: false,
  leadsCount: 0,
  customerListed: false,
  customersCount: 0,
  contactsCustomer: null,
};

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  owner = await salesUser('owner@acme.test');
  colleague = await salesUser('colleague@acme.test');
  const l = await server.graphql(CREATE_LEAD, { input: { name: 'Owned Lead', contacts: [{ surname: 'Leadcontact' }] } }, owner.token);
  lead = { id: l.data!.createLead.lead.id, contactId: l.data!.createLead.lead.contacts.nodes[0].id };
  const c = await server.graphql(
    CREATE_CUSTOMER,
    { input: customerInput(ref, { name: 'Owned Customer', contacts: [{ surname: 'Custcontact' }] }) },
    owner.token,
  );
  const created = c.data!.createCustomer.customer;
  customer = { id: created.id, contactId: created.contacts.nodes[0].id, addressId: created.addresses.nodes[0].id };
});
afterAll(() => server.close());

describe('by role', () => {
  it('shows the owner their own records, by id, in lists, in nodes and through nested paths', async () => {
    expect(await sightOf(owner.token)).toEqual({ ...SEES_BOTH, contactsCustomer: customer.id });
  });

  it("hides a colleague's records from a sales user every way", async () => {
    expect(await sightOf(colleague.token)).toEqual(SEES_NEITHER);
  });

  it.each(['ADMIN', 'MANAGER', 'READ_ONLY'] as const)('shows %s every lead and customer', async (role) => {
    expect(await sightOf(await org.tokenFor(role))).toEqual({ ...SEES_BOTH, contactsCustomer: customer.id });
  });

  it.each(['SERVICE', 'FINANCE'] as const)('shows %s every customer but only their own leads', async (role) => {
    expect(await sightOf(await org.tokenFor(role))).toEqual({
      leadById: false,
      customerById: true,
      nodes: [false, true, false, true, true],
      leadListed: false,
      leadsCount: 0,
      customerListed: true,
      customersCount: 1,
      contactsCustomer: customer.id,
    });
  });

  it("refuses a colleague's changes as NOT_FOUND and leaves the records as they were", async () => {
    const update = await server.graphql(
      `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { field code } } }`,
      { input: { id: customer.id, name: 'Taken Over' } },
      colleague.token,
    );
    expect(update.data!.updateCustomer).toEqual({ customer: null, userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND' }] });
    const contact = await server.graphql(
      `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { field code } } }`,
      { input: { ownerId: lead.id, contact: { surname: 'Sneaky' } } },
      colleague.token,
    );
    expect(errorCodes(contact.data!.createContact.userErrors)).toEqual(['input.ownerId:NOT_FOUND']);
    const updateContact = await server.graphql(
      `mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } userErrors { field code } } }`,
      { input: { id: customer.contactId, surname: 'Renamed' } },
      colleague.token,
    );
    expect(errorCodes(updateContact.data!.updateContact.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const seen = await server.graphql(
      `query($id: ID!) { customer(id: $id) { name contacts(first: 5) { nodes { surname } } } }`,
      { id: customer.id },
      owner.token,
    );
    expect(seen.data!.customer).toEqual({ name: 'Owned Customer', contacts: { nodes: [{ surname: 'Custcontact' }] } });
  });
});

describe('delegated access', () => {
  it('opens a record to a colleague while the grant is live, and closes it when it ends, by the clock', async () => {
    const endsAt = new Date(Date.now() + 2500).toISOString();
    const grant = await server.graphql(
      GRANT,
      { input: { recordId: lead.id, granteeId: colleague.id, endsAt, reason: 'Covering while on leave' } },
      owner.token,
    );
    expect(grant.data!.grantRecordAccess.userErrors).toEqual([]);
    expect(grant.data!.grantRecordAccess.accessGrant).toMatchObject({
      state: 'ACTIVE',
      reason: 'Covering while on leave',
      grantee: { email: 'colleague@acme.test' },
      grantedBy: { email: 'owner@acme.test' },
      record: { __typename: 'Lead' },
    });

    const during = await sightOf(colleague.token);
    expect(during).toMatchObject({ leadById: true, leadListed: true, leadsCount: 1, nodes: [true, false, true, false, false], customerById: false });

    // The grant lapses with no job run: only time passes.
    await new Promise((r) => setTimeout(r, Date.parse(endsAt) - Date.now() + 100));
    expect(await sightOf(colleague.token)).toEqual(SEES_NEITHER);

    const view = await server.graphql(`query($id: ID!) { lead(id: $id) { accessGrants { state reason } } }`, { id: lead.id }, org.adminToken);
    expect(view.data!.lead.accessGrants).toEqual([{ state: 'EXPIRED', reason: 'Covering while on leave' }]);
  });

  it('does nothing before a scheduled grant starts', async () => {
    const startsAt = new Date(Date.now() + 60_000).toISOString();
    const endsAt = new Date(Date.now() + 120_000).toISOString();
    const grant = await server.graphql(
      GRANT,
      { input: { recordId: customer.id, granteeId: colleague.id, startsAt, endsAt, reason: 'Next week' } },
      org.adminToken,
    );
    expect(grant.data!.grantRecordAccess.accessGrant.state).toBe('SCHEDULED');
    expect((await sightOf(colleague.token)).customerById).toBe(false);
  });

  it('stops at once when revoked, and the access view lists grants of every state with who made them', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const grant = await server.graphql(GRANT, { input: { recordId: customer.id, granteeId: colleague.id, endsAt, reason: 'Account review' } }, org.adminToken);
    const grantId = grant.data!.grantRecordAccess.accessGrant.id;
    expect((await sightOf(colleague.token)).customerById).toBe(true);

    // The grantee may not pass the record on.
    const onward = await server.graphql(GRANT, { input: { recordId: customer.id, granteeId: owner.id, endsAt, reason: 'x' } }, colleague.token);
    expect(errorCodes(onward.data!.grantRecordAccess.userErrors)).toEqual(['input.recordId:NOT_PERMITTED']);

    const revoked = await server.graphql(REVOKE, { input: { id: grantId } }, owner.token);
    expect(revoked.data!.revokeRecordAccess).toEqual({
      accessGrant: { id: grantId, state: 'REVOKED', revokedBy: { email: 'owner@acme.test' } },
      userErrors: [],
    });
    expect((await sightOf(colleague.token)).customerById).toBe(false);
    const again = await server.graphql(REVOKE, { input: { id: grantId } }, owner.token);
    expect(errorCodes(again.data!.revokeRecordAccess.userErrors)).toEqual(['input.id:INVALID_STATE']);

    const view = await server.graphql(
      `query($id: ID!) { customer(id: $id) { all: accessGrants { state grantedBy { email } } live: accessGrants(states: [ACTIVE, SCHEDULED]) { state } } }`,
      { id: customer.id },
      owner.token,
    );
    expect(view.data!.customer).toEqual({
      all: [
        { state: 'REVOKED', grantedBy: { email: 'admin@acme-services.test' } },
        { state: 'SCHEDULED', grantedBy: { email: 'admin@acme-services.test' } },
      ],
      live: [{ state: 'SCHEDULED' }],
    });
  });

  it('refuses bad grants with errors naming the field, and writes nothing', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ recordId: customer.id, granteeId: colleague.id, endsAt: past, reason: 'x' }, org.adminToken, ['input.endsAt:INVALID']],
      [
        { recordId: customer.id, granteeId: colleague.id, endsAt: new Date(Date.now() + 1e6).toISOString(), reason: '  ' },
        org.adminToken,
        ['input.reason:REQUIRED'],
      ],
      [
        {
          recordId: customer.id,
          granteeId: toGlobalId('User', '00000000-0000-4000-8000-000000000000'),
          endsAt: new Date(Date.now() + 1e6).toISOString(),
          reason: 'x',
        },
        org.adminToken,
        ['input.granteeId:NOT_FOUND'],
      ],
      // The colleague cannot see the record: not found, exactly as for one that does not exist.
      [
        { recordId: customer.id, granteeId: colleague.id, endsAt: new Date(Date.now() + 1e6).toISOString(), reason: 'x' },
        colleague.token,
        ['input.recordId:NOT_FOUND'],
      ],
      [
        { recordId: 'not-an-id', granteeId: colleague.id, endsAt: new Date(Date.now() + 1e6).toISOString(), reason: 'x' },
        org.adminToken,
        ['input.recordId:INVALID'],
      ],
    ];
    const count = async () =>
      (await server.graphql(`query($id: ID!) { customer(id: $id) { accessGrants { id } } }`, { id: customer.id }, org.adminToken)).data!.customer.accessGrants
        .length;
    const before = await count();
    for (const [input, token, expected] of cases) {
      const res = await server.graphql(GRANT, { input }, token);
      expect({ input, errors: errorCodes(res.data!.grantRecordAccess.userErrors) }).toEqual({ input, errors: expected });
      expect(res.data!.grantRecordAccess.accessGrant).toBeNull();
    }
    expect(await count()).toBe(before);
  });

  it("keeps a record's access view from users who neither manage nor own it", async () => {
    const res = await server.graphql(`query($id: ID!) { customer(id: $id) { accessGrants { id } } }`, { id: customer.id }, await org.tokenFor('SERVICE'));
    expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
