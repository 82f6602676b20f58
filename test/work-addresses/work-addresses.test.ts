// Work addresses as users see them: created and changed through the shared validation, the branch
// and landlord rules, visibility (a sales user's customers only; a landlord they may not see shows as
// null), filtered and batched lists under customers, and each work address's own history.
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const WORK_ADDRESS_FIELDS = `id line1 line2 town postcode country formatted status version
  occupier { title firstName surname email phone }
  buildingType vacantProperty afterSalesCommunication preferences landlordIsInvoiceAddress
  customer { id } branch { id name } landlord { id name }`;
const CREATE = `mutation($input: CreateWorkAddressInput!) {
  createWorkAddress(input: $input) { workAddress { ${WORK_ADDRESS_FIELDS} } userErrors { field code message } }
}`;
const UPDATE = `mutation($input: UpdateWorkAddressInput!) {
  updateWorkAddress(input: $input) { workAddress { ${WORK_ADDRESS_FIELDS} } userErrors { field code message } }
}`;
const CREATE_BRANCH = `mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { id name } userErrors { field code } } }`;
const LIST = `query($id: ID!, $filter: WorkAddressFilter) { customer(id: $id) { workAddresses(filter: $filter, first: 50) {
  totalCount nodes { id line1 status branch { name } } } } }`;

async function customer(name: string, token = org.adminToken): Promise<string> {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name }) }, token);
  expect(res.data!.createCustomer.userErrors).toEqual([]);
  return res.data!.createCustomer.customer.id;
}

async function branch(customerId: string, name: string): Promise<string> {
  const res = await server.graphql(CREATE_BRANCH, { input: { customerId, name, line1: `${name} Office` } }, org.adminToken);
  expect(res.data!.createBranch.userErrors).toEqual([]);
  return res.data!.createBranch.branch.id;
}

async function workAddress(customerId: string, input: Record<string, unknown> = {}, token = org.adminToken) {
  const res = await server.graphql(CREATE, { input: { customerId, line1: '1 Elm Road', postcode: 'bs6 5aa', ...input } }, token);
  expect(res.data!.createWorkAddress.userErrors).toEqual([]);
  return res.data!.createWorkAddress.workAddress;
}

async function count(customerId: string): Promise<number> {
  const res = await server.graphql(LIST, { id: customerId }, org.adminToken);
  return res.data!.customer.workAddresses.totalCount;
}

it('creates a work address with defaults: ACTIVE, GB, occupier "Occupier", after-sales on', async () => {
  const customerId = await customer('Defaults Lettings');
  const created = await workAddress(customerId, { line2: ' ', town: 'Bristol' });
  expect(created).toMatchObject({
    line1: '1 Elm Road',
    line2: null,
    postcode: 'BS6 5AA',
    country: 'GB',
    formatted: '1 Elm Road, Bristol, BS6 5AA, GB',
    status: 'ACTIVE',
    version: 1,
    occupier: { title: null, firstName: null, surname: 'Occupier', email: null, phone: null },
    vacantProperty: false,
    afterSalesCommunication: true,
    landlordIsInvoiceAddress: false,
    customer: { id: customerId },
    branch: null,
    landlord: null,
  });
  // A named occupier without a surname still gets the default.
  const named = await workAddress(customerId, { occupier: { firstName: 'Ada', phone: '+447700900123' } });
  expect(named.occupier).toEqual({ title: null, firstName: 'Ada', surname: 'Occupier', email: null, phone: '+447700900123' });
});

it('creates one with a branch and a landlord, and changes it with expectedVersion', async () => {
  const customerId = await customer('Harbour Lettings');
  const landlordId = await customer('Landlord Estates');
  const branchId = await branch(customerId, 'Clifton');
  const created = await workAddress(customerId, {
    branchId,
    landlordId,
    landlordIsInvoiceAddress: true,
    buildingType: 'Terraced house',
    vacantProperty: true,
    preferences: 'Key with neighbour',
    occupier: { title: 'Mrs', firstName: 'Grace', surname: 'Hopper', email: 'grace@example.test' },
  });
  expect(created).toMatchObject({
    branch: { id: branchId, name: 'Clifton' },
    landlord: { id: landlordId, name: 'Landlord Estates' },
    landlordIsInvoiceAddress: true,
    buildingType: 'Terraced house',
    vacantProperty: true,
    occupier: { title: 'Mrs', firstName: 'Grace', surname: 'Hopper', email: 'grace@example.test', phone: null },
  });
  const updated = await server.graphql(
    UPDATE,
    { input: { id: created.id, expectedVersion: 1, status: 'DORMANT', occupier: { firstName: 'Alan' }, landlordId: null, branchId: null } },
    org.adminToken,
  );
  expect(updated.data!.updateWorkAddress.userErrors).toEqual([]);
  expect(updated.data!.updateWorkAddress.workAddress).toMatchObject({
    status: 'DORMANT',
    version: 2,
    // The occupier is replaced whole; clearing the landlord turns the invoice flag off.
    occupier: { title: null, firstName: 'Alan', surname: 'Occupier', email: null, phone: null },
    landlord: null,
    landlordIsInvoiceAddress: false,
    branch: null,
    buildingType: 'Terraced house',
  });
  const stale = await server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, status: 'ACTIVE' } }, org.adminToken);
  expect(errorCodes(stale.data!.updateWorkAddress.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
});

it('refuses bad input, naming the field, and writes nothing', async () => {
  const customerId = await customer('Strict Lettings');
  const otherCustomer = await customer('Other Lettings');
  const othersBranch = await branch(otherCustomer, 'Elsewhere');
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ line1: '  ' }, ['input.line1:REQUIRED']],
    [{ occupier: { phone: '07700 900123' } }, ['input.occupier.phone:INVALID']],
    [{ occupier: { email: 'not-an-email' } }, ['input.occupier.email:INVALID']],
    [{ what3words: 'not three words' }, ['input.what3words:INVALID']],
    [{ branchId: othersBranch }, ['input.branchId:INVALID']],
    [{ landlordId: customerId }, ['input.landlordId:INVALID']],
    [{ landlordIsInvoiceAddress: true }, ['input.landlordIsInvoiceAddress:INVALID']],
    [{ landlordId: othersBranch }, ['input.landlordId:INVALID']],
  ];
  for (const [input, expected] of cases) {
    const res = await server.graphql(CREATE, { input: { customerId, line1: '2 Oak Lane', ...input } }, org.adminToken);
    expect(res.errors).toBeUndefined();
    expect(errorCodes(res.data!.createWorkAddress.userErrors)).toEqual(expected);
    expect(res.data!.createWorkAddress.workAddress).toBeNull();
  }
  expect(await count(customerId)).toBe(0);

  const existing = await workAddress(customerId);
  const blank = await server.graphql(UPDATE, { input: { id: existing.id, line1: '' } }, org.adminToken);
  expect(errorCodes(blank.data!.updateWorkAddress.userErrors)).toEqual(['input.line1:REQUIRED']);
  const phone = await server.graphql(UPDATE, { input: { id: existing.id, status: 'DORMANT', occupier: { phone: '12' } } }, org.adminToken);
  expect(errorCodes(phone.data!.updateWorkAddress.userErrors)).toEqual(['input.occupier.phone:INVALID']);
  const wrongBranch = await server.graphql(UPDATE, { input: { id: existing.id, status: 'DORMANT', branchId: othersBranch } }, org.adminToken);
  expect(errorCodes(wrongBranch.data!.updateWorkAddress.userErrors)).toEqual(['input.branchId:INVALID']);
  const read = await server.graphql(
    `query($id: ID!) { node(id: $id) { ... on WorkAddress { status version branch { id } } } }`,
    { id: existing.id },
    org.adminToken,
  );
  expect(read.data!.node).toEqual({ status: 'ACTIVE', version: 1, branch: null });
});

describe('who may', () => {
  it('refuses a sales user who does not own the customer (NOT_FOUND), and shows them a hidden landlord as null', async () => {
    const sales = await org.tokenFor('SALES');
    const adminsCustomer = await customer('Admin Owned Ltd');
    const adminsAddress = await workAddress(adminsCustomer);
    const create = await server.graphql(CREATE, { input: { customerId: adminsCustomer, line1: '3 Ash Street' } }, sales);
    expect(errorCodes(create.data!.createWorkAddress.userErrors)).toEqual(['input.customerId:NOT_FOUND']);
    const update = await server.graphql(UPDATE, { input: { id: adminsAddress.id, status: 'DORMANT' } }, sales);
    expect(errorCodes(update.data!.updateWorkAddress.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: adminsAddress.id }, sales);
    expect(node.data!.node).toBeNull();

    // Their own customer: they may create, but not name a landlord they cannot see.
    const own = await customer('Sales Owned Ltd', sales);
    const hiddenLandlord = await server.graphql(CREATE, { input: { customerId: own, line1: '4 Birch Way', landlordId: adminsCustomer } }, sales);
    expect(errorCodes(hiddenLandlord.data!.createWorkAddress.userErrors)).toEqual(['input.landlordId:NOT_FOUND']);
    const mine = await workAddress(own, {}, sales);
    // An admin sets the landlord; the sales user sees the work address but not the landlord.
    const set = await server.graphql(UPDATE, { input: { id: mine.id, landlordId: adminsCustomer, landlordIsInvoiceAddress: true } }, org.adminToken);
    expect(set.data!.updateWorkAddress.workAddress.landlord).toEqual({ id: adminsCustomer, name: 'Admin Owned Ltd' });
    const seen = await server.graphql(`query($id: ID!) { node(id: $id) { ... on WorkAddress { line1 landlord { id } } } }`, { id: mine.id }, sales);
    expect(seen.data!.node).toEqual({ line1: '1 Elm Road', landlord: null });
  });

  it('refuses READ_ONLY users with FORBIDDEN, and writes nothing', async () => {
    const readOnly = await org.tokenFor('READ_ONLY');
    const customerId = await customer('Read Only Visible Ltd');
    const existing = await workAddress(customerId);
    const create = await server.graphql(CREATE, { input: { customerId, line1: '5 Pine Close' } }, readOnly);
    expect(create.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const update = await server.graphql(UPDATE, { input: { id: existing.id, status: 'DORMANT' } }, readOnly);
    expect(update.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await count(customerId)).toBe(1);
    // Reading is fine.
    const read = await server.graphql(LIST, { id: customerId }, readOnly);
    expect(read.data!.customer.workAddresses.nodes).toEqual([{ id: existing.id, line1: '1 Elm Road', status: 'ACTIVE', branch: null }]);
  });
});

it('lists a customer’s work addresses oldest first, filtered by status, branch and postcode, a page at a time', async () => {
  const customerId = await customer('Filter Lettings');
  const clifton = await branch(customerId, 'Clifton');
  const a = await workAddress(customerId, { line1: 'A', postcode: 'BS8 1AA', branchId: clifton });
  const b = await workAddress(customerId, { line1: 'B', postcode: 'BS8 2BB', status: 'DORMANT' });
  const c = await workAddress(customerId, { line1: 'C', postcode: 'bs81aa' });
  const list = async (filter: Record<string, unknown> | null) =>
    (await server.graphql(LIST, { id: customerId, filter }, org.adminToken)).data!.customer.workAddresses.nodes.map((n: any) => n.line1);
  expect(await list(null)).toEqual(['A', 'B', 'C']);
  expect(await list({ status: 'ACTIVE' })).toEqual(['A', 'C']);
  expect(await list({ status: 'DORMANT' })).toEqual(['B']);
  expect(await list({ branchId: clifton })).toEqual(['A']);
  expect(await list({ postcode: 'bs8 1aa' })).toEqual(['A', 'C']);
  expect(await list({ postcode: 'BS81AA', status: 'ACTIVE', branchId: clifton })).toEqual(['A']);

  const first = await server.graphql(
    `query($id: ID!) { customer(id: $id) { workAddresses(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }`,
    { id: customerId },
    org.adminToken,
  );
  const page1 = first.data!.customer.workAddresses;
  expect(page1).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true }, nodes: [{ id: a.id }, { id: b.id }] });
  const second = await server.graphql(
    `query($id: ID!, $after: String) { customer(id: $id) { workAddresses(first: 2, after: $after) { pageInfo { hasNextPage } nodes { id } } } }`,
    { id: customerId, after: page1.pageInfo.endCursor },
    org.adminToken,
  );
  expect(second.data!.customer.workAddresses).toEqual({ pageInfo: { hasNextPage: false }, nodes: [{ id: c.id }] });

  const badBranch = await server.graphql(LIST, { id: customerId, filter: { branchId: customerId } }, org.adminToken);
  expect(badBranch.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
});

it('lists work addresses and branches under 2 and 6 customers in the same number of statements', async () => {
  const landlordId = await customer('Batch Landlord');
  for (let i = 0; i < 6; i++) {
    const customerId = await customer(`Batch Lettings ${i}`);
    const branchId = await branch(customerId, `Batch Branch ${i}`);
    await workAddress(customerId, { line1: `${i} Batch Street`, branchId });
    await workAddress(customerId, { line1: `${i} Batch Avenue`, landlordId });
  }
  const query = `query($first: Int!) { customers(first: $first, filter: { name: "Batch Lettings" }) { nodes {
    name
    branches { id name workAddresses(first: 5) { totalCount nodes { line1 } } }
    workAddresses(first: 10, filter: { status: ACTIVE }) { totalCount nodes { id formatted occupier { surname } branch { name } landlord { name } customer { name } } }
  } } }`;
  const two = await server.graphql(query, { first: 2 }, org.adminToken);
  const six = await server.graphql(query, { first: 6 }, org.adminToken);
  expect(two.errors).toBeUndefined();
  expect(six.errors).toBeUndefined();
  expect(six.data!.customers.nodes).toHaveLength(6);
  for (const node of six.data!.customers.nodes) {
    expect(node.workAddresses.totalCount).toBe(2);
    expect(node.branches).toHaveLength(1);
    expect(node.branches[0].workAddresses.totalCount).toBe(1);
  }
  expect(Number.isInteger(two.statements)).toBe(true);
  expect(six.statements).toBe(two.statements);
});

it("keeps each work address's own history, which the customer's audit trail also shows", async () => {
  const customerId = await customer('History Lettings');
  const first = await workAddress(customerId, { line1: 'First' });
  const second = await workAddress(customerId, { line1: 'Second' });
  await server.graphql(UPDATE, { input: { id: first.id, status: 'DORMANT' } }, org.adminToken);
  await server.graphql(UPDATE, { input: { id: second.id, preferences: 'Mornings' } }, org.adminToken);
  const history = `query($id: ID!) { node(id: $id) { ... on WorkAddress { history(first: 10) { totalCount nodes { action entityType entityId after } } } } }`;
  const res = await server.graphql(history, { id: first.id }, org.adminToken);
  expect(res.errors).toBeUndefined();
  const entries = res.data!.node.history;
  expect(entries.totalCount).toBe(2);
  expect(entries.nodes.map((e: any) => [e.action, e.entityType, e.entityId])).toEqual([
    ['workAddress.update', 'WorkAddress', first.id],
    ['workAddress.create', 'WorkAddress', first.id],
  ]);
  expect(entries.nodes[0].after).toMatchObject({ status: 'DORMANT', line1: 'First' });

  const trail = await server.graphql(
    `query($id: ID!) { customer(id: $id) { auditTrail(first: 20) { nodes { action entityId } } } }`,
    { id: customerId },
    org.adminToken,
  );
  const actions = trail.data!.customer.auditTrail.nodes.map(
    (e: any) => `${e.action}:${e.entityId === first.id ? 'first' : e.entityId === second.id ? 'second' : 'customer'}`,
  );
  expect(actions).toEqual(
    expect.arrayContaining(['workAddress.create:first', 'workAddress.update:first', 'workAddress.create:second', 'workAddress.update:second']),
  );

  // Audit data is for admins and managers, as the customer's trail is.
  const service = await server.graphql(history, { id: first.id }, await org.tokenFor('SERVICE'));
  expect(service.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  const manager = await server.graphql(history, { id: first.id }, await org.tokenFor('MANAGER'));
  expect(manager.data!.node.history.totalCount).toBe(2);
});
