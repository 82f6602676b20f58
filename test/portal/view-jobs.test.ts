// VIEW_JOBS (docs/domain.md#portal-tokens): a portal token holding it reads its own customer's jobs,
// estimates, work addresses and service reminders, through the customer's lists and node/nodes; one
// without it reads none of them; no token ever reaches another customer's, nor the assets, branches
// or history beside them.
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

type Made = { customerId: string; workAddressId: string; jobId: string; estimateId: string; reminderId: string; assetId: string };
let mine: Made;
let neighbour: Made;
let withJobs: string;
let withoutJobs: string;

async function record(name: string, typeId: string): Promise<Made> {
  const customerId = await createCustomer(name);
  const branchId = (await mutate('createBranch', { customerId, name: `${name} branch`, line1: '2 Branch St', postcode: 'BS2 2BB' }, 'branch { id }')).branch.id;
  const workAddressId = (await mutate('createWorkAddress', { customerId, branchId, line1: `1 ${name} Road`, postcode: 'BS1 1AA' }, 'workAddress { id }'))
    .workAddress.id;
  const jobId = (await mutate('createJob', { customerId, workAddressId, description: `${name} boiler service` }, 'job { id }')).job.id;
  const estimateId = (
    await mutate('createEstimate', { customerId, workAddressId, description: `${name} new boiler`, amount: { amountMinor: 250000 } }, 'estimate { id }')
  ).estimate.id;
  const assetId = (await mutate('createAsset', { customerId, workAddressId, description: 'Boiler' }, 'asset { id }')).asset.id;
  const reminderId = (await mutate('createServiceReminder', { workAddressId, typeId, assetId, dueDate: '2030-05-01' }, 'serviceReminder { id }'))
    .serviceReminder.id;
  return { customerId, workAddressId, jobId, estimateId, reminderId, assetId };
}

async function portalToken(customerId: string, permissions: string[]): Promise<string> {
  return (await mutate('createPortalToken', { customerId, name: 'Portal', permissions }, 'token')).token;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  const typeId = (await mutate('createServiceReminderType', { name: 'Gas safety', defaultIntervalMonths: 12 }, 'serviceReminderType { id }'))
    .serviceReminderType.id;
  mine = await record('Mine', typeId);
  neighbour = await record('Neighbour', typeId);
  withJobs = await portalToken(mine.customerId, ['VIEW_JOBS']);
  withoutJobs = await portalToken(mine.customerId, ['VIEW_INVOICES', 'VIEW_STATEMENTS', 'PAY', 'UPDATE_CONTACT_DETAILS']);
});
afterAll(() => server.close());

const TABS = `query ($id: ID!) { customer(id: $id) {
  jobs { totalCount nodes { id description status workAddress { id } customer { id name } } }
  estimates { totalCount nodes { id description amount { amountMinor } workAddress { id line1 } } }
  workAddresses { totalCount nodes { id line1 landlord { id } serviceReminders { totalCount nodes { id dueDate type { name } } } } }
} }`;

describe('a portal token with VIEW_JOBS', () => {
  it("reads its customer's jobs, estimates, work addresses and their reminders", async () => {
    const res = await server.graphql(TABS, { id: mine.customerId }, withJobs);
    expect(res.errors).toBeUndefined();
    const c = res.data!.customer;
    expect(c.jobs).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: mine.jobId,
          description: 'Mine boiler service',
          status: 'OPEN',
          workAddress: { id: mine.workAddressId },
          customer: { id: mine.customerId, name: 'Mine' },
        },
      ],
    });
    expect(c.estimates.nodes).toEqual([
      { id: mine.estimateId, description: 'Mine new boiler', amount: { amountMinor: 250000 }, workAddress: { id: mine.workAddressId, line1: '1 Mine Road' } },
    ]);
    expect(c.workAddresses.nodes).toEqual([
      {
        id: mine.workAddressId,
        line1: '1 Mine Road',
        landlord: null,
        serviceReminders: { totalCount: 1, nodes: [{ id: mine.reminderId, dueDate: '2030-05-01', type: { name: 'Gas safety' } }] },
      },
    ]);
  });

  it('reads them by node and nodes, and never another customer’s', async () => {
    const ids = [mine.jobId, mine.estimateId, mine.workAddressId, mine.reminderId];
    const own = await gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids }, withJobs);
    expect(own.nodes).toEqual(ids.map((id) => ({ id })));
    const theirs = [neighbour.jobId, neighbour.estimateId, neighbour.workAddressId, neighbour.reminderId];
    const other = await gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: theirs }, withJobs);
    expect(other.nodes).toEqual([null, null, null, null]);
    const job = await gql(`query ($id: ID!) { node(id: $id) { id ... on Job { description } } }`, { id: neighbour.jobId }, withJobs);
    expect(job.node).toBeNull();
    const customer = await server.graphql(TABS, { id: neighbour.customerId }, withJobs);
    expect(customer.data).toEqual({ customer: null });
  });

  it('reads nothing else beside them: assets, branches, history, other pipeline records, lists', async () => {
    const refusals = [
      `query ($id: ID!) { node(id: $id) { ... on WorkAddress { assets { totalCount } } } }`,
      `query ($id: ID!) { node(id: $id) { ... on WorkAddress { branch { id } } } }`,
      `query ($id: ID!) { node(id: $id) { ... on WorkAddress { history { totalCount } } } }`,
    ];
    for (const query of refusals) {
      const res = await server.graphql(query, { id: mine.workAddressId }, withJobs);
      expect({ query, code: res.errors?.[0]?.extensions?.code }).toEqual({ query, code: 'FORBIDDEN' });
    }
    const asset = await server.graphql(`query ($id: ID!) { node(id: $id) { ... on ServiceReminder { asset { id } } } }`, { id: mine.reminderId }, withJobs);
    expect(asset.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const assetNode = await gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: mine.assetId }, withJobs);
    expect(assetNode.node).toBeNull();
    for (const query of [
      `query ($id: ID!) { customer(id: $id) { salesOrders { totalCount } } }`,
      `query ($id: ID!) { customer(id: $id) { quotes { totalCount } } }`,
      `query ($id: ID!) { customer(id: $id) { assets { totalCount } } }`,
      `query { dueServiceReminders(from: "2000-01-01", to: "2100-01-01") { totalCount } }`,
    ]) {
      const res = await server.graphql(query, { id: mine.customerId }, withJobs);
      expect({ query, code: res.errors?.[0]?.extensions?.code }).toEqual({ query, code: expect.stringMatching(/FORBIDDEN|GRAPHQL_VALIDATION_FAILED/) });
    }
  });

  it('changes nothing: the lifecycle moves are for users', async () => {
    const res = await server.graphql(`mutation ($input: CancelJobInput!) { cancelJob(input: $input) { job { id } } }`, { input: { id: mine.jobId } }, withJobs);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('a portal token without VIEW_JOBS', () => {
  it("reads none of its customer's jobs, estimates, work addresses or reminders", async () => {
    for (const field of ['jobs { totalCount }', 'estimates { totalCount }', 'workAddresses { totalCount }']) {
      const res = await server.graphql(`query ($id: ID!) { customer(id: $id) { name ${field} } }`, { id: mine.customerId }, withoutJobs);
      expect({ field, code: res.errors?.[0]?.extensions?.code }).toEqual({ field, code: 'FORBIDDEN' });
    }
    const nodes = await gql(
      `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: [mine.jobId, mine.estimateId, mine.workAddressId, mine.reminderId] },
      withoutJobs,
    );
    expect(nodes.nodes).toEqual([null, null, null, null]);
    // Its customer itself it still reads.
    const own = await gql(`query ($id: ID!) { customer(id: $id) { name } }`, { id: mine.customerId }, withoutJobs);
    expect(own.customer).toEqual({ name: 'Mine' });
  });
});
