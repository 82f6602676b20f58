// Assets and appliances (docs/domain.md#assets) and their reference lists, as users see them over
// GraphQL: the lists admins keep, assets recorded for a customer (and at its work addresses), filters,
// visibility through the customer, role refusals, the audit trail, and a constant number of SQL
// statements per list.
import { eq } from 'drizzle-orm';
import { createDemoAssets } from '../../src/assets/demo';
import { assets as assetsTable } from '../../src/assets/tables';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { workAddresses } from '../../src/work-addresses/tables';
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const items: Record<string, string> = {};

const CREATE_ITEM = `mutation($input: CreateAssetListItemInput!) {
  createAssetListItem(input: $input) { item { __typename id name } userErrors { field code message } }
}`;
const RENAME_ITEM = `mutation($input: RenameAssetListItemInput!) {
  renameAssetListItem(input: $input) { item { __typename id name } userErrors { field code message } }
}`;
const DELETE_ITEM = `mutation($input: DeleteAssetListItemInput!) {
  deleteAssetListItem(input: $input) { deletedId userErrors { field code message } }
}`;
const ASSET_FIELDS = `id description technicalReference serialNumber quantity startDate renewalDate version
  group { name } make { name } model { name make { name } } fuelType { name } location { name }
  customer { id } workAddress { id line1 }`;
const CREATE_ASSET = `mutation($input: CreateAssetInput!) {
  createAsset(input: $input) { asset { ${ASSET_FIELDS} } userErrors { field code message } }
}`;
const UPDATE_ASSET = `mutation($input: UpdateAssetInput!) {
  updateAsset(input: $input) { asset { ${ASSET_FIELDS} } userErrors { field code message } }
}`;
const DELETE_ASSET = `mutation($input: DeleteAssetInput!) {
  deleteAsset(input: $input) { deletedAssetId userErrors { field code message } }
}`;
const CUSTOMER_ASSETS = `query($id: ID!, $filter: AssetFilter) {
  customer(id: $id) { assets(filter: $filter, first: 50) { totalCount nodes { description } } }
}`;

/** A work address of a customer (the work-address area's own mutations are tested there). */
async function workAddress(customerId: string, line1: string): Promise<string> {
  const [row] = await server.database.db
    .insert(workAddresses)
    .values({ organisationId: org.organisationId, customerId: parseGlobalId(customerId)!.id, line1, country: 'GB', postcode: 'BS1 4DJ' })
    .returning({ id: workAddresses.id });
  return toGlobalId('WorkAddress', row!.id);
}

async function item(list: string, name: string, makeId?: string): Promise<string> {
  const res = await server.graphql(CREATE_ITEM, { input: { list, name, makeId } }, org.adminToken);
  expect(res.data!.createAssetListItem.userErrors).toEqual([]);
  return res.data!.createAssetListItem.item.id;
}

async function asset(input: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(CREATE_ASSET, { input }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.createAsset as { asset: any; userErrors: Array<{ field: string[]; code: string }> };
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  items.boilers = await item('GROUP', 'Boilers');
  items.fires = await item('GROUP', 'Fires');
  items.gas = await item('FUEL_TYPE', 'Natural gas');
  items.lpg = await item('FUEL_TYPE', 'LPG');
  items.kitchen = await item('LOCATION', 'Kitchen');
  items.loft = await item('LOCATION', 'Loft');
  items.worcester = await item('MAKE', 'Worcester Bosch');
  items.vaillant = await item('MAKE', 'Vaillant');
  items.greenstar = await item('MODEL', 'Greenstar 30i', items.worcester);
  items.ecotec = await item('MODEL', 'ecoTEC plus', items.vaillant);
});
afterAll(() => server.close());

const { createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

describe('reference lists', () => {
  it('lists each one by name, makes with their models', async () => {
    const res = await server.graphql(
      `{ assetGroups { name } fuelTypes { name } assetLocations { name } assetMakes { name models { name make { name } } } }`,
      {},
      await org.tokenFor('READ_ONLY'),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      assetGroups: [{ name: 'Boilers' }, { name: 'Fires' }],
      fuelTypes: [{ name: 'LPG' }, { name: 'Natural gas' }],
      assetLocations: [{ name: 'Kitchen' }, { name: 'Loft' }],
      assetMakes: [
        { name: 'Vaillant', models: [{ name: 'ecoTEC plus', make: { name: 'Vaillant' } }] },
        { name: 'Worcester Bosch', models: [{ name: 'Greenstar 30i', make: { name: 'Worcester Bosch' } }] },
      ],
    });
  });

  it('creates, renames and deletes an item, refusing blanks, duplicates and a model without its make', async () => {
    const created = await server.graphql(CREATE_ITEM, { input: { list: 'LOCATION', name: ' Garage ' } }, org.adminToken);
    expect(created.data!.createAssetListItem.item).toMatchObject({ __typename: 'AssetLocation', name: 'Garage' });
    const id = created.data!.createAssetListItem.item.id;
    const blank = await server.graphql(CREATE_ITEM, { input: { list: 'GROUP', name: '  ' } }, org.adminToken);
    expect(errorCodes(blank.data!.createAssetListItem.userErrors)).toEqual(['input.name:REQUIRED']);
    const duplicate = await server.graphql(CREATE_ITEM, { input: { list: 'GROUP', name: 'boilers' } }, org.adminToken);
    expect(errorCodes(duplicate.data!.createAssetListItem.userErrors)).toEqual(['input.name:DUPLICATE']);
    const noMake = await server.graphql(CREATE_ITEM, { input: { list: 'MODEL', name: 'X' } }, org.adminToken);
    expect(errorCodes(noMake.data!.createAssetListItem.userErrors)).toEqual(['input.makeId:REQUIRED']);
    const makeOnGroup = await server.graphql(CREATE_ITEM, { input: { list: 'GROUP', name: 'X', makeId: items.vaillant } }, org.adminToken);
    expect(errorCodes(makeOnGroup.data!.createAssetListItem.userErrors)).toEqual(['input.makeId:INVALID']);

    const renamed = await server.graphql(RENAME_ITEM, { input: { id, name: 'Garage (detached)' } }, org.adminToken);
    expect(renamed.data!.renameAssetListItem.item).toEqual({ __typename: 'AssetLocation', id, name: 'Garage (detached)' });
    const clash = await server.graphql(RENAME_ITEM, { input: { id, name: 'LOFT' } }, org.adminToken);
    expect(errorCodes(clash.data!.renameAssetListItem.userErrors)).toEqual(['input.name:DUPLICATE']);

    const deleted = await server.graphql(DELETE_ITEM, { input: { id } }, org.adminToken);
    expect(deleted.data!.deleteAssetListItem).toEqual({ deletedId: id, userErrors: [] });
    const again = await server.graphql(DELETE_ITEM, { input: { id } }, org.adminToken);
    expect(errorCodes(again.data!.deleteAssetListItem.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const list = await server.graphql(`{ assetLocations { name } }`, {}, org.adminToken);
    expect(list.data!.assetLocations).toEqual([{ name: 'Kitchen' }, { name: 'Loft' }]);
  });

  it('refuses to delete an item an asset uses (INVALID_STATE), and deletes an unused make with its models', async () => {
    const customerId = await createCustomer('Uses Lists Ltd');
    const make = await item('MAKE', 'Ideal');
    const model = await item('MODEL', 'Logic', make);
    const used = await asset({ customerId, modelId: model, fuelTypeId: items.lpg });
    expect(used.userErrors).toEqual([]);
    for (const id of [make, model, items.lpg]) {
      const res = await server.graphql(DELETE_ITEM, { input: { id } }, org.adminToken);
      expect(errorCodes(res.data!.deleteAssetListItem.userErrors)).toEqual(['input.id:INVALID_STATE']);
    }
    await server.graphql(DELETE_ASSET, { input: { id: used.asset.id } }, org.adminToken);
    const res = await server.graphql(DELETE_ITEM, { input: { id: make } }, org.adminToken);
    expect(res.data!.deleteAssetListItem.userErrors).toEqual([]);
    const gone = await server.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [make, model] }, org.adminToken);
    expect(gone.data!.nodes).toEqual([null, null]);
  });

  it('is changed by admins only', async () => {
    for (const role of ['MANAGER', 'READ_ONLY'] as const) {
      const token = await org.tokenFor(role);
      const res = await server.graphql(CREATE_ITEM, { input: { list: 'GROUP', name: 'Nope' } }, token);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const rename = await server.graphql(RENAME_ITEM, { input: { id: items.fires, name: 'Nope' } }, token);
      expect(rename.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
  });
});

describe('assets', () => {
  it('records an asset with every field, finds it by id, changes its technical reference, and deletes it, all audited', async () => {
    const customerId = await createCustomer('Boiler House Ltd');
    const site = await workAddress(customerId, '2 Mill Lane');
    const created = await asset({
      customerId,
      workAddressId: site,
      groupId: items.boilers,
      makeId: items.worcester,
      modelId: items.greenstar,
      fuelTypeId: items.gas,
      locationId: items.kitchen,
      description: ' Combi boiler ',
      technicalReference: 'GC 47-406-01',
      serialNumber: 'WB123456',
      startDate: '2024-03-01',
      renewalDate: '2026-03-01',
    });
    expect(created.userErrors).toEqual([]);
    expect(created.asset).toMatchObject({
      description: 'Combi boiler',
      technicalReference: 'GC 47-406-01',
      serialNumber: 'WB123456',
      quantity: 1,
      startDate: '2024-03-01',
      renewalDate: '2026-03-01',
      version: 1,
      group: { name: 'Boilers' },
      make: { name: 'Worcester Bosch' },
      model: { name: 'Greenstar 30i', make: { name: 'Worcester Bosch' } },
      fuelType: { name: 'Natural gas' },
      location: { name: 'Kitchen' },
      customer: { id: customerId },
      workAddress: { id: site, line1: '2 Mill Lane' },
    });
    const id = created.asset.id;
    const byNode = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Asset { serialNumber } } }`, { id }, org.adminToken);
    expect(byNode.data!.node).toEqual({ serialNumber: 'WB123456' });

    const updated = await server.graphql(UPDATE_ASSET, { input: { id, expectedVersion: 1, technicalReference: 'GC 47-406-02', quantity: 2 } }, org.adminToken);
    expect(updated.data!.updateAsset.userErrors).toEqual([]);
    expect(updated.data!.updateAsset.asset).toMatchObject({ technicalReference: 'GC 47-406-02', quantity: 2, version: 2, model: { name: 'Greenstar 30i' } });
    const stale = await server.graphql(UPDATE_ASSET, { input: { id, expectedVersion: 1, technicalReference: 'x' } }, org.adminToken);
    expect(errorCodes(stale.data!.updateAsset.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);

    const deleted = await server.graphql(DELETE_ASSET, { input: { id, expectedVersion: 2 } }, org.adminToken);
    expect(deleted.data!.deleteAsset).toEqual({ deletedAssetId: id, userErrors: [] });
    const after = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id }, org.adminToken);
    expect(after.data!.node).toBeNull();

    // Entries about a deleted child row leave the customer's trail with the row (src/audit/trail.ts);
    // an asset still there shows its create and update.
    const kept = await asset({ customerId, description: 'Kept' });
    await server.graphql(UPDATE_ASSET, { input: { id: kept.asset.id, serialNumber: 'K1' } }, org.adminToken);
    const trail = await server.graphql(
      `query($id: ID!) { customer(id: $id) { auditTrail(first: 10) { nodes { action } } } }`,
      { id: customerId },
      org.adminToken,
    );
    expect(trail.errors).toBeUndefined();
    const actions = trail.data!.customer.auditTrail.nodes.map((n: { action: string }) => n.action);
    expect(actions.slice(0, 2)).toEqual(['asset.update', 'asset.create']);
  });

  it('takes the make from the model, and clears the model with the make', async () => {
    const customerId = await createCustomer('Model Only Ltd');
    const created = await asset({ customerId, modelId: items.ecotec });
    expect(created.asset).toMatchObject({ make: { name: 'Vaillant' }, model: { name: 'ecoTEC plus' } });
    const cleared = await server.graphql(UPDATE_ASSET, { input: { id: created.asset.id, makeId: null } }, org.adminToken);
    expect(cleared.data!.updateAsset.asset).toMatchObject({ make: null, model: null });
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const customerId = await createCustomer('Bad Input Ltd');
    const otherCustomer = await createCustomer('Someone Else Ltd');
    const theirs = await workAddress(otherCustomer, '9 Elsewhere Road');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ makeId: items.worcester, modelId: items.ecotec }, 'input.modelId:INVALID'],
      [{ workAddressId: theirs }, 'input.workAddressId:INVALID'],
      [{ groupId: items.gas }, 'input.groupId:INVALID'],
      [{ groupId: toGlobalId('AssetGroup', '00000000-0000-0000-0000-000000000000') }, 'input.groupId:NOT_FOUND'],
      [{ quantity: 0 }, 'input.quantity:INVALID'],
      [{ startDate: '2025-06-01', renewalDate: '2025-01-01' }, 'input.renewalDate:INVALID'],
      [{ serialNumber: 'x'.repeat(201) }, 'input.serialNumber:TOO_LONG'],
    ];
    for (const [input, expected] of cases) {
      const res = await asset({ customerId, description: 'Bad', ...input });
      expect(errorCodes(res.userErrors)).toEqual([expected]);
      expect(res.asset).toBeNull();
    }
    const unknownCustomer = await asset({ customerId: toGlobalId('Customer', '00000000-0000-0000-0000-000000000000') });
    expect(errorCodes(unknownCustomer.userErrors)).toEqual(['input.customerId:NOT_FOUND']);
    const list = await server.graphql(CUSTOMER_ASSETS, { id: customerId }, org.adminToken);
    expect(list.data!.customer.assets.totalCount).toBe(0);

    const good = await asset({ customerId, makeId: items.worcester, modelId: items.greenstar });
    const otherMake = await server.graphql(UPDATE_ASSET, { input: { id: good.asset.id, makeId: items.vaillant } }, org.adminToken);
    expect(errorCodes(otherMake.data!.updateAsset.userErrors)).toEqual(['input.modelId:INVALID']);
    const moved = await server.graphql(UPDATE_ASSET, { input: { id: good.asset.id, workAddressId: theirs } }, org.adminToken);
    expect(errorCodes(moved.data!.updateAsset.userErrors)).toEqual(['input.workAddressId:INVALID']);
    const unchanged = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Asset { version make { name } } } }`,
      { id: good.asset.id },
      org.adminToken,
    );
    expect(unchanged.data!.node).toEqual({ version: 1, make: { name: 'Worcester Bosch' } });
  });

  it('is not found for a sales user who does not see the customer, and forbidden to READ_ONLY', async () => {
    const customerId = await createCustomer('Admin Owned Ltd');
    const existing = await asset({ customerId, description: 'Hidden' });
    const sales = await org.tokenFor('SALES');
    const create = await asset({ customerId, description: 'Sneaky' }, sales);
    expect(errorCodes(create.userErrors)).toEqual(['input.customerId:NOT_FOUND']);
    const update = await server.graphql(UPDATE_ASSET, { input: { id: existing.asset.id, technicalReference: 'x' } }, sales);
    expect(errorCodes(update.data!.updateAsset.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const del = await server.graphql(DELETE_ASSET, { input: { id: existing.asset.id } }, sales);
    expect(errorCodes(del.data!.deleteAsset.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const read = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: existing.asset.id }, sales);
    expect(read.data!.node).toBeNull();

    // The sales user's own customer works.
    const own = await createCustomer('Sales Owned Ltd', { token: sales });
    expect((await asset({ customerId: own, description: 'Mine' }, sales)).userErrors).toEqual([]);

    const readOnly = await org.tokenFor('READ_ONLY');
    for (const [query, input] of [
      [CREATE_ASSET, { customerId, description: 'x' }],
      [UPDATE_ASSET, { id: existing.asset.id, description: 'x' }],
      [DELETE_ASSET, { id: existing.asset.id }],
    ] as const) {
      const res = await server.graphql(query, { input }, readOnly);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
    const list = await server.graphql(CUSTOMER_ASSETS, { id: customerId }, org.adminToken);
    expect(list.data!.customer.assets.nodes).toEqual([{ description: 'Hidden' }]);
  });

  it('filters a customer’s and a work address’s assets by group, fuel type, location and work address', async () => {
    const customerId = await createCustomer('Filter Ltd');
    const siteA = await workAddress(customerId, '1 A Street');
    const siteB = await workAddress(customerId, '1 B Street');
    await asset({ customerId, description: 'gas boiler A', groupId: items.boilers, fuelTypeId: items.gas, locationId: items.kitchen, workAddressId: siteA });
    await asset({ customerId, description: 'lpg boiler B', groupId: items.boilers, fuelTypeId: items.lpg, locationId: items.loft, workAddressId: siteB });
    await asset({ customerId, description: 'gas fire A', groupId: items.fires, fuelTypeId: items.gas, locationId: items.loft, workAddressId: siteA });
    await asset({ customerId, description: 'loose', groupId: items.fires });
    const names = async (filter: Record<string, unknown> | null) => {
      const res = await server.graphql(CUSTOMER_ASSETS, { id: customerId, filter }, org.adminToken);
      expect(res.errors).toBeUndefined();
      return res.data!.customer.assets.nodes.map((n: { description: string }) => n.description);
    };
    expect(await names(null)).toEqual(['gas boiler A', 'lpg boiler B', 'gas fire A', 'loose']);
    expect(await names({ groupIds: [items.boilers] })).toEqual(['gas boiler A', 'lpg boiler B']);
    expect(await names({ fuelTypeIds: [items.gas] })).toEqual(['gas boiler A', 'gas fire A']);
    expect(await names({ locationIds: [items.loft] })).toEqual(['lpg boiler B', 'gas fire A']);
    expect(await names({ groupIds: [items.boilers, items.fires], fuelTypeIds: [items.gas], locationIds: [items.kitchen] })).toEqual(['gas boiler A']);
    expect(await names({ workAddressId: siteB })).toEqual(['lpg boiler B']);
    expect(await names({ groupIds: [] })).toEqual([]);

    const bySite = await server.graphql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on WorkAddress { line1 all: assets { totalCount } fires: assets(filter: { groupIds: ["${items.fires}"] }) { nodes { description } } } } }`,
      { ids: [siteA, siteB] },
      org.adminToken,
    );
    expect(bySite.errors).toBeUndefined();
    expect(bySite.data!.nodes).toEqual([
      { line1: '1 A Street', all: { totalCount: 2 }, fires: { nodes: [{ description: 'gas fire A' }] } },
      { line1: '1 B Street', all: { totalCount: 1 }, fires: { nodes: [] } },
    ]);

    const bad = await server.graphql(CUSTOMER_ASSETS, { id: customerId, filter: { groupIds: [items.gas] } }, org.adminToken);
    expect(bad.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('costs the same number of SQL statements for 2 customers with assets as for 6', async () => {
    const org2 = await createTestOrganisation(server, 'Counting Ltd');
    const ref2 = await readReference(server, org2.adminToken);
    const group = (await server.graphql(CREATE_ITEM, { input: { list: 'GROUP', name: 'Boilers' } }, org2.adminToken)).data!.createAssetListItem.item.id;
    const make = (await server.graphql(CREATE_ITEM, { input: { list: 'MAKE', name: 'Baxi' } }, org2.adminToken)).data!.createAssetListItem.item.id;
    const model = (await server.graphql(CREATE_ITEM, { input: { list: 'MODEL', name: '800', makeId: make } }, org2.adminToken)).data!.createAssetListItem.item
      .id;
    const query = `query($n: Int!) { customers(first: $n) { nodes { name assets(first: 5) { totalCount nodes {
      description group { name } make { name } model { name } fuelType { name } location { name } workAddress { line1 } } } } } }`;
    const counts: number[] = [];
    for (const target of [2, 6]) {
      for (let i = counts.length === 0 ? 0 : 2; i < target; i++) {
        const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref2, { name: `Counted ${i}` }) }, org2.adminToken);
        const customerId = res.data!.createCustomer.customer.id;
        for (let j = 0; j < 2; j++) {
          const made = await server.graphql(CREATE_ASSET, { input: { customerId, groupId: group, modelId: model, description: `a${j}` } }, org2.adminToken);
          expect(made.data!.createAsset.userErrors).toEqual([]);
        }
      }
      const res = await server.graphql(query, { n: target }, org2.adminToken);
      expect(res.errors).toBeUndefined();
      expect(res.data!.customers.nodes).toHaveLength(target);
      for (const c of res.data!.customers.nodes) expect(c.assets.totalCount).toBe(2);
      counts.push(res.statements);
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBe(counts[0]);
  });
});

describe('another organisation', () => {
  it("never sees or changes its assets and lists (the demo organisation's, here)", async () => {
    const other = await createTestOrganisation(server, 'Other Demo Ltd');
    const otherRef = await readReference(server, other.adminToken);
    for (const name of ['Other A', 'Other B']) {
      await server.graphql(CREATE_CUSTOMER, { input: customerInput(otherRef, { name }) }, other.adminToken);
    }
    await createDemoAssets(server.database.db, other.organisationId);
    const theirs = await server.graphql(
      `{ assetGroups { id } assetMakes { id models { id } } customers { nodes { id assets { nodes { id group { id } fuelType { id } location { id } } } } } }`,
      {},
      other.adminToken,
    );
    expect(theirs.errors).toBeUndefined();
    const theirAssets = theirs.data!.customers.nodes.flatMap((c: any) => c.assets.nodes);
    expect(theirAssets).toHaveLength(2);
    const asset = theirAssets[0];
    const customerId = theirs.data!.customers.nodes[0].id;
    const group = theirs.data!.assetGroups[0].id;
    const make = theirs.data!.assetMakes[0].id;
    const model = theirs.data!.assetMakes[0].models[0].id;

    const ours = await createCustomer('Ours Ltd');
    const checks: Array<[string, Record<string, unknown>, string, string]> = [
      [UPDATE_ASSET, { id: asset.id, description: 'x' }, 'updateAsset', 'input.id:NOT_FOUND'],
      [DELETE_ASSET, { id: asset.id }, 'deleteAsset', 'input.id:NOT_FOUND'],
      [CREATE_ASSET, { customerId, description: 'x' }, 'createAsset', 'input.customerId:NOT_FOUND'],
      [CREATE_ASSET, { customerId: ours, groupId: group }, 'createAsset', 'input.groupId:NOT_FOUND'],
      [CREATE_ASSET, { customerId: ours, modelId: model }, 'createAsset', 'input.modelId:NOT_FOUND'],
      [RENAME_ITEM, { id: group, name: 'Taken over' }, 'renameAssetListItem', 'input.id:NOT_FOUND'],
      [DELETE_ITEM, { id: make }, 'deleteAssetListItem', 'input.id:NOT_FOUND'],
      [CREATE_ITEM, { list: 'MODEL', name: 'Intruder', makeId: make }, 'createAssetListItem', 'input.makeId:NOT_FOUND'],
    ];
    for (const [query, input, field, expected] of checks) {
      const res = await server.graphql(query, { input }, org.adminToken);
      expect(errorCodes(res.data![field].userErrors)).toEqual([expected]);
    }
    const read = await server.graphql(
      `query($ids: [ID!]!, $g: ID!) { nodes(ids: $ids) { id } customer(id: "${ours}") { assets(filter: { groupIds: [$g] }) { totalCount } } }`,
      { ids: [asset.id, group, make, model, customerId], g: group },
      org.adminToken,
    );
    expect(read.data).toEqual({ nodes: [null, null, null, null, null], customer: { assets: { totalCount: 0 } } });
    const after = await server.graphql(`{ assetGroups { id name } }`, {}, other.adminToken);
    expect(after.data!.assetGroups).toContainEqual({ id: group, name: 'Boilers' });
    const [row] = await server.database.db
      .select()
      .from(assetsTable)
      .where(eq(assetsTable.id, parseGlobalId(asset.id)!.id));
    expect(row!.version).toBe(1);
  });
});
