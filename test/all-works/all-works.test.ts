// All Works (docs/domain.md#all-works): a work address's and a customer's history of jobs, estimates,
// service reminders and reminder decisions, newest first, keyset paged, filtered by kind and time, one
// statement per page however many parents, and only for those who see the record.
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

async function ok(query: string, input: Record<string, unknown>) {
  const res = await server.graphql(query, { input }, org.adminToken);
  expect(res.errors).toBeUndefined();
  const payload = Object.values(res.data!)[0] as any;
  expect(payload.userErrors).toEqual([]);
  return payload;
}

const ENTRY = `kind occurredAt item { __typename ... on Job { id description } ... on Estimate { id description } ... on ServiceReminder { id dueDate } ... on ServiceReminderDecision { id decision } }`;
const HISTORY = `query($id: ID!, $first: Int, $after: String, $kinds: [WorkHistoryKind!], $from: DateTime, $before: DateTime) { node(id: $id) {
  ... on WorkAddress { allWorks(first: $first, after: $after, kinds: $kinds, occurredFrom: $from, occurredBefore: $before) { totalCount pageInfo { hasNextPage endCursor } nodes { ${ENTRY} } } }
  ... on Customer { allWorks(first: $first, after: $after, kinds: $kinds, occurredFrom: $from, occurredBefore: $before) { totalCount pageInfo { hasNextPage endCursor } nodes { ${ENTRY} } } } } }`;

async function history(id: string, vars: Record<string, unknown> = {}, token = org.adminToken) {
  const res = await server.graphql(HISTORY, { id, ...vars }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.node?.allWorks;
}
const labels = (h: any) => h.nodes.map((n: any) => `${n.kind}:${n.item.description ?? n.item.decision ?? n.item.dueDate}`);

let customerId: string;
let home: string;
let garage: string;

beforeAll(async () => {
  const c = await ok(CREATE_CUSTOMER, customerInput(ref, { name: 'History Lettings' }));
  customerId = c.customer.id;
  const wa = (line1: string) =>
    ok(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`, {
      customerId,
      line1,
    });
  home = (await wa('1 Home Road')).workAddress.id;
  garage = (await wa('2 Garage Lane')).workAddress.id;
  const job = (workAddressId: string, description: string) =>
    ok(`mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } userErrors { field code } } }`, { customerId, workAddressId, description });
  await job(home, 'Fit boiler');
  await ok(`mutation($input: CreateEstimateInput!) { createEstimate(input: $input) { estimate { id } userErrors { field code } } }`, {
    customerId,
    workAddressId: home,
    description: 'New radiators',
    amount: { amountMinor: 120000 },
  });
  const type = await ok(
    `mutation($input: CreateServiceReminderTypeInput!) { createServiceReminderType(input: $input) { serviceReminderType { id } userErrors { field code } } }`,
    { name: 'Boiler service', defaultIntervalMonths: 12 },
  );
  const reminder = await ok(
    `mutation($input: CreateServiceReminderInput!) { createServiceReminder(input: $input) { serviceReminder { id } userErrors { field code } } }`,
    { workAddressId: home, typeId: type.serviceReminderType.id, dueDate: '2050-05-01' },
  );
  await job(garage, 'Garage door');
  await ok(`mutation($input: DecideServiceRemindersInput!) { decideServiceReminders(input: $input) { results { decided } userErrors { field code } } }`, {
    items: [{ reminderId: reminder.serviceReminder.id, decision: 'AUTHORISE', accessMethod: 'OCCUPIER' }],
  });
});

it("lists a work address's jobs, estimates, reminders and decisions newest first, paged", async () => {
  const all = await history(home, { first: 10 });
  expect(all.totalCount).toBe(5);
  // The authorisation raised its job just before the decision was written.
  expect(labels(all)).toEqual([
    'SERVICE_REMINDER_DECISION:AUTHORISE',
    'JOB:Boiler service',
    'SERVICE_REMINDER:2051-05-01',
    'ESTIMATE:New radiators',
    'JOB:Fit boiler',
  ]);
  expect(all.nodes.map((n: any) => n.item.__typename)).toEqual(['ServiceReminderDecision', 'Job', 'ServiceReminder', 'Estimate', 'Job']);
  const times = all.nodes.map((n: any) => n.occurredAt);
  expect([...times].sort().reverse()).toEqual(times);

  const first = await history(home, { first: 2 });
  expect(labels(first)).toEqual(labels(all).slice(0, 2));
  expect(first.pageInfo.hasNextPage).toBe(true);
  const second = await history(home, { first: 2, after: first.pageInfo.endCursor });
  expect(labels(second)).toEqual(labels(all).slice(2, 4));
  const third = await history(home, { first: 2, after: second.pageInfo.endCursor });
  expect(labels(third)).toEqual(labels(all).slice(4));
  expect(third.pageInfo.hasNextPage).toBe(false);
});

it('filters by kind and by time', async () => {
  const jobs = await history(home, { kinds: ['JOB'] });
  expect(labels(jobs)).toEqual(['JOB:Boiler service', 'JOB:Fit boiler']);
  expect(jobs.totalCount).toBe(2);
  const some = await history(home, { kinds: ['ESTIMATE', 'SERVICE_REMINDER'] });
  expect(labels(some)).toEqual(['SERVICE_REMINDER:2051-05-01', 'ESTIMATE:New radiators']);

  const all = await history(home);
  const reminderAt = all.nodes[2].occurredAt;
  const since = await history(home, { from: reminderAt });
  expect(labels(since)).toEqual(labels(all).slice(0, 3));
  expect(since.totalCount).toBe(3);
  const earlier = await history(home, { before: reminderAt });
  expect(labels(earlier)).toEqual(labels(all).slice(3));
});

it("lists the customer's history across its work addresses", async () => {
  const all = await history(customerId, { first: 10 });
  expect(all.totalCount).toBe(6);
  expect(labels(all)).toContain('JOB:Garage door');
  const garageOnly = await history(garage);
  expect(labels(garageOnly)).toEqual(['JOB:Garage door']);
});

it('costs the same statements for 2 and 6 work addresses, and shows nothing to a sales user who does not see the customer', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const wa = await ok(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`, {
      customerId,
      line1: `${i} Batch Street`,
    });
    ids.push(wa.workAddress.id);
    await ok(`mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } userErrors { field code } } }`, {
      customerId,
      workAddressId: wa.workAddress.id,
      description: `Job ${i}`,
    });
  }
  const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on WorkAddress { allWorks(first: 5) { totalCount nodes { ${ENTRY} } } } } }`;
  const two = await server.graphql(query, { ids: ids.slice(0, 2) }, org.adminToken);
  const six = await server.graphql(query, { ids }, org.adminToken);
  expect(six.errors).toBeUndefined();
  expect(six.data!.nodes.map((n: any) => labels(n.allWorks))).toEqual(ids.map((_id, i) => [`JOB:Job ${i}`]));
  expect(six.statements).toBe(two.statements);

  const sales = await org.tokenFor('SALES');
  expect(await history(home, {}, sales)).toBeUndefined();
  expect(await history(customerId, {}, sales)).toBeUndefined();
});
