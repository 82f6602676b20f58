// Rules held across rows, under concurrent writes (each call on its own connection on PostgreSQL;
// PGlite serialises them, which must give the same outcome): one default address per type, a
// customer's last address, one primary contact, one default and one dormant customer status, no
// cycle of parent customers, one customer type in use. Every call gets an answer of its own —
// success or the client's user error — never an INTERNAL_SERVER_ERROR from the unique index that
// backs a rule, and the rule holds afterwards.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, type TestOrganisation, type TestServer } from '../helpers/server';

const CALLS = 12;
let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation({}, { poolSize: CALLS }));
});
afterAll(() => server.close());

const { gql, createCustomerReturning } = flows(() => ({ server, token: org.adminToken, ref }));

/** Sends them all at once; each answer's errors (codes) and the payload's user errors (codes). */
async function atOnce(query: string, inputs: Array<Record<string, unknown>>) {
  const answers = await Promise.all(inputs.map((input) => server.graphql(query, { input }, org.adminToken)));
  return answers.map((res) => ({
    errors: (res.errors ?? []).map((e) => e.extensions?.code),
    userErrors: res.data ? (Object.values(res.data)[0] as { userErrors: Array<{ code: string }> }).userErrors.map((e) => e.code) : null,
  }));
}

const ADDRESSES = `query($id: ID!) { node(id: $id) { ... on Customer { addresses(first: 100) { nodes { id type isDefault line1 } } } } }`;
type Address = { id: string; type: string; isDefault: boolean; line1: string };
const addressesOf = async (id: string): Promise<Address[]> => (await gql(ADDRESSES, { id })).node.addresses.nodes;

it('addresses made default at once: every call succeeds and the type has one default, one of them', async () => {
  const customer = await createCustomerReturning('Many Defaults Ltd');
  const CREATE = `mutation($input: CreateAddressInput!) { createAddress(input: $input) { address { id } userErrors { code } } }`;
  const inputs = Array.from({ length: CALLS }, (_, i) => ({
    ownerId: customer.id,
    address: { type: 'SHIPPING', isDefault: true, line1: `${i} Dock Road`, postcode: 'AB1 2CD' },
  }));
  expect(await atOnce(CREATE, inputs)).toEqual(inputs.map(() => ({ errors: [], userErrors: [] })));
  const shipping = (await addressesOf(customer.id)).filter((a) => a.type === 'SHIPPING');
  expect(shipping).toHaveLength(CALLS);
  expect(shipping.filter((a) => a.isDefault)).toHaveLength(1);

  // And existing addresses made the default at once.
  const UPDATE = `mutation($input: UpdateAddressInput!) { updateAddress(input: $input) { address { id } userErrors { code } } }`;
  const updates = shipping.map((a) => ({ id: a.id, isDefault: true }));
  expect(await atOnce(UPDATE, updates)).toEqual(updates.map(() => ({ errors: [], userErrors: [] })));
  expect((await addressesOf(customer.id)).filter((a) => a.type === 'SHIPPING' && a.isDefault)).toHaveLength(1);
});

it("a customer's last two addresses deleted at once: one goes, the other is refused, and the customer keeps an address", async () => {
  const customer = await createCustomerReturning('Two Addresses Ltd');
  await gql(`mutation($input: CreateAddressInput!) { createAddress(input: $input) { userErrors { code } } }`, {
    input: { ownerId: customer.id, address: { type: 'BILLING', line1: '2 Second Street', postcode: 'AB1 2CD' } },
  });
  const both = await addressesOf(customer.id);
  expect(both).toHaveLength(2);
  const DELETE = `mutation($input: DeleteAddressInput!) { deleteAddress(input: $input) { deletedAddressId userErrors { code } } }`;
  const outcomes = await atOnce(
    DELETE,
    both.map((a) => ({ id: a.id })),
  );
  expect(outcomes.map((o) => o.errors)).toEqual([[], []]);
  expect(outcomes.map((o) => o.userErrors).sort()).toEqual([[], ['INVALID_STATE']]);
  expect(await addressesOf(customer.id)).toHaveLength(1);
});

it('contacts made primary at once: every call succeeds and the customer has one primary contact', async () => {
  const customer = await createCustomerReturning('Ada Household', {
    overrides: { typeId: ref.types.Private, contacts: Array.from({ length: CALLS }, (_, i) => ({ surname: `Member ${i}` })) },
  });
  const { node } = await gql(`query($id: ID!) { node(id: $id) { ... on Customer { contacts(first: 100) { nodes { id } } } } }`, { id: customer.id });
  const ids: string[] = node.contacts.nodes.map((c: { id: string }) => c.id);
  expect(ids).toHaveLength(CALLS);
  const UPDATE = `mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } userErrors { code } } }`;
  expect(
    await atOnce(
      UPDATE,
      ids.map((id) => ({ id, isPrimary: true })),
    ),
  ).toEqual(ids.map(() => ({ errors: [], userErrors: [] })));
  const CREATE = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { code } } }`;
  const creates = Array.from({ length: CALLS }, (_, i) => ({ ownerId: customer.id, contact: { surname: `Newcomer ${i}`, isPrimary: true } }));
  expect(await atOnce(CREATE, creates)).toEqual(creates.map(() => ({ errors: [], userErrors: [] })));
  const after = await gql(`query($id: ID!) { node(id: $id) { ... on Customer { contacts(first: 100) { nodes { isPrimary } } } } }`, { id: customer.id });
  expect(after.node.contacts.nodes).toHaveLength(2 * CALLS);
  expect(after.node.contacts.nodes.filter((c: { isPrimary: boolean }) => c.isPrimary)).toHaveLength(1);
});

it('customer statuses made the default and the dormant one at once: each flag has one holder', async () => {
  // A status's code is one letter; the seed has P, H, C, A, D, Z and I.
  const CREATE = `mutation($input: CreateCustomerStatusInput!) { createCustomerStatus(input: $input) { customerStatus { id } userErrors { code } } }`;
  const inputs = Array.from({ length: CALLS }, (_, i) => ({
    code: 'BEFGJKLMNOQR'[i],
    name: `Queue ${i}`,
    active: true,
    allowsNewWork: true,
    automatedCommunications: true,
    isDefault: i % 2 === 0,
    isDormant: i % 2 === 1,
  }));
  expect(await atOnce(CREATE, inputs)).toEqual(inputs.map(() => ({ errors: [], userErrors: [] })));
  const { customerStatuses } = await gql(`{ customerStatuses { isDefault isDormant } }`);
  expect(customerStatuses.filter((s: { isDefault: boolean }) => s.isDefault)).toHaveLength(1);
  expect(customerStatuses.filter((s: { isDormant: boolean }) => s.isDormant)).toHaveLength(1);
});

it('two customers made each other’s parent at once: one becomes the parent, the other is refused, and no cycle is left', async () => {
  const UPDATE = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { code } } }`;
  for (let round = 0; round < 3; round++) {
    const a = await createCustomerReturning(`Hen ${round} Ltd`);
    const b = await createCustomerReturning(`Egg ${round} Ltd`);
    const outcomes = await atOnce(UPDATE, [
      { id: a.id, parentCustomerId: b.id },
      { id: b.id, parentCustomerId: a.id },
    ]);
    expect(outcomes.map((o) => o.errors)).toEqual([[], []]);
    expect(outcomes.map((o) => o.userErrors).sort()).toEqual([[], ['INVALID']]);
    const PARENT = `query($id: ID!) { node(id: $id) { ... on Customer { parentCustomer { id } } } }`;
    const parents = [(await gql(PARENT, { id: a.id })).node.parentCustomer, (await gql(PARENT, { id: b.id })).node.parentCustomer];
    expect(parents.filter(Boolean)).toHaveLength(1);
  }
});

it('every customer type archived at once: all but one are, and the last is refused', async () => {
  const own = await createTestOrganisation(server, 'Typeless Ltd');
  const { customerTypes } = (await server.graphql(`{ customerTypes { id } }`, {}, own.adminToken)).data!;
  expect(customerTypes.length).toBeGreaterThan(1);
  const UPDATE = `mutation($input: UpdateCustomerTypeInput!) { updateCustomerType(input: $input) { customerType { id } userErrors { code } } }`;
  const answers = await Promise.all(customerTypes.map((t: { id: string }) => server.graphql(UPDATE, { input: { id: t.id, archived: true } }, own.adminToken)));
  expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
  const refused = answers.filter((a) => a.data!.updateCustomerType.userErrors.length > 0);
  expect(refused.map((a) => a.data!.updateCustomerType.userErrors[0].code)).toEqual(['INVALID_STATE']);
  const left = (await server.graphql(`{ customerTypes(includeArchived: false) { id } }`, {}, own.adminToken)).data!;
  expect(left.customerTypes).toHaveLength(1);
});

it('a customer type deleted while customers are created with it: each call succeeds or gets a user error naming its field', async () => {
  const CREATE_TYPE = `mutation($input: CreateCustomerTypeInput!) { createCustomerType(input: $input) { customerType { id } userErrors { code } } }`;
  const DELETE_TYPE = `mutation($input: DeleteReferenceListEntryInput!) { deleteCustomerType(input: $input) { userErrors { code field } } }`;
  const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code field } } }`;
  const seen = new Set<string>();
  for (let round = 0; round < 6; round++) {
    const typeId = (await gql(CREATE_TYPE, { input: { name: `Short-lived ${round}` } })).createCustomerType.customerType.id;
    const answers = await Promise.all([
      server.graphql(DELETE_TYPE, { input: { id: typeId } }, org.adminToken),
      ...Array.from({ length: 3 }, (_, i) =>
        server.graphql(CREATE, { input: { name: `Caught ${round}-${i}`, typeId, address: { line1: '1 Gone Lane', postcode: 'AB1 2CD' } } }, org.adminToken),
      ),
    ]);
    expect(answers.flatMap((a) => a.errors ?? [])).toEqual([]);
    const [deleted, ...created] = answers.map((a) => Object.values(a.data!)[0] as { userErrors: Array<{ code: string; field: string[] }> });
    for (const e of deleted!.userErrors) seen.add(`delete ${e.code} ${e.field.join('.')}`);
    for (const c of created) for (const e of c.userErrors) seen.add(`create ${e.code} ${e.field.join('.')}`);
    const made = created.filter((c) => c.userErrors.length === 0).length;
    // Either the type went and no customer was made with it, or it stayed because customers use it.
    if (deleted!.userErrors.length === 0) expect(made).toBe(0);
    else expect(made).toBeGreaterThan(0);
  }
  expect([...seen].every((s) => ['delete INVALID_STATE input.id', 'create NOT_FOUND input.typeId'].includes(s))).toBe(true);
});

it('what a change refers to, deleted between the service’s check and the commit: NOT_FOUND on that field, naming the record, and nothing saved', async () => {
  // The race made certain: a trigger deletes the new customer's type just before the row goes in,
  // as a concurrent deleteCustomerType would after createCustomer had checked the type.
  const db = server.database.db;
  await db.execute(
    sql.raw(`create function test_vanish_type() returns trigger language plpgsql as $$
      begin
        if new.name like 'Vanishing%' then delete from customer_types where id = new.type_id; end if;
        return new;
      end $$`),
  );
  await db.execute(sql.raw(`create trigger test_vanish_type before insert on customers for each row execute function test_vanish_type()`));
  try {
    const typeId = (
      await gql(`mutation($input: CreateCustomerTypeInput!) { createCustomerType(input: $input) { customerType { id } } }`, {
        input: { name: 'Vanishing type' },
      })
    ).createCustomerType.customerType.id;
    const res = await server.graphql(
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { field message code } } }`,
      { input: { name: 'Vanishing Ltd', typeId, address: { line1: '1 Gone Lane', postcode: 'AB1 2CD' } } },
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.createCustomer).toEqual({
      customer: null,
      userErrors: [
        {
          field: ['input', 'typeId'],
          message: 'typeId: the customer type it refers to was deleted while this change was being made; nothing was saved.',
          code: 'NOT_FOUND',
        },
      ],
    });
    const [row] = await selectRows<{ n: number; types: number }>(
      db,
      sql`select (select count(*)::int from customers where name = 'Vanishing Ltd') as n, (select count(*)::int from customer_types where name = 'Vanishing type') as types`,
    );
    // The whole transaction rolled back: no customer, and the trigger's delete undone with it.
    expect(row).toEqual({ n: 0, types: 1 });
  } finally {
    await db.execute(sql.raw(`drop trigger test_vanish_type on customers`));
    await db.execute(sql.raw(`drop function test_vanish_type()`));
  }
});
