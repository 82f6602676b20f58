// Branches and work addresses of another organisation: every ID argument of this area's mutations
// and lists, given the other organisation's IDs, finds nothing and changes nothing.
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;
let other: TestOrganisation;
type Records = { customerId: string; branchId: string; secondBranchId: string; workAddressId: string };
let mine: Records;
let theirs: Records;

async function populate(org: TestOrganisation): Promise<Records> {
  const ref = await readReference(server, org.adminToken);
  const customer = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Twin Lettings' }) }, org.adminToken);
  const customerId = customer.data!.createCustomer.customer.id;
  const branch = async (name: string) =>
    (
      await server.graphql(
        `mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { id } } }`,
        { input: { customerId, name, line1: '1 Twin St' } },
        org.adminToken,
      )
    ).data!.createBranch.branch.id;
  const branchId = await branch('Twin');
  const secondBranchId = await branch('Twin Two');
  const wa = await server.graphql(
    `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } } }`,
    { input: { customerId, branchId, line1: '2 Twin Rd' } },
    org.adminToken,
  );
  return { customerId, branchId, secondBranchId, workAddressId: wa.data!.createWorkAddress.workAddress.id };
}

const SNAPSHOT = `query($id: ID!) { customer(id: $id) { branches { id name version workAddresses { nodes { id } } }
  workAddresses { nodes { id line1 version status branch { id } landlord { id } } } } }`;

beforeAll(async () => {
  server = await startTestServer();
  acme = await createTestOrganisation(server, 'Acme Services');
  other = await createTestOrganisation(server, 'Other Services');
  mine = await populate(acme);
  theirs = await populate(other);
});
afterAll(() => server.close());

it("finds none of the other organisation's branches and work addresses, and changes none", async () => {
  const before = await server.graphql(SNAPSHOT, { id: theirs.customerId }, other.adminToken);
  const calls: Array<[string, string, Record<string, unknown>, string[]]> = [
    ['createBranch', 'CreateBranchInput', { customerId: theirs.customerId, name: 'X', line1: 'X' }, ['input.customerId:NOT_FOUND']],
    ['updateBranch', 'UpdateBranchInput', { id: theirs.branchId, name: 'X' }, ['input.id:NOT_FOUND']],
    ['deleteBranch', 'DeleteBranchInput', { id: theirs.branchId }, ['input.id:NOT_FOUND']],
    ['mergeBranches', 'MergeBranchesInput', { survivorId: mine.branchId, otherId: theirs.branchId }, ['input.otherId:NOT_FOUND']],
    ['mergeBranches', 'MergeBranchesInput', { survivorId: theirs.branchId, otherId: mine.branchId }, ['input.survivorId:NOT_FOUND']],
    ['createWorkAddress', 'CreateWorkAddressInput', { customerId: theirs.customerId, line1: 'X' }, ['input.customerId:NOT_FOUND']],
    ['createWorkAddress', 'CreateWorkAddressInput', { customerId: mine.customerId, branchId: theirs.branchId, line1: 'X' }, ['input.branchId:NOT_FOUND']],
    ['createWorkAddress', 'CreateWorkAddressInput', { customerId: mine.customerId, landlordId: theirs.customerId, line1: 'X' }, ['input.landlordId:NOT_FOUND']],
    ['updateWorkAddress', 'UpdateWorkAddressInput', { id: theirs.workAddressId, line1: 'X' }, ['input.id:NOT_FOUND']],
    ['updateWorkAddress', 'UpdateWorkAddressInput', { id: mine.workAddressId, branchId: theirs.branchId }, ['input.branchId:NOT_FOUND']],
    ['updateWorkAddress', 'UpdateWorkAddressInput', { id: mine.workAddressId, landlordId: theirs.customerId }, ['input.landlordId:NOT_FOUND']],
  ];
  for (const [mutation, inputType, input, expected] of calls) {
    const res = await server.graphql(
      `mutation($input: ${inputType}!) { ${mutation}(input: $input) { userErrors { field code } } }`,
      { input },
      acme.adminToken,
    );
    expect([mutation, errorCodes(res.data![mutation].userErrors)]).toEqual([mutation, expected]);
  }
  const nodes = await server.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [theirs.branchId, theirs.workAddressId] }, acme.adminToken);
  expect(nodes.data!.nodes).toEqual([null, null]);
  const filtered = await server.graphql(
    `query($id: ID!, $branchId: ID!) { customer(id: $id) { workAddresses(filter: { branchId: $branchId }) { totalCount } } }`,
    { id: mine.customerId, branchId: theirs.branchId },
    acme.adminToken,
  );
  expect(filtered.data!.customer.workAddresses.totalCount).toBe(0);
  const after = await server.graphql(SNAPSHOT, { id: theirs.customerId }, other.adminToken);
  expect(after.data).toEqual(before.data);
});
