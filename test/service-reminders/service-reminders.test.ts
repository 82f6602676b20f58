// Service reminders as users see them (docs/domain.md#service-reminders): reminder types per organisation (unique names, intervals,
// archiving; admins and managers), reminders at work addresses (validation naming the field, the asset
// at the same work address, no new reminder at a dormant property, the work-address writers' roles),
// node(id:), audit entries, the due list with each of its exclusions, and batched lists.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const TYPE_FIELDS = 'id name defaultIntervalMonths archived version';
const CREATE_TYPE = `mutation($input: CreateServiceReminderTypeInput!) {
  createServiceReminderType(input: $input) { serviceReminderType { ${TYPE_FIELDS} } userErrors { field code message } } }`;
const UPDATE_TYPE = `mutation($input: UpdateServiceReminderTypeInput!) {
  updateServiceReminderType(input: $input) { serviceReminderType { ${TYPE_FIELDS} } userErrors { field code message } } }`;
const REMINDER_FIELDS = 'id dueDate intervalMonths notes version type { id name } workAddress { id } asset { id } customer { id }';
const CREATE = `mutation($input: CreateServiceReminderInput!) {
  createServiceReminder(input: $input) { serviceReminder { ${REMINDER_FIELDS} } userErrors { field code message } } }`;
const UPDATE = `mutation($input: UpdateServiceReminderInput!) {
  updateServiceReminder(input: $input) { serviceReminder { ${REMINDER_FIELDS} } userErrors { field code message } } }`;
const DELETE = `mutation($input: DeleteServiceReminderInput!) {
  deleteServiceReminder(input: $input) { deletedServiceReminderId userErrors { field code message } } }`;
const DUE = `query($from: Date!, $to: Date!, $typeId: ID, $branchId: ID, $businessUnitId: ID, $first: Int, $after: String) {
  dueServiceReminders(from: $from, to: $to, typeId: $typeId, branchId: $branchId, businessUnitId: $businessUnitId, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id dueDate notes } } }`;

async function gql(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as any;
}

let typeCount = 0;
async function reminderType(name = `Boiler service ${++typeCount}`, defaultIntervalMonths = 12): Promise<string> {
  const data = await gql(CREATE_TYPE, { input: { name, defaultIntervalMonths } });
  expect(data.createServiceReminderType.userErrors).toEqual([]);
  return data.createServiceReminderType.serviceReminderType.id;
}

async function customer(name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const data = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name, ...overrides }) });
  expect(data.createCustomer.userErrors).toEqual([]);
  return data.createCustomer.customer.id;
}

async function workAddress(customerId: string, input: Record<string, unknown> = {}): Promise<string> {
  const data = await gql(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`, {
    input: { customerId, line1: '1 Elm Road', ...input },
  });
  expect(data.createWorkAddress.userErrors).toEqual([]);
  return data.createWorkAddress.workAddress.id;
}

async function asset(customerId: string, workAddressId: string | null): Promise<string> {
  const data = await gql(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { field code } } }`, {
    input: { customerId, workAddressId, description: 'Combi boiler' },
  });
  expect(data.createAsset.userErrors).toEqual([]);
  return data.createAsset.asset.id;
}

async function reminder(input: Record<string, unknown>, token = org.adminToken) {
  const data = await gql(CREATE, { input }, token);
  expect(data.createServiceReminder.userErrors).toEqual([]);
  return data.createServiceReminder.serviceReminder;
}

async function auditActions(globalId: string): Promise<string[]> {
  const rows = await selectRows<{ action: string }>(
    server.database.db,
    sql`select action from audit_entries where entity_id = ${parseGlobalId(globalId)!.id} order by id`,
  );
  return rows.map((r) => r.action);
}

describe('reminder types', () => {
  it('creates, lists by name, renames, archives (hidden by default) and restores, audited', async () => {
    const created = await gql(CREATE_TYPE, { input: { name: '  Zeta gas safety check ', defaultIntervalMonths: 12 } });
    expect(created.createServiceReminderType).toMatchObject({
      serviceReminderType: { name: 'Zeta gas safety check', defaultIntervalMonths: 12, archived: false, version: 1 },
      userErrors: [],
    });
    const id = created.createServiceReminderType.serviceReminderType.id;
    await reminderType('alpha chimney sweep', 24);

    const list = await gql(`{ serviceReminderTypes(first: 100) { totalCount nodes { name } } }`, {});
    const names = list.serviceReminderTypes.nodes.map((n: { name: string }) => n.name);
    expect(names.indexOf('alpha chimney sweep')).toBeLessThan(names.indexOf('Zeta gas safety check'));

    const archived = await gql(UPDATE_TYPE, { input: { id, expectedVersion: 1, name: 'Zeta gas check', archived: true } });
    expect(archived.updateServiceReminderType).toMatchObject({ serviceReminderType: { name: 'Zeta gas check', archived: true, version: 2 }, userErrors: [] });
    const active = await gql(`{ serviceReminderTypes(first: 100) { nodes { id } } }`, {});
    expect(active.serviceReminderTypes.nodes.map((n: { id: string }) => n.id)).not.toContain(id);
    const all = await gql(`{ serviceReminderTypes(first: 100, includeArchived: true) { nodes { id archived } } }`, {});
    expect(all.serviceReminderTypes.nodes).toContainEqual({ id, archived: true });

    const stale = await gql(UPDATE_TYPE, { input: { id, expectedVersion: 1, archived: false } });
    expect(errorCodes(stale.updateServiceReminderType.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const restored = await gql(UPDATE_TYPE, { input: { id, expectedVersion: 2, archived: false } });
    expect(restored.updateServiceReminderType.serviceReminderType).toMatchObject({ archived: false, version: 3 });

    expect(await auditActions(id)).toEqual(['serviceReminderType.create', 'serviceReminderType.update', 'serviceReminderType.update']);
  });

  it('refuses a duplicate name ignoring case, a blank name and an interval out of 1..120, naming the field', async () => {
    const id = await reminderType('Legionella risk assessment');
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      [CREATE_TYPE, { name: 'LEGIONELLA RISK ASSESSMENT', defaultIntervalMonths: 12 }, ['input.name:DUPLICATE']],
      [CREATE_TYPE, { name: '   ', defaultIntervalMonths: 12 }, ['input.name:REQUIRED']],
      [CREATE_TYPE, { name: 'Too rare', defaultIntervalMonths: 121 }, ['input.defaultIntervalMonths:INVALID']],
      [CREATE_TYPE, { name: 'Too often', defaultIntervalMonths: 0 }, ['input.defaultIntervalMonths:INVALID']],
    ];
    for (const [mutation, input, expected] of cases) {
      const data = await gql(mutation, { input });
      expect(errorCodes(data.createServiceReminderType.userErrors)).toEqual(expected);
      expect(data.createServiceReminderType.serviceReminderType).toBeNull();
    }
    const other = await reminderType('Fire alarm test');
    const renamed = await gql(UPDATE_TYPE, { input: { id: other, name: 'legionella Risk Assessment' } });
    expect(errorCodes(renamed.updateServiceReminderType.userErrors)).toEqual(['input.name:DUPLICATE']);
    expect(renamed.updateServiceReminderType.userErrors[0].message).toContain('legionella Risk Assessment');
    const cleared = await gql(UPDATE_TYPE, { input: { id, name: null, defaultIntervalMonths: -1 } });
    expect(errorCodes(cleared.updateServiceReminderType.userErrors).sort()).toEqual(['input.defaultIntervalMonths:INVALID', 'input.name:REQUIRED']);
    // Renaming a type to its own name in another case is fine.
    const recased = await gql(UPDATE_TYPE, { input: { id, name: 'Legionella Risk Assessment' } });
    expect(recased.updateServiceReminderType.userErrors).toEqual([]);
  });

  it('lets admins and managers change types; others read them but are refused with FORBIDDEN', async () => {
    const manager = await gql(CREATE_TYPE, { input: { name: 'Manager type', defaultIntervalMonths: 6 } }, await org.tokenFor('MANAGER'));
    expect(manager.createServiceReminderType.userErrors).toEqual([]);
    for (const role of ['SERVICE', 'SALES', 'READ_ONLY', 'FINANCE'] as const) {
      const token = await org.tokenFor(role);
      const res = await server.graphql(CREATE_TYPE, { input: { name: `${role} type`, defaultIntervalMonths: 6 } }, token);
      expect([role, res.errors?.map((e) => e.extensions?.code)]).toEqual([role, ['FORBIDDEN']]);
      const read = await server.graphql(`{ serviceReminderTypes(first: 1) { totalCount } }`, {}, token);
      expect(read.errors).toBeUndefined();
    }
    const all = await gql(`{ serviceReminderTypes(first: 100, includeArchived: true) { nodes { name } } }`, {});
    expect(all.serviceReminderTypes.nodes.map((n: { name: string }) => n.name).filter((n: string) => n.endsWith(' type'))).toEqual(['Manager type']);
  });
});

describe('reminders', () => {
  it("creates a reminder with the type's interval, changes and deletes it, each audited, readable through node()", async () => {
    const typeId = await reminderType('Annual service', 12);
    const customerId = await customer('Reminder Lettings');
    const workAddressId = await workAddress(customerId);
    const assetId = await asset(customerId, workAddressId);
    const created = await reminder({ workAddressId, assetId, typeId, dueDate: '2027-03-01', notes: '  Key under the mat ' });
    expect(created).toMatchObject({
      dueDate: '2027-03-01',
      intervalMonths: 12,
      notes: 'Key under the mat',
      version: 1,
      type: { id: typeId, name: 'Annual service' },
      workAddress: { id: workAddressId },
      asset: { id: assetId },
      customer: { id: customerId },
    });
    expect(parseGlobalId(created.id)?.type).toBe('ServiceReminder');

    const node = await gql(`query($id: ID!) { node(id: $id) { __typename ... on ServiceReminder { id dueDate } } }`, { id: created.id });
    expect(node.node).toEqual({ __typename: 'ServiceReminder', id: created.id, dueDate: '2027-03-01' });
    const typeNode = await gql(`query($id: ID!) { node(id: $id) { ... on ServiceReminderType { name } } }`, { id: typeId });
    expect(typeNode.node).toEqual({ name: 'Annual service' });

    const updated = await gql(UPDATE, { input: { id: created.id, expectedVersion: 1, dueDate: '2027-04-01', intervalMonths: 6, notes: ' ', assetId: null } });
    expect(updated.updateServiceReminder).toMatchObject({
      serviceReminder: { dueDate: '2027-04-01', intervalMonths: 6, notes: null, asset: null, version: 2 },
      userErrors: [],
    });
    const stale = await gql(DELETE, { input: { id: created.id, expectedVersion: 1 } });
    expect(errorCodes(stale.deleteServiceReminder.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const deleted = await gql(DELETE, { input: { id: created.id, expectedVersion: 2 } });
    expect(deleted.deleteServiceReminder).toEqual({ deletedServiceReminderId: created.id, userErrors: [] });
    const gone = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: created.id });
    expect(gone.node).toBeNull();

    expect(await auditActions(created.id)).toEqual(['serviceReminder.create', 'serviceReminder.update', 'serviceReminder.delete']);
    const [entry] = await selectRows<{ actor_user_id: string; before: { dueDate: string } }>(
      server.database.db,
      sql`select actor_user_id, before from audit_entries where entity_id = ${parseGlobalId(created.id)!.id} and action = 'serviceReminder.update'`,
    );
    expect(entry!.before.dueDate).toBe('2027-03-01');
  });

  it('refuses bad input with user errors naming the field, and writes nothing', async () => {
    const typeId = await reminderType('Validation type');
    const archivedId = await reminderType('Archived type');
    await gql(UPDATE_TYPE, { input: { id: archivedId, archived: true } });
    const customerId = await customer('Validation Lettings');
    const workAddressId = await workAddress(customerId);
    const elsewhere = await workAddress(customerId, { line1: '2 Other Road' });
    const assetElsewhere = await asset(customerId, elsewhere);
    const assetNowhere = await asset(customerId, null);
    const base = { workAddressId, typeId, dueDate: '2027-01-01' };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ...base, intervalMonths: 0 }, ['input.intervalMonths:INVALID']],
      [{ ...base, intervalMonths: 121 }, ['input.intervalMonths:INVALID']],
      [{ ...base, notes: 'x'.repeat(2001) }, ['input.notes:TOO_LONG']],
      [{ ...base, typeId: workAddressId }, ['input.typeId:INVALID']],
      [{ ...base, typeId: archivedId }, ['input.typeId:INVALID_STATE']],
      [{ ...base, workAddressId: customerId }, ['input.workAddressId:INVALID']],
      [{ ...base, assetId: assetElsewhere }, ['input.assetId:INVALID']],
      [{ ...base, assetId: assetNowhere }, ['input.assetId:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const data = await gql(CREATE, { input });
      expect([input, errorCodes(data.createServiceReminder.userErrors)]).toEqual([input, expected]);
      expect(data.createServiceReminder.userErrors[0].message).toMatch(new RegExp(`^${expected[0]!.split(':')[0]!.split('.')[1]}: `));
    }
    const list = await gql(`query($id: ID!) { node(id: $id) { ... on WorkAddress { serviceReminders { totalCount } } } }`, { id: workAddressId });
    expect(list.node.serviceReminders.totalCount).toBe(0);

    const created = await reminder(base);
    const updates: Array<[Record<string, unknown>, string[]]> = [
      [{ dueDate: null }, ['input.dueDate:REQUIRED']],
      [{ typeId: null }, ['input.typeId:REQUIRED']],
      [{ intervalMonths: null }, ['input.intervalMonths:REQUIRED']],
      [{ typeId: archivedId }, ['input.typeId:INVALID_STATE']],
      [{ assetId: assetElsewhere }, ['input.assetId:INVALID']],
    ];
    for (const [input, expected] of updates) {
      const data = await gql(UPDATE, { input: { id: created.id, ...input } });
      expect([input, errorCodes(data.updateServiceReminder.userErrors)]).toEqual([input, expected]);
    }
    // A type archived after the reminder was made stays on it through other changes.
    await gql(UPDATE_TYPE, { input: { id: typeId, archived: true } });
    const kept = await gql(UPDATE, { input: { id: created.id, typeId, notes: 'still fine' } });
    expect(kept.updateServiceReminder.userErrors).toEqual([]);
    expect(await auditActions(created.id)).toEqual(['serviceReminder.create', 'serviceReminder.update']);
  });

  it('refuses a new reminder at a dormant work address', async () => {
    const typeId = await reminderType('Dormant type');
    const customerId = await customer('Dormant Property Lettings');
    const workAddressId = await workAddress(customerId, { status: 'DORMANT' });
    const data = await gql(CREATE, { input: { workAddressId, typeId, dueDate: '2027-01-01' } });
    expect(errorCodes(data.createServiceReminder.userErrors)).toEqual(['input.workAddressId:INVALID_STATE']);
  });

  it('lets the roles that change work addresses change reminders; READ_ONLY and FINANCE get FORBIDDEN', async () => {
    const typeId = await reminderType('Role type');
    const customerId = await customer('Role Lettings');
    const workAddressId = await workAddress(customerId);
    for (const role of ['MANAGER', 'SERVICE'] as const) {
      const made = await reminder({ workAddressId, typeId, dueDate: '2027-02-01' }, await org.tokenFor(role));
      const deleted = await gql(DELETE, { input: { id: made.id } }, await org.tokenFor(role));
      expect(deleted.deleteServiceReminder.userErrors).toEqual([]);
    }
    const kept = await reminder({ workAddressId, typeId, dueDate: '2027-02-01' });
    for (const role of ['READ_ONLY', 'FINANCE'] as const) {
      const token = await org.tokenFor(role);
      const create = await server.graphql(CREATE, { input: { workAddressId, typeId, dueDate: '2027-02-01' } }, token);
      expect(create.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const update = await server.graphql(UPDATE, { input: { id: kept.id, notes: 'x' } }, token);
      expect(update.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const remove = await server.graphql(DELETE, { input: { id: kept.id } }, token);
      expect(remove.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      // They still read reminders.
      const read = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: kept.id }, token);
      expect(read.data!.node).toEqual({ id: kept.id });
    }
  });

  it('shows a sales user only the reminders of customers they see', async () => {
    const typeId = await reminderType('Sales visibility type');
    const customerId = await customer('Not Sales Lettings');
    const workAddressId = await workAddress(customerId);
    const made = await reminder({ workAddressId, typeId, dueDate: '2031-05-05' });
    const sales = await org.tokenFor('SALES');
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: made.id }, sales);
    expect(node.data!.node).toBeNull();
    const due = await server.graphql(DUE, { from: '2031-05-05', to: '2031-05-05' }, sales);
    expect(due.data!.dueServiceReminders.totalCount).toBe(0);
    const update = await server.graphql(UPDATE, { input: { id: made.id, notes: 'x' } }, sales);
    expect(errorCodes(update.data!.updateServiceReminder.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const admin = await gql(DUE, { from: '2031-05-05', to: '2031-05-05' });
    expect(admin.dueServiceReminders.totalCount).toBe(1);
  });
});

describe('dueServiceReminders', () => {
  it('lists reminders due in the range, soonest first, paged, filtered by type and branch', async () => {
    const gas = await reminderType('Due gas');
    const boiler = await reminderType('Due boiler');
    const customerId = await customer('Due Lettings');
    const branchData = await gql(`mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { id } } }`, {
      input: { customerId, name: 'Due branch', line1: '1 Branch St' },
    });
    const branchId = branchData.createBranch.branch.id;
    const atBranch = await workAddress(customerId, { branchId });
    const plain = await workAddress(customerId, { line1: '3 Plain St' });
    await reminder({ workAddressId: plain, typeId: gas, dueDate: '2030-01-20', notes: 'c' });
    await reminder({ workAddressId: atBranch, typeId: boiler, dueDate: '2030-01-10', notes: 'b' });
    await reminder({ workAddressId: atBranch, typeId: gas, dueDate: '2030-01-01', notes: 'a' });
    await reminder({ workAddressId: plain, typeId: gas, dueDate: '2030-01-31', notes: 'd' });
    await reminder({ workAddressId: plain, typeId: gas, dueDate: '2029-12-31', notes: 'before' });
    await reminder({ workAddressId: plain, typeId: gas, dueDate: '2030-02-01', notes: 'after' });

    const range = { from: '2030-01-01', to: '2030-01-31' };
    const first = await gql(DUE, { ...range, first: 2 });
    expect(first.dueServiceReminders.totalCount).toBe(4);
    expect(first.dueServiceReminders.nodes.map((n: { notes: string }) => n.notes)).toEqual(['a', 'b']);
    expect(first.dueServiceReminders.pageInfo.hasNextPage).toBe(true);
    const second = await gql(DUE, { ...range, first: 2, after: first.dueServiceReminders.pageInfo.endCursor });
    expect(second.dueServiceReminders.nodes.map((n: { notes: string }) => n.notes)).toEqual(['c', 'd']);
    expect(second.dueServiceReminders.pageInfo.hasNextPage).toBe(false);

    const byType = await gql(DUE, { ...range, typeId: boiler });
    expect(byType.dueServiceReminders.nodes.map((n: { notes: string }) => n.notes)).toEqual(['b']);
    const byBranch = await gql(DUE, { ...range, branchId });
    expect(byBranch.dueServiceReminders.nodes.map((n: { notes: string }) => n.notes)).toEqual(['a', 'b']);

    const backwards = await server.graphql(DUE, { from: '2030-02-01', to: '2030-01-01' }, org.adminToken);
    expect(backwards.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const badType = await server.graphql(DUE, { ...range, typeId: branchId }, org.adminToken);
    expect(badType.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it("filters by the customer's business unit", async () => {
    const typeId = await reminderType('Business unit type');
    // The organisation is seeded with one business unit; a second one straight in the table (there is
    // no mutation for business units yet).
    const unitA = Object.values(ref.businessUnits)[0]!;
    const [second] = await selectRows<{ id: string }>(
      server.database.db,
      sql`insert into business_units (organisation_id, name) values (${org.organisationId}, 'Second unit') returning id`,
    );
    const unitB = toGlobalId('BusinessUnit', second!.id);
    const day = '2034-03-03';
    for (const [name, businessUnitId] of [
      ['Unit A', unitA],
      ['Unit B', unitB],
      ['No unit', null],
    ] as const) {
      const customerId = await customer(`${name} Lettings`, businessUnitId ? { businessUnitId } : {});
      await reminder({ workAddressId: await workAddress(customerId), typeId, dueDate: day, notes: name });
    }
    const notes = async (businessUnitId?: string) =>
      (await gql(DUE, { from: day, to: day, ...(businessUnitId ? { businessUnitId } : {}) })).dueServiceReminders.nodes
        .map((n: { notes: string }) => n.notes)
        .sort();
    expect(await notes()).toEqual(['No unit', 'Unit A', 'Unit B']);
    expect(await notes(unitA)).toEqual(['Unit A']);
    expect(await notes(unitB)).toEqual(['Unit B']);
    const bad = await server.graphql(DUE, { from: day, to: day, businessUnitId: typeId }, org.adminToken);
    expect(bad.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('leaves out dormant work addresses, dormant customers and customers whose status stops automated communications', async () => {
    const typeId = await reminderType('Exclusion type');
    const day = '2032-06-15';
    const due = async () => (await gql(DUE, { from: day, to: day, first: 50 })).dueServiceReminders.nodes.map((n: { notes: string }) => n.notes).sort();
    const at = async (name: string, customerOverrides: Record<string, unknown> = {}) => {
      const customerId = await customer(name, customerOverrides);
      const workAddressId = await workAddress(customerId);
      const { id: reminderId } = await reminder({ workAddressId, typeId, dueDate: day, notes: name });
      return { customerId, workAddressId, reminderId: reminderId as string };
    };
    const sent = await at('Sent');
    const dormantAddress = await at('Dormant address');
    const doNotService = await at('Do not service');
    const dormantCustomer = await at('Dormant customer');
    expect(await due()).toEqual(['Do not service', 'Dormant address', 'Dormant customer', 'Sent']);

    // The work address turns dormant after the reminder was made.
    const wa = await gql(`mutation($input: UpdateWorkAddressInput!) { updateWorkAddress(input: $input) { userErrors { code } } }`, {
      input: { id: dormantAddress.workAddressId, status: 'DORMANT' },
    });
    expect(wa.updateWorkAddress.userErrors).toEqual([]);
    expect(await due()).toEqual(['Do not service', 'Dormant customer', 'Sent']);
    // Each reminder says whether it may be sent.
    const maySend = async (id: string) => (await gql(`query($id: ID!) { node(id: $id) { ... on ServiceReminder { maySend } } }`, { id })).node.maySend;
    expect([await maySend(dormantAddress.reminderId), await maySend(sent.reminderId)]).toEqual([false, true]);

    // "Do Not Service" stops automated communications but is not the dormant status.
    const change = `mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { userErrors { field code } } }`;
    const d = await gql(change, { input: { id: doNotService.customerId, statusId: ref.statuses.D } });
    expect(d.changeCustomerStatus.userErrors).toEqual([]);
    expect(await due()).toEqual(['Dormant customer', 'Sent']);

    // A dormant status that (unusually) still allows automated communications: left out for being dormant.
    const status = await gql(
      `mutation($input: CreateCustomerStatusInput!) { createCustomerStatus(input: $input) { customerStatus { id } userErrors { field code } } }`,
      { input: { code: 'Y', name: 'Dormant but chatty', active: false, allowsNewWork: false, automatedCommunications: true, isDormant: true } },
    );
    expect(status.createCustomerStatus.userErrors).toEqual([]);
    const z = await gql(change, { input: { id: dormantCustomer.customerId, statusId: status.createCustomerStatus.customerStatus.id } });
    expect(z.changeCustomerStatus.userErrors).toEqual([]);
    expect(await due()).toEqual(['Sent']);
    // Moving to the dormant status also made its work addresses dormant; with the address active again,
    // the customer's dormant status alone still leaves the reminder out.
    const reopened = await gql(
      `mutation($input: UpdateWorkAddressInput!) { updateWorkAddress(input: $input) { workAddress { status } userErrors { code } } }`,
      {
        input: { id: dormantCustomer.workAddressId, status: 'ACTIVE' },
      },
    );
    expect(reopened.updateWorkAddress).toEqual({ workAddress: { status: 'ACTIVE' }, userErrors: [] });
    expect(await due()).toEqual(['Sent']);
    expect(sent.customerId).toBeTruthy();

    // And back: the customer active again (its work address is active already), the other work address active again.
    expect((await gql(change, { input: { id: dormantCustomer.customerId, statusId: ref.statuses.A } })).changeCustomerStatus.userErrors).toEqual([]);
    const active = await gql(`mutation($input: UpdateWorkAddressInput!) { updateWorkAddress(input: $input) { userErrors { code } } }`, {
      input: { id: dormantAddress.workAddressId, status: 'ACTIVE' },
    });
    expect(active.updateWorkAddress.userErrors).toEqual([]);
    expect(await due()).toEqual(['Dormant address', 'Dormant customer', 'Sent']);

    // The status itself changed: the one "Sent" has, made to stop automated communications, leaves
    // out every customer that has it, and allowing them again brings them back; the count follows.
    const sentStatus = (await gql(`query($id: ID!) { customer(id: $id) { status { id } } }`, { id: sent.customerId })).customer.status.id;
    const withSentStatus = [sentStatus === ref.statuses.A ? 'Dormant customer' : null, 'Dormant address', 'Sent'].filter(Boolean);
    const setAutomated = async (automatedCommunications: boolean) => {
      const res = await gql(`mutation($input: UpdateCustomerStatusInput!) { updateCustomerStatus(input: $input) { userErrors { field code } } }`, {
        input: { id: sentStatus, automatedCommunications },
      });
      expect(res.updateCustomerStatus.userErrors).toEqual([]);
    };
    const count = async () =>
      (await gql(`query($from: Date!, $to: Date!) { dueServiceReminders(from: $from, to: $to) { totalCount } }`, { from: day, to: day })).dueServiceReminders
        .totalCount;
    await setAutomated(false);
    const left = ['Dormant address', 'Dormant customer', 'Sent'].filter((name) => !withSentStatus.includes(name));
    expect(await due()).toEqual(left);
    expect(await count()).toBe(left.length);
    await setAutomated(true);
    expect(await due()).toEqual(['Dormant address', 'Dormant customer', 'Sent']);
    expect(await count()).toBe(3);
  });
});

it('lists the reminders of 2 and 6 work addresses in the same number of SQL statements', async () => {
  const typeId = await reminderType('Batch type');
  const customerId = await customer('Batch Reminder Lettings');
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const workAddressId = await workAddress(customerId, { line1: `${i} Batch Street` });
    ids.push(workAddressId);
    const assetId = await asset(customerId, workAddressId);
    await reminder({ workAddressId, typeId, assetId, dueDate: `2033-0${i + 1}-01` });
    await reminder({ workAddressId, typeId, dueDate: `2033-0${i + 1}-15` });
  }
  const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on WorkAddress { serviceReminders(first: 5) {
    totalCount nodes { id dueDate type { name } asset { id } workAddress { id } customer { name } } } } } }`;
  const two = await server.graphql(query, { ids: ids.slice(0, 2) }, org.adminToken);
  const six = await server.graphql(query, { ids }, org.adminToken);
  expect(two.errors).toBeUndefined();
  expect(six.errors).toBeUndefined();
  for (const node of six.data!.nodes) {
    expect(node.serviceReminders.totalCount).toBe(2);
    expect(node.serviceReminders.nodes[0].asset).not.toBeNull();
    expect(node.serviceReminders.nodes[0].dueDate < node.serviceReminders.nodes[1].dueDate).toBe(true);
  }
  expect(Number.isInteger(two.statements)).toBe(true);
  expect(six.statements).toBe(two.statements);
});
