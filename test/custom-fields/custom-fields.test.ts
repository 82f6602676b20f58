// Custom field definitions (admins define them) and the checking of values on leads, customers and
// contacts against them: unknown keys, wrong types, required fields, deactivated fields.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const FIELDS = 'id key label type options groupName position enabledFor required promoted active version';
const CREATE_DEFINITION = `mutation($input: CreateCustomFieldDefinitionInput!) {
  createCustomFieldDefinition(input: $input) { customFieldDefinition { ${FIELDS} } userErrors { field code message } }
}`;
const UPDATE_DEFINITION = `mutation($input: UpdateCustomFieldDefinitionInput!) {
  updateCustomFieldDefinition(input: $input) { customFieldDefinition { ${FIELDS} } userErrors { field code message } }
}`;
const DEACTIVATE_DEFINITION = `mutation($input: DeactivateCustomFieldDefinitionInput!) {
  deactivateCustomFieldDefinition(input: $input) { customFieldDefinition { id active version } userErrors { field code message } }
}`;
const LIST = `query($entity: CustomFieldEntity, $includeInactive: Boolean) {
  customFieldDefinitions(entity: $entity, includeInactive: $includeInactive) { key active }
}`;
const UPDATE_CUSTOMER = `mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id customFields version } userErrors { field code message } }
}`;
const CREATE_LEAD = `mutation($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id customFields } userErrors { field code message } }
}`;
const UPDATE_LEAD = `mutation($input: UpdateLeadInput!) {
  updateLead(input: $input) { lead { id customFields } userErrors { field code message } }
}`;
const CREATE_CONTACT = `mutation($input: CreateContactInput!) {
  createContact(input: $input) { contact { id customFields } userErrors { field code message } }
}`;
const UPDATE_CONTACT = `mutation($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { id customFields } userErrors { field code message } }
}`;

async function define(target: TestOrganisation, input: Record<string, unknown>) {
  const res = await server.graphql(CREATE_DEFINITION, { input }, target.adminToken);
  expect(res.data!.createCustomFieldDefinition.userErrors).toEqual([]);
  return res.data!.createCustomFieldDefinition.customFieldDefinition;
}

async function count(table: 'customers' | 'leads' | 'contacts' | 'custom_field_definitions', organisationId: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from ${sql.identifier(table)} where organisation_id = ${organisationId}`,
  );
  return row!.n;
}

describe('definitions', () => {
  it('are defined, listed per record kind, changed and deactivated by admins, and audited', async () => {
    const text = await define(org, {
      key: 'gas_safe_number',
      label: 'Gas Safe number',
      type: 'TEXT',
      enabledFor: ['CUSTOMER', 'LEAD'],
      groupName: 'Compliance',
      position: 2,
    });
    expect(text).toMatchObject({
      key: 'gas_safe_number',
      type: 'TEXT',
      options: [],
      enabledFor: ['CUSTOMER', 'LEAD'],
      required: false,
      promoted: false,
      active: true,
      version: 1,
    });
    const select = await define(org, {
      key: 'preferred_day',
      label: 'Preferred day',
      type: 'SINGLE_SELECT',
      options: ['Mon', 'Tue'],
      enabledFor: ['CONTACT'],
      promoted: true,
    });
    expect(select).toMatchObject({ options: ['Mon', 'Tue'], enabledFor: ['CONTACT'], promoted: true });

    const forLeads = await server.graphql(LIST, { entity: 'LEAD' }, await org.tokenFor('READ_ONLY'));
    expect(forLeads.data!.customFieldDefinitions).toEqual([{ key: 'gas_safe_number', active: true }]);
    const forContacts = await server.graphql(LIST, { entity: 'CONTACT' }, org.adminToken);
    expect(forContacts.data!.customFieldDefinitions).toEqual([{ key: 'preferred_day', active: true }]);

    const updated = await server.graphql(
      UPDATE_DEFINITION,
      { input: { id: select.id, expectedVersion: 1, label: 'Best day', options: ['Mon', 'Tue', 'Wed'], enabledFor: ['CONTACT', 'CUSTOMER'] } },
      org.adminToken,
    );
    expect(updated.data!.updateCustomFieldDefinition).toMatchObject({
      customFieldDefinition: { key: 'preferred_day', label: 'Best day', options: ['Mon', 'Tue', 'Wed'], enabledFor: ['CONTACT', 'CUSTOMER'], version: 2 },
      userErrors: [],
    });
    const stale = await server.graphql(UPDATE_DEFINITION, { input: { id: select.id, expectedVersion: 1, label: 'X' } }, org.adminToken);
    expect(errorCodes(stale.data!.updateCustomFieldDefinition.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);

    const deactivated = await server.graphql(DEACTIVATE_DEFINITION, { input: { id: text.id } }, org.adminToken);
    expect(deactivated.data!.deactivateCustomFieldDefinition.customFieldDefinition).toMatchObject({ active: false, version: 2 });
    const active = await server.graphql(LIST, { entity: 'LEAD' }, org.adminToken);
    expect(active.data!.customFieldDefinitions).toEqual([]);
    const all = await server.graphql(LIST, { entity: 'LEAD', includeInactive: true }, org.adminToken);
    expect(all.data!.customFieldDefinitions).toEqual([{ key: 'gas_safe_number', active: false }]);

    const node = await server.graphql(`query($id: ID!) { node(id: $id) { ... on CustomFieldDefinition { key label } } }`, { id: select.id }, org.adminToken);
    expect(node.data!.node).toEqual({ key: 'preferred_day', label: 'Best day' });

    const audit = await selectRows<{ action: string }>(
      server.database.db,
      sql`select action from audit_entries where entity_type = 'CustomFieldDefinition' and organisation_id = ${org.organisationId} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual([
      'customFieldDefinition.create',
      'customFieldDefinition.create',
      'customFieldDefinition.update',
      'customFieldDefinition.deactivate',
    ]);
  });

  it('refuses bad definitions with user errors naming the field, and writes nothing', async () => {
    const target = await createTestOrganisation(server, 'Definitions Ltd');
    await define(target, { key: 'sector', label: 'Sector', type: 'TEXT', enabledFor: ['CUSTOMER'] });
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ key: 'sector', label: 'Again', type: 'TEXT', enabledFor: ['LEAD'] }, ['input.key:DUPLICATE']],
      [{ key: 'Bad Key', label: 'Bad', type: 'TEXT', enabledFor: ['LEAD'] }, ['input.key:INVALID']],
      [{ key: 'size', label: ' ', type: 'NUMBER', enabledFor: ['LEAD'] }, ['input.label:REQUIRED']],
      [{ key: 'size', label: 'Size', type: 'NUMBER', enabledFor: [] }, ['input.enabledFor:INVALID']],
      [{ key: 'size', label: 'Size', type: 'SINGLE_SELECT', enabledFor: ['LEAD'] }, ['input.options:REQUIRED']],
      [{ key: 'size', label: 'Size', type: 'MULTI_SELECT', options: ['S', 'S'], enabledFor: ['LEAD'] }, ['input.options:INVALID']],
      [{ key: 'size', label: 'Size', type: 'NUMBER', options: ['S'], enabledFor: ['LEAD'] }, ['input.options:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const res = await server.graphql(CREATE_DEFINITION, { input }, target.adminToken);
      expect(errorCodes(res.data!.createCustomFieldDefinition.userErrors)).toEqual(expected);
      expect(res.data!.createCustomFieldDefinition.customFieldDefinition).toBeNull();
    }
    expect(await count('custom_field_definitions', target.organisationId)).toBe(1);
  });

  it('are changed by admins only: other roles are FORBIDDEN', async () => {
    const definition = await define(org, { key: 'admin_only', label: 'Admin only', type: 'BOOLEAN', enabledFor: ['LEAD'] });
    for (const role of ['MANAGER', 'READ_ONLY', 'SALES'] as const) {
      const token = await org.tokenFor(role);
      const create = await server.graphql(
        CREATE_DEFINITION,
        { input: { key: `by_${role.toLowerCase()}`, label: 'X', type: 'TEXT', enabledFor: ['LEAD'] } },
        token,
      );
      expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const update = await server.graphql(UPDATE_DEFINITION, { input: { id: definition.id, label: 'Changed' } }, token);
      expect(update.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const deactivate = await server.graphql(DEACTIVATE_DEFINITION, { input: { id: definition.id } }, token);
      expect(deactivate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const read = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on CustomFieldDefinition { label active } } }`,
      { id: definition.id },
      org.adminToken,
    );
    expect(read.data!.node).toEqual({ label: 'Admin only', active: true });
  });

  it('refuses an unknown definition ID with NOT_FOUND', async () => {
    const missing = Buffer.from('CustomFieldDefinition:00000000-0000-0000-0000-000000000000').toString('base64url');
    const res = await server.graphql(UPDATE_DEFINITION, { input: { id: missing, label: 'X' } }, org.adminToken);
    expect(errorCodes(res.data!.updateCustomFieldDefinition.userErrors)).toEqual(['input.id:NOT_FOUND']);
  });
});

describe('values', () => {
  let target: TestOrganisation;
  let targetRef: Reference;

  beforeAll(async () => {
    target = await createTestOrganisation(server, 'Values Ltd');
    targetRef = await readReference(server, target.adminToken);
    await define(target, { key: 'account_code', label: 'Account code', type: 'TEXT', enabledFor: ['CUSTOMER'], required: true });
    await define(target, { key: 'employees', label: 'Employees', type: 'NUMBER', enabledFor: ['CUSTOMER', 'LEAD'] });
    await define(target, { key: 'renewal', label: 'Renewal', type: 'DATE', enabledFor: ['CUSTOMER'] });
    await define(target, { key: 'vip', label: 'VIP', type: 'BOOLEAN', enabledFor: ['CUSTOMER', 'CONTACT'] });
    await define(target, { key: 'sector', label: 'Sector', type: 'SINGLE_SELECT', options: ['Retail', 'Housing'], enabledFor: ['CUSTOMER', 'LEAD'] });
    await define(target, { key: 'services', label: 'Services', type: 'MULTI_SELECT', options: ['Gas', 'Electric', 'Water'], enabledFor: ['CUSTOMER'] });
    await define(target, { key: 'lead_score', label: 'Lead score', type: 'NUMBER', enabledFor: ['LEAD'], required: true });
    await define(target, { key: 'old_field', label: 'Old', type: 'TEXT', enabledFor: ['CUSTOMER'] });
    const old = await server.graphql(LIST, { entity: 'CUSTOMER' }, target.adminToken);
    expect(old.data!.customFieldDefinitions.map((d: { key: string }) => d.key)).toContain('old_field');
    const list = await server.graphql(`{ customFieldDefinitions(entity: CUSTOMER) { id key } }`, {}, target.adminToken);
    const oldId = list.data!.customFieldDefinitions.find((d: { key: string }) => d.key === 'old_field').id;
    await server.graphql(DEACTIVATE_DEFINITION, { input: { id: oldId } }, target.adminToken);
  });

  const good = { account_code: 'AC-1', employees: 12, renewal: '2027-03-31', vip: true, sector: 'Retail', services: ['Gas', 'Water'] };

  it('stores valid values of every type on a customer', async () => {
    const res = await server.graphql(
      CREATE_CUSTOMER.replace('id name version', 'id name version customFields'),
      { input: customerInput(targetRef, { customFields: good }) },
      target.adminToken,
    );
    expect(res.data!.createCustomer.userErrors).toEqual([]);
    expect(res.data!.createCustomer.customer.customFields).toEqual(good);
  });

  it('refuses unknown keys, wrong types and missing required values on create, naming the key, and writes nothing', async () => {
    const before = await count('customers', target.organisationId);
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ...good, colour: 'red' }, ['input.customFields.colour:INVALID']],
      [{ ...good, lead_score: 3 }, ['input.customFields.lead_score:INVALID']],
      [{ ...good, old_field: 'x' }, ['input.customFields.old_field:INVALID']],
      [{ ...good, employees: '12' }, ['input.customFields.employees:INVALID']],
      [{ ...good, renewal: '2027-02-30' }, ['input.customFields.renewal:INVALID']],
      [{ ...good, vip: 'yes' }, ['input.customFields.vip:INVALID']],
      [{ ...good, sector: 'Farming' }, ['input.customFields.sector:INVALID']],
      [{ ...good, services: ['Gas', 'Gas'] }, ['input.customFields.services:INVALID']],
      [{ ...good, services: 'Gas' }, ['input.customFields.services:INVALID']],
      [{ ...good, account_code: 'x'.repeat(1001) }, ['input.customFields.account_code:INVALID']],
      [{ employees: 3 }, ['input.customFields.account_code:REQUIRED']],
      [{ ...good, account_code: '  ' }, ['input.customFields.account_code:REQUIRED']],
      [{ ...good, employees: 'many', vip: 1 }, ['input.customFields.employees:INVALID', 'input.customFields.vip:INVALID']],
    ];
    for (const [customFields, expected] of cases) {
      const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(targetRef, { customFields }) }, target.adminToken);
      expect(errorCodes(res.data!.createCustomer.userErrors)).toEqual(expected);
    }
    expect(await count('customers', target.organisationId)).toBe(before);
  });

  it('refuses the key "__proto__", in variables and in the query text, and writes nothing', async () => {
    const before = await count('customers', target.organisationId);
    // A computed key makes "__proto__" an own key, as JSON.parse does with a client's body: were it
    // copied by assignment it would become the prototype, and its account_code would pass for given.
    const hidden = { employees: 3, ['__proto__']: { account_code: 'AC-1' } };
    const viaVariables = await server.graphql(CREATE_CUSTOMER, { input: customerInput(targetRef, { customFields: hidden }) }, target.adminToken);
    expect(viaVariables.errors).toHaveLength(1);
    expect(viaVariables.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(viaVariables.errors![0]!.message).toMatch(/customFields.*The key "__proto__" is not allowed in a JSON object\./);
    const nested = await server.graphql(
      CREATE_CUSTOMER,
      { input: customerInput(targetRef, { customFields: { ...good, notes: [{ ['__proto__']: { x: 1 } }] } }) },
      target.adminToken,
    );
    expect(nested.errors![0]!.message).toMatch(/not allowed in a JSON object \(at notes\.0\)\./);
    const inline = await server.graphql(
      `mutation { updateCustomer(input: { id: "${target.organisationId}", customFields: { __proto__: { account_code: "AC-2" } } }) { userErrors { code } } }`,
      {},
      target.adminToken,
    );
    expect(inline.errors![0]!.message).toMatch(/The key "__proto__" is not allowed in a JSON object\./);
    expect(await count('customers', target.organisationId)).toBe(before);
  });

  it('checks values on update: a null removes a value but not a required one', async () => {
    const created = await server.graphql(
      CREATE_CUSTOMER,
      { input: customerInput(targetRef, { customFields: { account_code: 'AC-2', employees: 5 } }) },
      target.adminToken,
    );
    const id = created.data!.createCustomer.customer.id;
    const wrong = await server.graphql(UPDATE_CUSTOMER, { input: { id, customFields: { employees: 'five' } } }, target.adminToken);
    expect(errorCodes(wrong.data!.updateCustomer.userErrors)).toEqual(['input.customFields.employees:INVALID']);
    const unknown = await server.graphql(UPDATE_CUSTOMER, { input: { id, customFields: { nope: 1 } } }, target.adminToken);
    expect(errorCodes(unknown.data!.updateCustomer.userErrors)).toEqual(['input.customFields.nope:INVALID']);
    const required = await server.graphql(UPDATE_CUSTOMER, { input: { id, customFields: { account_code: null } } }, target.adminToken);
    expect(errorCodes(required.data!.updateCustomer.userErrors)).toEqual(['input.customFields.account_code:REQUIRED']);
    const ok = await server.graphql(UPDATE_CUSTOMER, { input: { id, expectedVersion: 1, customFields: { employees: null, vip: false } } }, target.adminToken);
    expect(ok.data!.updateCustomer).toEqual({ customer: { id, customFields: { account_code: 'AC-2', vip: false }, version: 2 }, userErrors: [] });
  });

  it('checks lead values against the fields enabled for leads', async () => {
    const missing = await server.graphql(CREATE_LEAD, { input: { name: 'Lead A', customFields: { employees: 4 } } }, target.adminToken);
    expect(errorCodes(missing.data!.createLead.userErrors)).toEqual(['input.customFields.lead_score:REQUIRED']);
    const customerOnly = await server.graphql(CREATE_LEAD, { input: { name: 'Lead A', customFields: { lead_score: 4, vip: true } } }, target.adminToken);
    expect(errorCodes(customerOnly.data!.createLead.userErrors)).toEqual(['input.customFields.vip:INVALID']);
    expect(await count('leads', target.organisationId)).toBe(0);
    const ok = await server.graphql(CREATE_LEAD, { input: { name: 'Lead A', customFields: { lead_score: 4, sector: 'Housing' } } }, target.adminToken);
    expect(ok.data!.createLead.lead.customFields).toEqual({ lead_score: 4, sector: 'Housing' });
    const wrong = await server.graphql(UPDATE_LEAD, { input: { id: ok.data!.createLead.lead.id, customFields: { lead_score: 'high' } } }, target.adminToken);
    expect(errorCodes(wrong.data!.updateLead.userErrors)).toEqual(['input.customFields.lead_score:INVALID']);
  });

  it('checks contact values, alone and when created with a customer', async () => {
    const before = await count('contacts', target.organisationId);
    const nested = await server.graphql(
      CREATE_CUSTOMER,
      {
        input: customerInput(targetRef, {
          customFields: { account_code: 'AC-3' },
          contacts: [
            { surname: 'Fine', customFields: { vip: true } },
            { surname: 'Bad', customFields: { vip: 'no' } },
          ],
        }),
      },
      target.adminToken,
    );
    expect(errorCodes(nested.data!.createCustomer.userErrors)).toEqual(['input.contacts.1.customFields.vip:INVALID']);
    expect(await count('contacts', target.organisationId)).toBe(before);
    const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(targetRef, { customFields: { account_code: 'AC-4' } }) }, target.adminToken);
    const ownerId = created.data!.createCustomer.customer.id;
    const alone = await server.graphql(CREATE_CONTACT, { input: { ownerId, contact: { surname: 'Solo', customFields: { employees: 3 } } } }, target.adminToken);
    expect(errorCodes(alone.data!.createContact.userErrors)).toEqual(['input.contact.customFields.employees:INVALID']);
    const ok = await server.graphql(CREATE_CONTACT, { input: { ownerId, contact: { surname: 'Solo', customFields: { vip: true } } } }, target.adminToken);
    expect(ok.data!.createContact.contact.customFields).toEqual({ vip: true });
    const update = await server.graphql(
      UPDATE_CONTACT,
      { input: { id: ok.data!.createContact.contact.id, customFields: { vip: 'maybe' } } },
      target.adminToken,
    );
    expect(errorCodes(update.data!.updateContact.userErrors)).toEqual(['input.customFields.vip:INVALID']);
  });
});

it('refuses a key no custom field defines, whatever else the organisation has defined', async () => {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { customFields: { anything: 1 } }) }, org.adminToken);
  expect(errorCodes(res.data!.createCustomer.userErrors)).toEqual(['input.customFields.anything:INVALID']);
});
