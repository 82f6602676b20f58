// Branches as users see them: a customer's offices listed by name, created, changed, deleted (their
// work addresses stay, with no branch) and merged within one customer (work addresses move), with
// the same visibility and role rules as the customer's other details.
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const BRANCH_FIELDS = `id name phone email line1 town postcode country formatted version customer { id }`;
const CREATE = `mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { ${BRANCH_FIELDS} } userErrors { field code message } } }`;
const UPDATE = `mutation($input: UpdateBranchInput!) { updateBranch(input: $input) { branch { ${BRANCH_FIELDS} } userErrors { field code message } } }`;
const DELETE = `mutation($input: DeleteBranchInput!) { deleteBranch(input: $input) { deletedBranchId userErrors { field code message } } }`;
const MERGE = `mutation($input: MergeBranchesInput!) { mergeBranches(input: $input) {
  branch { id version workAddresses { totalCount nodes { line1 } } } deletedBranchId userErrors { field code message } } }`;
const CREATE_WORK_ADDRESS = `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`;
const BRANCHES = `query($id: ID!) { customer(id: $id) { branches { id name workAddresses { totalCount nodes { line1 } } } } }`;

async function customer(name: string, token = org.adminToken): Promise<string> {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name }) }, token);
  expect(res.data!.createCustomer.userErrors).toEqual([]);
  return res.data!.createCustomer.customer.id;
}

async function branch(customerId: string, name: string, token = org.adminToken): Promise<string> {
  const res = await server.graphql(CREATE, { input: { customerId, name, line1: `${name} House` } }, token);
  expect(res.data!.createBranch.userErrors).toEqual([]);
  return res.data!.createBranch.branch.id;
}

async function workAddress(customerId: string, line1: string, branchId: string | null): Promise<string> {
  const res = await server.graphql(CREATE_WORK_ADDRESS, { input: { customerId, line1, branchId } }, org.adminToken);
  expect(res.data!.createWorkAddress.userErrors).toEqual([]);
  return res.data!.createWorkAddress.workAddress.id;
}

async function branchesOf(customerId: string) {
  const res = await server.graphql(BRANCHES, { id: customerId }, org.adminToken);
  expect(res.errors).toBeUndefined();
  return res.data!.customer.branches as Array<{ id: string; name: string; workAddresses: { totalCount: number; nodes: Array<{ line1: string }> } }>;
}

it('creates and changes branches, listed by name', async () => {
  const customerId = await customer('Estate Agents Ltd');
  const created = await server.graphql(
    CREATE,
    {
      input: {
        customerId,
        name: 'Redland',
        phone: '+441179460000',
        email: 'redland@agents.test',
        line1: '10 High Street',
        town: 'Bristol',
        postcode: 'bs6 6aa',
      },
    },
    org.adminToken,
  );
  expect(created.data!.createBranch.userErrors).toEqual([]);
  const redland = created.data!.createBranch.branch;
  expect(redland).toMatchObject({
    name: 'Redland',
    phone: '+441179460000',
    email: 'redland@agents.test',
    postcode: 'BS6 6AA',
    country: 'GB',
    formatted: '10 High Street, Bristol, BS6 6AA, GB',
    version: 1,
    customer: { id: customerId },
  });
  await branch(customerId, 'clifton');
  await branch(customerId, 'Bedminster');
  expect((await branchesOf(customerId)).map((b) => b.name)).toEqual(['Bedminster', 'clifton', 'Redland']);

  const updated = await server.graphql(UPDATE, { input: { id: redland.id, expectedVersion: 1, name: 'Redland & Cotham', phone: null } }, org.adminToken);
  expect(updated.data!.updateBranch.branch).toMatchObject({ name: 'Redland & Cotham', phone: null, email: 'redland@agents.test', version: 2 });
  const stale = await server.graphql(UPDATE, { input: { id: redland.id, expectedVersion: 1, name: 'Again' } }, org.adminToken);
  expect(errorCodes(stale.data!.updateBranch.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
});

it('refuses bad input, naming the field, and writes nothing', async () => {
  const customerId = await customer('Careful Agents Ltd');
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ name: ' ' }, ['input.name:REQUIRED']],
    [{ line1: '' }, ['input.line1:REQUIRED']],
    [{ phone: '0117 946 0000' }, ['input.phone:INVALID']],
    [{ email: 'nope' }, ['input.email:INVALID']],
  ];
  for (const [input, expected] of cases) {
    const res = await server.graphql(CREATE, { input: { customerId, name: 'Branch', line1: '1 Road', ...input } }, org.adminToken);
    expect(errorCodes(res.data!.createBranch.userErrors)).toEqual(expected);
    expect(res.data!.createBranch.branch).toBeNull();
  }
  const wrongOwner = await server.graphql(CREATE, { input: { customerId: ref.types.Company, name: 'Branch', line1: '1 Road' } }, org.adminToken);
  expect(errorCodes(wrongOwner.data!.createBranch.userErrors)).toEqual(['input.customerId:INVALID']);
  expect(await branchesOf(customerId)).toEqual([]);

  const id = await branch(customerId, 'Kept');
  const blank = await server.graphql(UPDATE, { input: { id, name: '', town: 'Bath' } }, org.adminToken);
  expect(errorCodes(blank.data!.updateBranch.userErrors)).toEqual(['input.name:REQUIRED']);
  expect((await branchesOf(customerId)).map((b) => b.name)).toEqual(['Kept']);
});

it('deletes a branch; its work addresses stay, with no branch', async () => {
  const customerId = await customer('Deleting Agents Ltd');
  const doomed = await branch(customerId, 'Doomed');
  const workAddressId = await workAddress(customerId, '1 Survivor Road', doomed);
  const res = await server.graphql(DELETE, { input: { id: doomed, expectedVersion: 1 } }, org.adminToken);
  expect(res.data!.deleteBranch).toEqual({ deletedBranchId: doomed, userErrors: [] });
  expect(await branchesOf(customerId)).toEqual([]);
  const read = await server.graphql(
    `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on WorkAddress { line1 branch { id } version history { nodes { action } } } } }`,
    { ids: [workAddressId, doomed] },
    org.adminToken,
  );
  expect(read.data!.nodes).toEqual([
    {
      id: workAddressId,
      line1: '1 Survivor Road',
      branch: null,
      version: 2,
      history: { nodes: [{ action: 'workAddress.update' }, { action: 'workAddress.create' }] },
    },
    null,
  ]);
  const again = await server.graphql(DELETE, { input: { id: doomed } }, org.adminToken);
  expect(errorCodes(again.data!.deleteBranch.userErrors)).toEqual(['input.id:NOT_FOUND']);
});

it("merges two of one customer's branches: work addresses move, the other goes, all audited", async () => {
  const customerId = await customer('Merging Agents Ltd');
  const survivor = await branch(customerId, 'Survivor');
  const other = await branch(customerId, 'Other');
  await workAddress(customerId, 'S1', survivor);
  await workAddress(customerId, 'O1', other);
  await workAddress(customerId, 'O2', other);
  const res = await server.graphql(MERGE, { input: { survivorId: survivor, otherId: other, idempotencyKey: 'merge-branches' } }, org.adminToken);
  // A retry (the first response lost on the way) gets the same answer, not "no branch with this ID".
  const retry = await server.graphql(MERGE, { input: { survivorId: survivor, otherId: other, idempotencyKey: 'merge-branches' } }, org.adminToken);
  expect(retry.data!.mergeBranches).toEqual(res.data!.mergeBranches);
  expect(res.data!.mergeBranches).toEqual({
    branch: { id: survivor, version: 2, workAddresses: { totalCount: 3, nodes: [{ line1: 'S1' }, { line1: 'O1' }, { line1: 'O2' }] } },
    deletedBranchId: other,
    userErrors: [],
  });
  expect((await branchesOf(customerId)).map((b) => b.name)).toEqual(['Survivor']);
  const trail = await server.graphql(`query($id: ID!) { customer(id: $id) { auditTrail(first: 5) { nodes { action } } } }`, { id: customerId }, org.adminToken);
  expect(trail.data!.customer.auditTrail.nodes.map((e: any) => e.action).slice(0, 4)).toEqual(
    expect.arrayContaining(['branch.merge', 'workAddress.update', 'workAddress.update']),
  );
});

it('refuses to merge branches of different customers, or a branch into itself, and moves nothing', async () => {
  const first = await customer('First Agents Ltd');
  const second = await customer('Second Agents Ltd');
  const a = await branch(first, 'A');
  const b = await branch(second, 'B');
  await workAddress(second, 'B1', b);
  const across = await server.graphql(MERGE, { input: { survivorId: a, otherId: b } }, org.adminToken);
  expect(errorCodes(across.data!.mergeBranches.userErrors)).toEqual(['input.otherId:INVALID']);
  expect(across.data!.mergeBranches.branch).toBeNull();
  const self = await server.graphql(MERGE, { input: { survivorId: a, otherId: a } }, org.adminToken);
  expect(errorCodes(self.data!.mergeBranches.userErrors)).toEqual(['input.otherId:INVALID']);
  const notBranch = await server.graphql(MERGE, { input: { survivorId: a, otherId: first } }, org.adminToken);
  expect(errorCodes(notBranch.data!.mergeBranches.userErrors)).toEqual(['input.otherId:INVALID']);
  expect(await branchesOf(first)).toEqual([{ id: a, name: 'A', workAddresses: { totalCount: 0, nodes: [] } }]);
  expect(await branchesOf(second)).toEqual([{ id: b, name: 'B', workAddresses: { totalCount: 1, nodes: [{ line1: 'B1' }] } }]);
});

describe('who may', () => {
  it('refuses a sales user who does not own the customer with NOT_FOUND', async () => {
    const sales = await org.tokenFor('SALES');
    const customerId = await customer('Not Yours Ltd');
    const a = await branch(customerId, 'A');
    const b = await branch(customerId, 'B');
    const create = await server.graphql(CREATE, { input: { customerId, name: 'Mine now', line1: '1 Road' } }, sales);
    expect(errorCodes(create.data!.createBranch.userErrors)).toEqual(['input.customerId:NOT_FOUND']);
    const update = await server.graphql(UPDATE, { input: { id: a, name: 'Renamed' } }, sales);
    expect(errorCodes(update.data!.updateBranch.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const del = await server.graphql(DELETE, { input: { id: a } }, sales);
    expect(errorCodes(del.data!.deleteBranch.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const merge = await server.graphql(MERGE, { input: { survivorId: a, otherId: b } }, sales);
    expect(errorCodes(merge.data!.mergeBranches.userErrors)).toEqual([expect.stringMatching(/^input\.(survivorId|otherId):NOT_FOUND$/)]);
    expect((await branchesOf(customerId)).map((x) => x.name)).toEqual(['A', 'B']);

    // Their own customer's branches are theirs to manage.
    const own = await customer('Yours Ltd', sales);
    const mine = await branch(own, 'Mine', sales);
    const renamed = await server.graphql(UPDATE, { input: { id: mine, name: 'Still mine' } }, sales);
    expect(renamed.data!.updateBranch.branch.name).toBe('Still mine');
  });

  it('refuses READ_ONLY users with FORBIDDEN, though they read branches', async () => {
    const readOnly = await org.tokenFor('READ_ONLY');
    const customerId = await customer('Look Only Ltd');
    const a = await branch(customerId, 'A');
    const b = await branch(customerId, 'B');
    const attempts: Array<[string, Record<string, unknown>]> = [
      [CREATE, { customerId, name: 'C', line1: '1 Road' }],
      [UPDATE, { id: a, name: 'Renamed' }],
      [DELETE, { id: a }],
      [MERGE, { survivorId: a, otherId: b }],
    ];
    for (const [mutation, input] of attempts) {
      const res = await server.graphql(mutation, { input }, readOnly);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
    const read = await server.graphql(BRANCHES, { id: customerId }, readOnly);
    expect(read.data!.customer.branches.map((x: any) => x.name)).toEqual(['A', 'B']);
  });
});
