// Customers through the API: create with address and contacts, read, update with versions, list
// with filters and sorting, and bad input that must leave the database unchanged.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { graphql } from '../generated';
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER_DOCUMENT as CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const CUSTOMER_AND_NODE = graphql(`
  query CustomerAndNode($id: ID!) {
    customer(id: $id) {
      id
      name
    }
    node(id: $id) {
      __typename
      id
      ... on Customer {
        name
      }
    }
  }
`);
const PRIMARY_CONTACT = graphql(`
  query CustomerPrimaryContact($id: ID!) {
    customer(id: $id) {
      primaryContact {
        fullName
        isPrimary
      }
    }
  }
`);
const NAME_AND_VERSION = graphql(`
  query CustomerNameAndVersion($id: ID!) {
    customer(id: $id) {
      name
      version
    }
  }
`);
const CREATE_SECTOR_FIELD = graphql(`
  mutation CreateSectorField($input: CreateCustomFieldDefinitionInput!) {
    createCustomFieldDefinition(input: $input) {
      userErrors {
        code
      }
    }
  }
`);

type Counts = { customers: number; contacts: number; addresses: number; audit: number };

async function tableCounts(): Promise<Counts> {
  const [row] = await selectRows<Counts>(
    server.database.db,
    sql`select (select count(*)::int from customers) as customers, (select count(*)::int from contacts) as contacts,
               (select count(*)::int from addresses) as addresses, (select count(*)::int from audit_entries) as audit`,
  );
  return row!;
}

describe('createCustomer', () => {
  it('creates the customer with its default address and contacts, and audits each row', async () => {
    const before = await tableCounts();
    const res = await server.graphql(
      CREATE_CUSTOMER,
      {
        input: customerInput(ref, {
          creditLimit: { amountMinor: 250000 },
          contacts: [
            {
              title: 'Ms',
              firstName: 'Ada',
              surname: 'Lovelace',
              emails: [{ address: 'ada@harbour.test', label: 'Work' }],
              phones: [{ type: 'MOBILE', number: '+447700900123' }],
            },
            { surname: 'Babbage' },
          ],
        }),
      },
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    const { customer, userErrors } = res.data!.createCustomer;
    expect(userErrors).toEqual([]);
    expect(customer).toMatchObject({
      name: 'Harbour View Lettings',
      version: 1,
      stage: 'LIVE',
      active: true,
      type: { name: 'Company' },
      status: { code: 'P' },
      creditLimit: { amountMinor: 250000, currency: 'GBP', formatted: '£2,500.00' },
    });
    expect(customer!.addresses.nodes).toEqual([
      expect.objectContaining({ type: 'BILLING', isDefault: true, line1: '1 Quay Street', postcode: 'BS1 4DJ', country: 'GB' }),
    ]);
    expect(customer!.contacts.totalCount).toBe(2);
    expect(customer!.contacts.nodes.map((c) => c.fullName)).toEqual(['Babbage', 'Ms Ada Lovelace']);
    expect(customer!.contacts.nodes[1]!.phones).toEqual([{ type: 'MOBILE', number: '+447700900123' }]);
    const after = await tableCounts();
    expect(after).toEqual({
      customers: before.customers + 1,
      contacts: before.contacts + 2,
      addresses: before.addresses + 1,
      audit: before.audit + 4,
    });
  });

  it('fetches the created customer by id and through node()', async () => {
    const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Node Test Ltd' }) }, org.adminToken);
    const id = created.data!.createCustomer.customer!.id;
    const res = await server.graphql(CUSTOMER_AND_NODE, { id }, org.adminToken);
    expect(res.data).toEqual({ customer: { id, name: 'Node Test Ltd' }, node: { __typename: 'Customer', id, name: 'Node Test Ltd' } });
  });

  it.each([
    ['a blank name', { name: '   ' }, 'input.name:REQUIRED'],
    ['an unknown status', { statusId: 'Q3VzdG9tZXJTdGF0dXM6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw' }, 'input.statusId:NOT_FOUND'],
    ['a status ID that is not a status', { statusId: 'not-an-id' }, 'input.statusId:INVALID'],
    ['an address without postcode', { address: { line1: '2 Quay Street' } }, 'input.address.postcode:REQUIRED'],
    ['a blank address line 1', { address: { line1: ' ', postcode: 'BS1 1AA' } }, 'input.address.line1:REQUIRED'],
    ['a blank contact surname', { contacts: [{ firstName: 'Ada', surname: '' }] }, 'input.contacts.0.surname:REQUIRED'],
    ['negative creditor days', { creditorDays: -1 }, 'input.creditorDays:INVALID'],
    ['a negative credit limit', { creditLimit: { amountMinor: -5 } }, 'input.creditLimit.amountMinor:INVALID'],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, 'input.name:TOO_LONG'],
    ['a primary contact on a Company', { contacts: [{ surname: 'Lovelace', isPrimary: true }] }, 'input.contacts.0.isPrimary:NOT_ALLOWED_FOR_TYPE'],
  ])('refuses %s with a user error naming the field, writing nothing', async (_what, overrides, expected) => {
    const before = await tableCounts();
    const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, overrides) }, org.adminToken);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data!.createCustomer.customer).toBeNull();
    expect(errorCodes(res.data!.createCustomer.userErrors)).toEqual([expected]);
    expect(res.data!.createCustomer.userErrors[0]!.message).toMatch(/\w/);
    expect(await tableCounts()).toEqual(before);
  });

  it.each([
    ['a missing surname', { contacts: [{ firstName: 'Ada' }] }, /surname/],
    ['a malformed email', { contacts: [{ surname: 'Lovelace', emails: [{ address: 'not-an-email' }] }] }, /emails\[0\]\.address/],
    ['a phone number not in E.164 form', { contacts: [{ surname: 'Lovelace', phones: [{ type: 'MOBILE', number: '07700 900123' }] }] }, /phones\[0\]\.number/],
    ['an unknown address type', { address: { line1: '1 Quay St', postcode: 'BS1 4DJ', type: 'HOLIDAY' } }, /type/],
  ])('refuses %s as a BAD_USER_INPUT error naming the field, writing nothing', async (_what, overrides, field) => {
    const before = await tableCounts();
    const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, overrides) }, org.adminToken);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(field);
    expect(await tableCounts()).toEqual(before);
  });

  it('rolls back the customer and its address when a later contact is refused', async () => {
    const before = await tableCounts();
    const res = await server.graphql(
      CREATE_CUSTOMER,
      {
        input: customerInput(ref, {
          typeId: ref.types.Private,
          contacts: [
            { surname: 'One', isPrimary: true },
            { surname: 'Two', isPrimary: true },
          ],
        }),
      },
      org.adminToken,
    );
    expect(errorCodes(res.data!.createCustomer.userErrors)).toEqual(['input.contacts.1.isPrimary:INVALID']);
    expect(await tableCounts()).toEqual(before);
  });

  it("enforces the type's required fields", async () => {
    const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { typeId: ref.types['Estate agent'] }) }, org.adminToken);
    expect(errorCodes(res.data!.createCustomer.userErrors)).toEqual(['input.vatNumber:REQUIRED']);
    const ok = await server.graphql(
      CREATE_CUSTOMER,
      { input: customerInput(ref, { typeId: ref.types['Estate agent'], vatNumber: 'GB123456789' }) },
      org.adminToken,
    );
    expect(ok.data!.createCustomer.userErrors).toEqual([]);
  });

  it('lets a Private customer have one primary contact', async () => {
    const res = await server.graphql(
      CREATE_CUSTOMER,
      {
        input: customerInput(ref, { name: 'Grace Hopper', typeId: ref.types.Private, contacts: [{ firstName: 'Grace', surname: 'Hopper', isPrimary: true }] }),
      },
      org.adminToken,
    );
    expect(res.data!.createCustomer.userErrors).toEqual([]);
    const id = res.data!.createCustomer.customer!.id;
    const read = await server.graphql(PRIMARY_CONTACT, { id }, org.adminToken);
    expect(read.data!.customer!.primaryContact).toEqual({ fullName: 'Grace Hopper', isPrimary: true });
  });

  // The key is how to save, not a field of the customer: it was refused as one ("idempotencyKey: no
  // role may change this field.", FIELD_NOT_PERMITTED) for every user.
  it('takes an idempotencyKey: a retry returns the customer the first call created', async () => {
    const input = customerInput(ref, { name: 'Keyed Retry Ltd', idempotencyKey: 'create-keyed-retry' });
    const first = await server.graphql(CREATE_CUSTOMER, { input }, org.adminToken);
    expect(first.data!.createCustomer.userErrors).toEqual([]);
    const again = await server.graphql(CREATE_CUSTOMER, { input }, org.adminToken);
    expect(again.data!.createCustomer.customer!.id).toBe(first.data!.createCustomer.customer!.id);
    const sales = await server.graphql(CREATE_CUSTOMER, { input: { ...input, idempotencyKey: 'create-keyed-sales' } }, await org.tokenFor('SALES'));
    expect(sales.data!.createCustomer.userErrors).toEqual([]);
  });
});

describe('updateCustomer', () => {
  const UPDATE = graphql(`
    mutation UpdateCustomerFields($input: UpdateCustomerInput!) {
      updateCustomer(input: $input) {
        customer {
          id
          name
          version
          vatNumber
          creditorDays
          creditLimit {
            amountMinor
          }
          customFields
        }
        userErrors {
          field
          code
          message
        }
      }
    }
  `);

  const newCustomer = (name: string) => createCustomer(name, { overrides: { creditLimit: { amountMinor: 1000 } } });

  it('changes only the given fields, bumps the version and records before and after', async () => {
    const id = await newCustomer('Before Ltd');
    // Custom field values must match a definition (src/custom-fields/validate.ts).
    await server.graphql(CREATE_SECTOR_FIELD, { input: { key: 'sector', label: 'Sector', type: 'TEXT', enabledFor: ['CUSTOMER'] } }, org.adminToken);
    const res = await server.graphql(
      UPDATE,
      { input: { id, expectedVersion: 1, name: 'After Ltd', creditorDays: 14, customFields: { sector: 'lettings' } } },
      org.adminToken,
    );
    expect(res.data!.updateCustomer).toEqual({
      customer: {
        id,
        name: 'After Ltd',
        version: 2,
        vatNumber: null,
        creditorDays: 14,
        creditLimit: { amountMinor: 1000 },
        customFields: { sector: 'lettings' },
      },
      userErrors: [],
    });
    const audit = await selectRows<{ action: string; before_name: string; after_name: string }>(
      server.database.db,
      sql`select action, before->>'name' as before_name, after->>'name' as after_name from audit_entries
          where action = 'customer.update' order by id desc limit 1`,
    );
    expect(audit).toEqual([{ action: 'customer.update', before_name: 'Before Ltd', after_name: 'After Ltd' }]);
  });

  it('clears a nullable field with null', async () => {
    const id = await newCustomer('Clear Ltd');
    const res = await server.graphql(UPDATE, { input: { id, creditLimit: null } }, org.adminToken);
    expect(res.data!.updateCustomer.customer!.creditLimit).toBeNull();
  });

  it('refuses a stale expectedVersion as VERSION_CONFLICT and keeps the other change', async () => {
    const id = await newCustomer('Race Ltd');
    await server.graphql(UPDATE, { input: { id, expectedVersion: 1, name: 'First writer' } }, org.adminToken);
    const res = await server.graphql(UPDATE, { input: { id, expectedVersion: 1, name: 'Second writer' } }, org.adminToken);
    expect(errorCodes(res.data!.updateCustomer.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const read = await server.graphql(NAME_AND_VERSION, { id }, org.adminToken);
    expect(read.data!.customer).toEqual({ name: 'First writer', version: 2 });
  });

  it('refuses a null name, an unknown id and a department cycle', async () => {
    const id = await newCustomer('Parent Ltd');
    const child = await newCustomer('Child Ltd');
    const bad = await server.graphql(UPDATE, { input: { id, name: null } }, org.adminToken);
    expect(errorCodes(bad.data!.updateCustomer.userErrors)).toEqual(['input.name:REQUIRED']);
    const missing = await server.graphql(UPDATE, { input: { id: 'Q3VzdG9tZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw', name: 'X' } }, org.adminToken);
    expect(errorCodes(missing.data!.updateCustomer.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const link = await server.graphql(UPDATE, { input: { id: child, parentCustomerId: id } }, org.adminToken);
    expect(link.data!.updateCustomer.userErrors).toEqual([]);
    const cycle = await server.graphql(UPDATE, { input: { id, parentCustomerId: child } }, org.adminToken);
    expect(errorCodes(cycle.data!.updateCustomer.userErrors)).toEqual(['input.parentCustomerId:INVALID']);
  });
});
