// Contacts completed (docs/domain.md#communication-preferences) and address deletion
// (docs/domain.md#addresses): communication preferences with consent and the ticking rules, the primary
// contact per customer type, deleting contacts and addresses (audited, refused to viewers who may not
// see the record or may not write).
import { and, eq } from 'drizzle-orm';
import { auditEntries } from '../../src/audit/tables';
import { parseGlobalId } from '../../src/graph/ids';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const PREFS = 'communicationPreferences { channel consented consentedAt source updatedAt }';
const CREATE_CONTACT = `mutation($input: CreateContactInput!) {
  createContact(input: $input) { contact { id isPrimary version ${PREFS} } userErrors { field code message } }
}`;
const UPDATE_CONTACT = `mutation($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { id version ${PREFS} } userErrors { field code message } }
}`;
const DELETE_CONTACT = `mutation($input: DeleteContactInput!) { deleteContact(input: $input) { deletedContactId userErrors { field code message } } }`;
const CREATE_ADDRESS = `mutation($input: CreateAddressInput!) { createAddress(input: $input) { address { id isDefault } userErrors { field code } } }`;
const DELETE_ADDRESS = `mutation($input: DeleteAddressInput!) { deleteAddress(input: $input) { deletedAddressId userErrors { field code message } } }`;

async function customer(typeName = 'Company', token = org.adminToken): Promise<string> {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { typeId: ref.types[typeName] }) }, token);
  expect(res.data!.createCustomer.userErrors).toEqual([]);
  return res.data!.createCustomer.customer.id;
}

type Pref = { channel: string; consented: boolean; consentedAt: string | null; source: string | null; updatedAt: string | null };
/** channel → consented, for compact assertions. */
const ticks = (prefs: Pref[]) => Object.fromEntries(prefs.map((p) => [p.channel, p.consented]));

async function createContact(ownerId: string, contact: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(CREATE_CONTACT, { input: { ownerId, contact } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.createContact as { contact: any; userErrors: Array<{ field: string[]; code: string }> };
}

async function auditActions(entityId: string): Promise<string[]> {
  const rows = await server.database.db
    .select({ action: auditEntries.action })
    .from(auditEntries)
    .where(and(eq(auditEntries.organisationId, org.organisationId), eq(auditEntries.entityId, parseGlobalId(entityId)!.id)))
    .orderBy(auditEntries.id);
  return rows.map((r) => r.action);
}

describe('communication preferences', () => {
  it('ticks EMAIL for an email address, SMS and PHONE for a mobile, and nothing else, with when and why', async () => {
    const ownerId = await customer();
    const before = Date.now();
    const { contact } = await createContact(ownerId, {
      surname: 'Lovelace',
      emails: [{ address: 'ada@engine.test' }],
      phones: [{ type: 'MOBILE', number: '+447700900123' }],
    });
    expect(ticks(contact.communicationPreferences)).toEqual({ EMAIL: true, SMS: true, PHONE: true, POST: false, MARKETING: false });
    const email = contact.communicationPreferences[0] as Pref;
    expect(email).toMatchObject({ channel: 'EMAIL', source: 'email address entered' });
    expect(Date.parse(email.consentedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(contact.communicationPreferences[3]).toEqual({ channel: 'POST', consented: false, consentedAt: null, source: null, updatedAt: null });

    const office = await createContact(ownerId, { surname: 'Babbage', phones: [{ type: 'OFFICE', number: '+441908640404' }] });
    expect(ticks(office.contact.communicationPreferences)).toEqual({ EMAIL: false, SMS: false, PHONE: true, POST: false, MARKETING: false });
    expect(office.contact.communicationPreferences[2].source).toBe('telephone number entered');

    const none = await createContact(ownerId, { surname: 'Nobody' });
    expect(ticks(none.contact.communicationPreferences)).toEqual({ EMAIL: false, SMS: false, PHONE: false, POST: false, MARKETING: false });
  });

  it('leaves a channel the input sets explicitly as the input says, with its consent date and source', async () => {
    const ownerId = await customer();
    const { contact, userErrors } = await createContact(ownerId, {
      surname: 'Hopper',
      emails: [{ address: 'grace@navy.test' }],
      phones: [{ type: 'MOBILE', number: '+447700900124' }],
      communicationPreferences: [
        { channel: 'EMAIL', consented: false, source: 'phone call' },
        { channel: 'SMS', consented: false },
        { channel: 'MARKETING', consented: true, consentedAt: '2025-05-01T10:00:00Z', source: 'web form' },
        { channel: 'POST', consented: true, source: 'paper form' },
      ],
    });
    expect(userErrors).toEqual([]);
    expect(ticks(contact.communicationPreferences)).toEqual({ EMAIL: false, SMS: false, PHONE: true, POST: true, MARKETING: true });
    const byChannel = Object.fromEntries((contact.communicationPreferences as Pref[]).map((p) => [p.channel, p]));
    expect(byChannel.EMAIL).toMatchObject({ consentedAt: null, source: 'phone call' });
    expect(byChannel.MARKETING).toMatchObject({ consentedAt: '2025-05-01T10:00:00.000Z', source: 'web form' });
    expect(byChannel.POST!.consentedAt).not.toBeNull();
  });

  it('ticks on update only channels never decided: a withdrawn consent stays withdrawn', async () => {
    const ownerId = await customer();
    const { contact } = await createContact(ownerId, { surname: 'Franklin', phones: [{ type: 'OFFICE', number: '+441908640405' }] });
    // Withdraw PHONE, then add a mobile: SMS is ticked (never decided), PHONE is not.
    const withdrawn = await server.graphql(
      UPDATE_CONTACT,
      { input: { id: contact.id, communicationPreferences: [{ channel: 'PHONE', consented: false, source: 'phone call' }] } },
      org.adminToken,
    );
    expect(ticks(withdrawn.data!.updateContact.contact.communicationPreferences)).toMatchObject({ PHONE: false, SMS: false });
    const mobile = await server.graphql(
      UPDATE_CONTACT,
      {
        input: {
          id: contact.id,
          phones: [
            { type: 'OFFICE', number: '+441908640405' },
            { type: 'MOBILE', number: '+447700900125' },
          ],
          emails: [{ address: 'rosalind@kings.test' }],
        },
      },
      org.adminToken,
    );
    expect(mobile.data!.updateContact.userErrors).toEqual([]);
    expect(ticks(mobile.data!.updateContact.contact.communicationPreferences)).toEqual({ EMAIL: true, SMS: true, PHONE: false, POST: false, MARKETING: false });
    // Other changes keep the decisions as they are.
    const renamed = await server.graphql(UPDATE_CONTACT, { input: { id: contact.id, title: 'Dr' } }, org.adminToken);
    expect(renamed.data!.updateContact.contact.communicationPreferences).toEqual(mobile.data!.updateContact.contact.communicationPreferences);
  });

  it('ticks contacts created with their customer too', async () => {
    const res = await server.graphql(
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { contacts { nodes { ${PREFS} } } } userErrors { field code } } }`,
      { input: customerInput(ref, { name: 'With Contacts Ltd', contacts: [{ surname: 'Curie', emails: [{ address: 'marie@radium.test' }] }] }) },
      org.adminToken,
    );
    expect(res.data!.createCustomer.userErrors).toEqual([]);
    expect(ticks(res.data!.createCustomer.customer.contacts.nodes[0].communicationPreferences)).toMatchObject({ EMAIL: true, SMS: false, PHONE: false });
  });

  it('refuses a channel given twice and a consent date in the future, naming the field, and writes nothing', async () => {
    const ownerId = await customer();
    const twice = await createContact(ownerId, {
      surname: 'Twice',
      communicationPreferences: [
        { channel: 'POST', consented: true },
        { channel: 'POST', consented: false },
      ],
    });
    expect(errorCodes(twice.userErrors)).toEqual(['input.contact.communicationPreferences.1.channel:INVALID']);
    const future = await createContact(ownerId, {
      surname: 'Future',
      communicationPreferences: [{ channel: 'EMAIL', consented: true, consentedAt: '2999-01-01T00:00:00Z' }],
    });
    expect(errorCodes(future.userErrors)).toEqual(['input.contact.communicationPreferences.0.consentedAt:INVALID']);
    const { contact } = await createContact(ownerId, { surname: 'Kept' });
    const update = await server.graphql(
      UPDATE_CONTACT,
      { input: { id: contact.id, communicationPreferences: [{ channel: 'SMS', consented: true, source: 'x'.repeat(201) }] } },
      org.adminToken,
    );
    expect(errorCodes(update.data!.updateContact.userErrors)).toEqual(['input.communicationPreferences.0.source:TOO_LONG']);
    const read = await server.graphql(`query($id: ID!) { customer(id: $id) { contacts { nodes { surname version } } } }`, { id: ownerId }, org.adminToken);
    expect(read.data!.customer.contacts.nodes).toEqual([{ surname: 'Kept', version: 1 }]);
    const phone = await server.graphql(
      CREATE_CONTACT,
      { input: { ownerId, contact: { surname: 'X', phones: [{ type: 'HOME', number: '01908 640404' }] } } },
      org.adminToken,
    );
    expect(phone.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('primary contact', () => {
  it('is refused for a customer type without one (Company)', async () => {
    const ownerId = await customer('Company');
    const res = await createContact(ownerId, { surname: 'Boss', isPrimary: true });
    expect(errorCodes(res.userErrors)).toEqual(['input.contact.isPrimary:NOT_ALLOWED_FOR_TYPE']);
  });
});

describe('deleteContact', () => {
  it('deletes a contact for good, audited; a deleted primary leaves the customer with none', async () => {
    const ownerId = await customer('Private');
    const primary = (await createContact(ownerId, { surname: 'Primary', isPrimary: true })).contact;
    const other = (await createContact(ownerId, { surname: 'Other' })).contact;
    const res = await server.graphql(DELETE_CONTACT, { input: { id: primary.id, expectedVersion: 1 } }, org.adminToken);
    expect(res.data!.deleteContact).toEqual({ deletedContactId: primary.id, userErrors: [] });
    const read = await server.graphql(
      `query($id: ID!, $gone: ID!) { customer(id: $id) { primaryContact { id } contacts { nodes { id isPrimary } } } node(id: $gone) { id } }`,
      { id: ownerId, gone: primary.id },
      org.adminToken,
    );
    expect(read.data).toEqual({ customer: { primaryContact: null, contacts: { nodes: [{ id: other.id, isPrimary: false }] } }, node: null });
    expect(await auditActions(primary.id)).toEqual(['contact.create', 'contact.delete']);
    const again = await server.graphql(DELETE_CONTACT, { input: { id: primary.id } }, org.adminToken);
    expect(errorCodes(again.data!.deleteContact.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const stale = await server.graphql(DELETE_CONTACT, { input: { id: other.id, expectedVersion: 7 } }, org.adminToken);
    expect(errorCodes(stale.data!.deleteContact.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
  });

  it('is not found for a sales user who does not see the customer, and forbidden to READ_ONLY', async () => {
    const ownerId = await customer();
    const { contact } = await createContact(ownerId, { surname: 'Protected' });
    const sales = await server.graphql(DELETE_CONTACT, { input: { id: contact.id } }, await org.tokenFor('SALES'));
    expect(errorCodes(sales.data!.deleteContact.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const readOnly = await server.graphql(DELETE_CONTACT, { input: { id: contact.id } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const still = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: contact.id }, org.adminToken);
    expect(still.data!.node).toEqual({ id: contact.id });
  });
});

describe('deleteAddress', () => {
  it('deletes an address, audited; deleting a default leaves that type without one; the last address stays', async () => {
    const ownerId = await customer();
    const read = await server.graphql(`query($id: ID!) { customer(id: $id) { addresses { nodes { id } } } }`, { id: ownerId }, org.adminToken);
    const main = read.data!.customer.addresses.nodes[0].id;
    const last = await server.graphql(DELETE_ADDRESS, { input: { id: main } }, org.adminToken);
    expect(errorCodes(last.data!.deleteAddress.userErrors)).toEqual(['input.id:INVALID_STATE']);

    const s1 = await server.graphql(
      CREATE_ADDRESS,
      { input: { ownerId, address: { type: 'SHIPPING', line1: 'Unit 1', postcode: 'BS2 0AA' } } },
      org.adminToken,
    );
    const s2 = await server.graphql(
      CREATE_ADDRESS,
      { input: { ownerId, address: { type: 'SHIPPING', line1: 'Unit 2', postcode: 'BS2 0AB' } } },
      org.adminToken,
    );
    const defaultId = s1.data!.createAddress.address.id;
    expect(s1.data!.createAddress.address.isDefault).toBe(true);
    const res = await server.graphql(DELETE_ADDRESS, { input: { id: defaultId } }, org.adminToken);
    expect(res.data!.deleteAddress).toEqual({ deletedAddressId: defaultId, userErrors: [] });
    const after = await server.graphql(
      `query($id: ID!) { customer(id: $id) { defaultAddress(type: SHIPPING) { id } addresses(type: SHIPPING) { nodes { id isDefault } } } }`,
      { id: ownerId },
      org.adminToken,
    );
    expect(after.data!.customer).toEqual({ defaultAddress: null, addresses: { nodes: [{ id: s2.data!.createAddress.address.id, isDefault: false }] } });
    expect(await auditActions(defaultId)).toEqual(['address.create', 'address.delete']);
  });

  it('is not found for a sales user who does not see the customer, and forbidden to READ_ONLY', async () => {
    const ownerId = await customer();
    const extra = await server.graphql(
      CREATE_ADDRESS,
      { input: { ownerId, address: { type: 'TRADING', line1: 'Shop', postcode: 'BS3 1AA' } } },
      org.adminToken,
    );
    const id = extra.data!.createAddress.address.id;
    const sales = await server.graphql(DELETE_ADDRESS, { input: { id } }, await org.tokenFor('SALES'));
    expect(errorCodes(sales.data!.deleteAddress.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const readOnly = await server.graphql(DELETE_ADDRESS, { input: { id } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const still = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id }, org.adminToken);
    expect(still.data!.node).toEqual({ id });
  });
});
