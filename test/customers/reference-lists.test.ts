// Customer types and business units managed by admins (docs/domain.md#managing-customer-types-and-business-units):
// create, rename, archive, delete only what no customer uses; names unique per organisation ignoring
// case; new organisations still get the seed lists; every change audited; other roles refused.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { readReference, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const TYPE = 'customerType { id name allowsPrimaryContact requiredFields position archived version }';
const UNIT = 'businessUnit { id name archived version }';

async function attempt(name: string, input: Record<string, unknown>, selection: string, token = org.adminToken) {
  const type = name.startsWith('delete') ? 'DeleteReferenceListEntryInput' : name[0]!.toUpperCase() + name.slice(1) + 'Input';
  const res = await server.graphql(
    `mutation($input: ${type}!) { ${name}(input: $input) { ${selection} userErrors { field code message } } }`,
    { input },
    token,
  );
  return res;
}

async function audited(entityId: string): Promise<string[]> {
  const { id } = parseGlobalId(entityId)!;
  const rows = await selectRows<{ action: string }>(server.database.db, sql`select action from audit_entries where entity_id = ${id} order by id`);
  return rows.map((r) => r.action);
}

describe('customer types', () => {
  it('are created, renamed, reordered and archived by admins, audited', async () => {
    const made = await mutate('createCustomerType', { name: '  Housing association ', requiredFields: ['VAT_NUMBER', 'VAT_NUMBER'] }, TYPE);
    expect(made.customerType).toMatchObject({
      name: 'Housing association',
      allowsPrimaryContact: false,
      requiredFields: ['VAT_NUMBER'],
      archived: false,
      version: 1,
    });
    expect(made.customerType.position).toBeGreaterThanOrEqual(4);
    const renamed = await mutate('updateCustomerType', { id: made.customerType.id, expectedVersion: 1, name: 'Housing trust', position: 0 }, TYPE);
    expect(renamed.customerType).toMatchObject({ name: 'Housing trust', position: 0, version: 2 });
    const stale = await attempt('updateCustomerType', { id: made.customerType.id, expectedVersion: 1, name: 'X' }, TYPE);
    expect(errorCodes(stale.data!.updateCustomerType.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    expect(await audited(made.customerType.id)).toEqual(['customerType.create', 'customerType.update']);
  });

  it('refuse a name another type has, ignoring case, and bad input', async () => {
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['createCustomerType', { name: 'landlord' }, ['input.name:DUPLICATE']],
      ['createCustomerType', { name: '  ' }, ['input.name:REQUIRED']],
      ['createCustomerType', { name: 'x'.repeat(201) }, ['input.name:TOO_LONG']],
      ['createCustomerType', { name: 'Far', position: -1 }, ['input.position:INVALID']],
      ['updateCustomerType', { id: ref.types.Company, name: 'PRIVATE' }, ['input.name:DUPLICATE']],
      ['updateCustomerType', { id: ref.businessUnits['Head office'], name: 'X' }, ['input.id:INVALID']],
    ];
    for (const [name, input, expected] of cases) {
      const res = await attempt(name, input, TYPE);
      expect({ name, input, codes: errorCodes(res.data![name].userErrors) }).toEqual({ name, input, codes: expected });
    }
    // Renaming a type to its own name in other case is fine.
    const self = await mutate('updateCustomerType', { id: ref.types['Estate agent'], name: 'Estate Agent' }, TYPE);
    expect(self.customerType.name).toBe('Estate Agent');
  });

  it('archived: kept by their customers, chosen by no new one, hidden from includeArchived: false', async () => {
    const type = (await mutate('createCustomerType', { name: 'Charity' }, TYPE)).customerType;
    const customerId = await createCustomer('Old Charity', { overrides: { typeId: type.id } });
    await mutate('updateCustomerType', { id: type.id, archived: true }, TYPE);

    const refused = await gql(`mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { field code } } }`, {
      input: { name: 'New Charity', typeId: type.id, address: { line1: '1 Quay Street', postcode: 'BS1 4DJ' } },
    });
    expect(errorCodes(refused.createCustomer.userErrors)).toEqual(['input.typeId:INVALID_STATE']);
    const other = await createCustomer('Company now');
    const change = await gql(`mutation($input: ChangeCustomerTypeInput!) { changeCustomerType(input: $input) { customer { id } userErrors { field code } } }`, {
      input: { id: other, typeId: type.id },
    });
    expect(errorCodes(change.changeCustomerType.userErrors)).toEqual(['input.typeId:INVALID_STATE']);

    const read = await gql(`query($id: ID!) { customer(id: $id) { type { name archived } } }`, { id: customerId });
    expect(read.customer.type).toEqual({ name: 'Charity', archived: true });
    const lists = await gql(`{ all: customerTypes { name } offered: customerTypes(includeArchived: false) { name } }`);
    expect(lists.all.map((t: { name: string }) => t.name)).toContain('Charity');
    expect(lists.offered.map((t: { name: string }) => t.name)).not.toContain('Charity');

    // Deleting it is refused while a customer uses it.
    const del = await attempt('deleteCustomerType', { id: type.id }, 'deletedId');
    expect(errorCodes(del.data!.deleteCustomerType.userErrors)).toEqual(['input.id:INVALID_STATE']);
    expect(del.data!.deleteCustomerType.userErrors[0].message).toContain('1 customer uses');
  });

  it('are deleted when no customer uses them, audited; the last type in use stays', async () => {
    const type = (await mutate('createCustomerType', { name: 'Unused' }, TYPE)).customerType;
    const del = await mutate('deleteCustomerType', { id: type.id, expectedVersion: 1 }, 'deletedId', { inputType: 'DeleteReferenceListEntryInput' });
    expect(del.deletedId).toBe(type.id);
    expect(await audited(type.id)).toEqual(['customerType.create', 'customerType.delete']);

    const solo = await createTestOrganisation(server, 'Solo Types Ltd');
    const soloRef = await readReference(server, solo.adminToken);
    const [last, ...rest] = Object.values(soloRef.types);
    for (const id of rest) {
      await mutate('deleteCustomerType', { id }, 'deletedId', { token: solo.adminToken, inputType: 'DeleteReferenceListEntryInput' });
    }
    const archiveLast = await attempt('updateCustomerType', { id: last, archived: true }, TYPE, solo.adminToken);
    expect(errorCodes(archiveLast.data!.updateCustomerType.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const deleteLast = await attempt('deleteCustomerType', { id: last }, 'deletedId', solo.adminToken);
    expect(errorCodes(deleteLast.data!.deleteCustomerType.userErrors)).toEqual(['input.id:INVALID_STATE']);
  });
});

describe('business units', () => {
  it('are created, renamed, archived and deleted by admins, names unique ignoring case', async () => {
    const unit = (await mutate('createBusinessUnit', { name: 'North' }, UNIT)).businessUnit;
    expect(unit).toMatchObject({ name: 'North', archived: false, version: 1 });
    const dup = await attempt('createBusinessUnit', { name: 'HEAD OFFICE' }, UNIT);
    expect(errorCodes(dup.data!.createBusinessUnit.userErrors)).toEqual(['input.name:DUPLICATE']);
    const renamed = await mutate('updateBusinessUnit', { id: unit.id, expectedVersion: 1, name: 'North West' }, UNIT);
    expect(renamed.businessUnit).toMatchObject({ name: 'North West', version: 2 });

    const customerId = await createCustomer('Northern Ltd', { overrides: { businessUnitId: unit.id } });
    await mutate('updateBusinessUnit', { id: unit.id, archived: true }, UNIT);
    const refused = await gql(`mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { userErrors { field code } } }`, {
      input: { name: 'New North', typeId: ref.types.Company, businessUnitId: unit.id, address: { line1: '1 Quay Street', postcode: 'BS1 4DJ' } },
    });
    expect(errorCodes(refused.createCustomer.userErrors)).toEqual(['input.businessUnitId:INVALID_STATE']);
    // Its customer keeps it, and may be saved with it unchanged.
    const kept = await gql(
      `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { businessUnit { name } } userErrors { field code } } }`,
      {
        input: { id: customerId, businessUnitId: unit.id, vatNumber: 'GB123456789' },
      },
    );
    expect(kept.updateCustomer).toEqual({ customer: { businessUnit: { name: 'North West' } }, userErrors: [] });
    const offered = await gql(`{ businessUnits(includeArchived: false) { name } }`);
    expect(offered.businessUnits).toEqual([{ name: 'Head office' }]);

    const del = await attempt('deleteBusinessUnit', { id: unit.id }, 'deletedId');
    expect(del.data!.deleteBusinessUnit.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('1 customer uses') });
    await gql(`mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { userErrors { code } } }`, {
      input: { id: customerId, businessUnitId: null },
    });
    const gone = await mutate('deleteBusinessUnit', { id: unit.id }, 'deletedId', { inputType: 'DeleteReferenceListEntryInput' });
    expect(gone.deletedId).toBe(unit.id);
    expect(await audited(unit.id)).toEqual(['businessUnit.create', 'businessUnit.update', 'businessUnit.update', 'businessUnit.delete']);
  });
});

describe('who may manage them', () => {
  it('admins only: every other role is refused, and nothing changes', async () => {
    for (const role of ['MANAGER', 'SALES', 'SERVICE', 'FINANCE', 'READ_ONLY'] as const) {
      const token = await org.tokenFor(role);
      for (const [name, input] of [
        ['createCustomerType', { name: `By ${role}` }],
        ['updateCustomerType', { id: ref.types.Company, name: `By ${role}` }],
        ['deleteCustomerType', { id: ref.types.Company }],
        ['createBusinessUnit', { name: `By ${role}` }],
        ['updateBusinessUnit', { id: ref.businessUnits['Head office'], name: `By ${role}` }],
        ['deleteBusinessUnit', { id: ref.businessUnits['Head office'] }],
      ] as const) {
        const res = await attempt(name, input, name.startsWith('delete') ? 'deletedId' : name.endsWith('Type') ? TYPE : UNIT, token);
        expect({ role, name, code: res.errors?.[0]?.extensions?.code }).toEqual({ role, name, code: 'FORBIDDEN' });
      }
    }
    const lists = await readReference(server, org.adminToken);
    expect(Object.keys(lists.businessUnits)).toEqual(['Head office']);
  });

  it('each organisation has its own lists; new ones start from the seed lists', async () => {
    await mutate('createCustomerType', { name: 'Only here' }, TYPE);
    const fresh = await createTestOrganisation(server, 'Fresh Lists Ltd');
    const theirs = await readReference(server, fresh.adminToken);
    expect(Object.keys(theirs.types)).toEqual(['Private', 'Company', 'Landlord', 'Estate agent']);
    expect(Object.keys(theirs.businessUnits)).toEqual(['Head office']);
    // The same name is free in another organisation; an id of ours is not found there.
    await mutate('createCustomerType', { name: 'Only here' }, TYPE, { token: fresh.adminToken });
    const foreign = await attempt('updateCustomerType', { id: ref.types.Company, name: 'Taken over' }, TYPE, fresh.adminToken);
    expect(errorCodes(foreign.data!.updateCustomerType.userErrors)).toEqual(['input.id:NOT_FOUND']);
  });
});
