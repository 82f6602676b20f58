// Contacts and addresses added to and changed on an existing customer.
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const CREATE_CONTACT = `mutation($input: CreateContactInput!) {
  createContact(input: $input) { contact { id fullName isPrimary version socialUrls emails { address label } } userErrors { field code message } }
}`;
const UPDATE_CONTACT = `mutation($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { id fullName isPrimary version phones { type number } } userErrors { field code message } }
}`;
const CREATE_ADDRESS = `mutation($input: CreateAddressInput!) {
  createAddress(input: $input) { address { id type isDefault formatted } userErrors { field code message } }
}`;
const UPDATE_ADDRESS = `mutation($input: UpdateAddressInput!) {
  updateAddress(input: $input) { address { id type isDefault postcode version } userErrors { field code message } }
}`;

async function customer(typeName = 'Company'): Promise<string> {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { typeId: ref.types[typeName] }) }, org.adminToken);
  return res.data!.createCustomer.customer.id;
}

it('adds a contact to a customer and changes it', async () => {
  const ownerId = await customer();
  const created = await server.graphql(
    CREATE_CONTACT,
    {
      input: {
        ownerId,
        contact: { firstName: 'Alan', surname: 'Turing', socialUrls: ['https://www.linkedin.com/in/alan'], emails: [{ address: 'alan@bletchley.test' }] },
      },
    },
    org.adminToken,
  );
  expect(created.data!.createContact.userErrors).toEqual([]);
  const contact = created.data!.createContact.contact;
  expect(contact).toMatchObject({ fullName: 'Alan Turing', isPrimary: false, version: 1, socialUrls: ['https://www.linkedin.com/in/alan'] });
  const updated = await server.graphql(
    UPDATE_CONTACT,
    { input: { id: contact.id, expectedVersion: 1, title: 'Dr', phones: [{ type: 'OFFICE', number: '+441908640404' }] } },
    org.adminToken,
  );
  expect(updated.data!.updateContact.contact).toMatchObject({ fullName: 'Dr Alan Turing', version: 2, phones: [{ type: 'OFFICE', number: '+441908640404' }] });
  const blank = await server.graphql(UPDATE_CONTACT, { input: { id: contact.id, surname: ' ' } }, org.adminToken);
  expect(errorCodes(blank.data!.updateContact.userErrors)).toEqual(['input.surname:REQUIRED']);
});

it('refuses a social URL that is not http(s), and a contact for an unknown owner', async () => {
  const ownerId = await customer();
  const js = await server.graphql(CREATE_CONTACT, { input: { ownerId, contact: { surname: 'X', socialUrls: ['javascript:alert(1)'] } } }, org.adminToken);
  expect(errorCodes(js.data!.createContact.userErrors)).toEqual(['input.contact.socialUrls.0:INVALID']);
  const unknown = await server.graphql(
    CREATE_CONTACT,
    { input: { ownerId: 'Q3VzdG9tZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw', contact: { surname: 'X' } } },
    org.adminToken,
  );
  expect(errorCodes(unknown.data!.createContact.userErrors)).toEqual(['input.ownerId:NOT_FOUND']);
  const wrongType = await server.graphql(CREATE_CONTACT, { input: { ownerId: ref.types.Company, contact: { surname: 'X' } } }, org.adminToken);
  expect(errorCodes(wrongType.data!.createContact.userErrors)).toEqual(['input.ownerId:INVALID']);
});

it('keeps one primary contact per Private customer, moving it when another is made primary', async () => {
  const ownerId = await customer('Private');
  const first = await server.graphql(CREATE_CONTACT, { input: { ownerId, contact: { surname: 'First', isPrimary: true } } }, org.adminToken);
  const second = await server.graphql(CREATE_CONTACT, { input: { ownerId, contact: { surname: 'Second' } } }, org.adminToken);
  const moved = await server.graphql(UPDATE_CONTACT, { input: { id: second.data!.createContact.contact.id, isPrimary: true } }, org.adminToken);
  expect(moved.data!.updateContact.contact.isPrimary).toBe(true);
  const read = await server.graphql(
    `query($id: ID!) { customer(id: $id) { primaryContact { fullName } contacts { nodes { surname isPrimary } } } }`,
    { id: ownerId },
    org.adminToken,
  );
  expect(read.data!.customer.primaryContact).toEqual({ fullName: 'Second' });
  expect(read.data!.customer.contacts.nodes).toEqual([
    { surname: 'First', isPrimary: false },
    { surname: 'Second', isPrimary: true },
  ]);
  expect(first.data!.createContact.contact.isPrimary).toBe(true);
});

it('keeps one default address per type; a new default takes over', async () => {
  const ownerId = await customer();
  const shipping1 = await server.graphql(
    CREATE_ADDRESS,
    { input: { ownerId, address: { type: 'SHIPPING', line1: 'Unit 1', postcode: 'BS2 0AA' } } },
    org.adminToken,
  );
  expect(shipping1.data!.createAddress.address).toMatchObject({ type: 'SHIPPING', isDefault: true });
  const shipping2 = await server.graphql(
    CREATE_ADDRESS,
    { input: { ownerId, address: { type: 'SHIPPING', line1: 'Unit 2', postcode: 'BS2 0AB', isDefault: true } } },
    org.adminToken,
  );
  expect(shipping2.data!.createAddress.address.isDefault).toBe(true);
  const read = await server.graphql(
    `query($id: ID!) { customer(id: $id) { defaultAddress(type: SHIPPING) { formatted } billing: defaultAddress(type: BILLING) { formatted }
       addresses(type: SHIPPING) { totalCount nodes { isDefault } } } }`,
    { id: ownerId },
    org.adminToken,
  );
  expect(read.data!.customer).toEqual({
    defaultAddress: { formatted: 'Unit 2, BS2 0AB, GB' },
    billing: { formatted: '1 Quay Street, Bristol, BS1 4DJ, GB' },
    addresses: { totalCount: 2, nodes: [{ isDefault: false }, { isDefault: true }] },
  });
  // Making the first one default again moves the default back.
  const back = await server.graphql(UPDATE_ADDRESS, { input: { id: shipping1.data!.createAddress.address.id, isDefault: true } }, org.adminToken);
  expect(back.data!.updateAddress.address).toMatchObject({ isDefault: true, version: 3 });
});

it("refuses to clear a customer address's postcode and to un-default the only default", async () => {
  const ownerId = await customer();
  const read = await server.graphql(`query($id: ID!) { customer(id: $id) { addresses { nodes { id } } } }`, { id: ownerId }, org.adminToken);
  const id = read.data!.customer.addresses.nodes[0].id;
  const clear = await server.graphql(UPDATE_ADDRESS, { input: { id, postcode: null } }, org.adminToken);
  expect(errorCodes(clear.data!.updateAddress.userErrors)).toEqual(['input.postcode:REQUIRED']);
  const undefault = await server.graphql(UPDATE_ADDRESS, { input: { id, isDefault: false } }, org.adminToken);
  expect(errorCodes(undefault.data!.updateAddress.userErrors)).toEqual(['input.isDefault:INVALID_STATE']);
  const badCoords = await server.graphql(UPDATE_ADDRESS, { input: { id, latitude: 91 } }, org.adminToken);
  expect(errorCodes(badCoords.data!.updateAddress.userErrors)).toEqual(['input.latitude:INVALID']);
  const ok = await server.graphql(UPDATE_ADDRESS, { input: { id, postcode: 'bs8 1tp', expectedVersion: 1 } }, org.adminToken);
  expect(ok.data!.updateAddress.address).toMatchObject({ postcode: 'BS8 1TP', version: 2 });
});
