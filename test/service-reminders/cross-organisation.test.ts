// Service reminders of another organisation: its types and reminders are not listed, not found by
// node(), not usable in this organisation's mutations, and never changed. (Both organisations have a
// type named "Twin service": names are unique per organisation only.)
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let acme: TestOrganisation;
let other: TestOrganisation;
type Records = { customerId: string; workAddressId: string; assetId: string; typeId: string; reminderId: string };
let mine: Records;
let theirs: Records;

async function make(org: TestOrganisation, mutation: string, input: Record<string, unknown>): Promise<any> {
  const res = await server.graphql(mutation, { input }, org.adminToken);
  expect(res.errors).toBeUndefined();
  const payload = Object.values(res.data!)[0] as { userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
  return payload;
}

async function populate(org: TestOrganisation): Promise<Records> {
  const ref = await readReference(server, org.adminToken);
  const customer = await make(org, CREATE_CUSTOMER, customerInput(ref, { name: 'Twin Lettings' }));
  const customerId = customer.customer.id;
  const wa = await make(org, `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { code } } }`, {
    customerId,
    line1: '2 Twin Rd',
  });
  const workAddressId = wa.workAddress.id;
  const asset = await make(org, `mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { code } } }`, {
    customerId,
    workAddressId,
    description: 'Twin boiler',
  });
  const type = await make(
    org,
    `mutation($input: CreateServiceReminderTypeInput!) { createServiceReminderType(input: $input) { serviceReminderType { id } userErrors { code } } }`,
    { name: 'Twin service', defaultIntervalMonths: 12 },
  );
  const typeId = type.serviceReminderType.id;
  const reminder = await make(
    org,
    `mutation($input: CreateServiceReminderInput!) { createServiceReminder(input: $input) { serviceReminder { id } userErrors { code } } }`,
    {
      workAddressId,
      assetId: asset.asset.id,
      typeId,
      dueDate: '2030-06-01',
    },
  );
  return { customerId, workAddressId, assetId: asset.asset.id, typeId, reminderId: reminder.serviceReminder.id };
}

const SNAPSHOT = `query($wa: ID!, $types: [ID!]!) {
  node(id: $wa) { ... on WorkAddress { serviceReminders { nodes { id dueDate intervalMonths notes version asset { id } type { id } } } } }
  types: nodes(ids: $types) { ... on ServiceReminderType { id name archived version } }
  serviceReminderTypes(includeArchived: true) { nodes { id } }
  dueServiceReminders(from: "2030-01-01", to: "2030-12-31") { nodes { id } } }`;

beforeAll(async () => {
  server = await startTestServer();
  acme = await createTestOrganisation(server, 'Acme Services');
  other = await createTestOrganisation(server, 'Other Services');
  mine = await populate(acme);
  theirs = await populate(other);
});
afterAll(() => server.close());

it("lists, finds and changes none of the other organisation's reminder types and reminders", async () => {
  const before = await server.graphql(SNAPSHOT, { wa: theirs.workAddressId, types: [theirs.typeId] }, other.adminToken);
  expect(before.data!.dueServiceReminders.nodes).toEqual([{ id: theirs.reminderId }]);

  const seen = await server.graphql(SNAPSHOT, { wa: theirs.workAddressId, types: [theirs.typeId] }, acme.adminToken);
  expect(seen.errors).toBeUndefined();
  expect(seen.data!.node).toBeNull();
  expect(seen.data!.types).toEqual([null]);
  expect(seen.data!.serviceReminderTypes.nodes).toEqual([{ id: mine.typeId }]);
  expect(seen.data!.dueServiceReminders.nodes).toEqual([{ id: mine.reminderId }]);
  const reminderNode = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: theirs.reminderId }, acme.adminToken);
  expect(reminderNode.data!.node).toBeNull();
  const filtered = await server.graphql(
    `query($t: ID!) { dueServiceReminders(from: "2030-01-01", to: "2030-12-31", typeId: $t) { totalCount } }`,
    { t: theirs.typeId },
    acme.adminToken,
  );
  expect(filtered.data!.dueServiceReminders.totalCount).toBe(0);

  const base = { workAddressId: mine.workAddressId, typeId: mine.typeId, dueDate: '2030-07-01' };
  const calls: Array<[string, string, Record<string, unknown>, string[]]> = [
    ['createServiceReminder', 'CreateServiceReminderInput', { ...base, workAddressId: theirs.workAddressId }, ['input.workAddressId:NOT_FOUND']],
    ['createServiceReminder', 'CreateServiceReminderInput', { ...base, typeId: theirs.typeId }, ['input.typeId:NOT_FOUND']],
    ['createServiceReminder', 'CreateServiceReminderInput', { ...base, assetId: theirs.assetId }, ['input.assetId:NOT_FOUND']],
    ['updateServiceReminder', 'UpdateServiceReminderInput', { id: theirs.reminderId, notes: 'X' }, ['input.id:NOT_FOUND']],
    ['updateServiceReminder', 'UpdateServiceReminderInput', { id: mine.reminderId, typeId: theirs.typeId }, ['input.typeId:NOT_FOUND']],
    ['updateServiceReminder', 'UpdateServiceReminderInput', { id: mine.reminderId, assetId: theirs.assetId }, ['input.assetId:NOT_FOUND']],
    ['deleteServiceReminder', 'DeleteServiceReminderInput', { id: theirs.reminderId }, ['input.id:NOT_FOUND']],
    ['updateServiceReminderType', 'UpdateServiceReminderTypeInput', { id: theirs.typeId, archived: true }, ['input.id:NOT_FOUND']],
  ];
  for (const [mutation, inputType, input, expected] of calls) {
    const res = await server.graphql(
      `mutation($input: ${inputType}!) { ${mutation}(input: $input) { userErrors { field code } } }`,
      { input },
      acme.adminToken,
    );
    expect([mutation, errorCodes(res.data![mutation].userErrors)]).toEqual([mutation, expected]);
  }
  const after = await server.graphql(SNAPSHOT, { wa: theirs.workAddressId, types: [theirs.typeId] }, other.adminToken);
  expect(after.data).toEqual(before.data);
});
