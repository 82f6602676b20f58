// Service cases as users see them (docs/domain.md#service-cases): opening with validation naming the
// field, the asset and work address of the same customer, the assignee from the organisation, numbers,
// SLA deadlines (given, or from the organisation's defaults per priority) and the breach state (times
// set in the database, no sleeping), status moves allowed and refused, notes, updates with
// expectedVersion, idempotent opening, filters, the lists on the customer, asset and work address,
// audit entries, and what merging, deleting and anonymising a customer does to its cases.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const CASE_FIELDS = `id number reference subject description status priority version respondBy resolveBy respondedAt resolvedAt
  breach { response resolution breached } customer { id } asset { id } workAddress { id } assignee { id } openedBy { id }`;
const OPEN = `mutation($input: OpenServiceCaseInput!) { openServiceCase(input: $input) { serviceCase { ${CASE_FIELDS} } userErrors { field code message } } }`;
const UPDATE = `mutation($input: UpdateServiceCaseInput!) { updateServiceCase(input: $input) { serviceCase { ${CASE_FIELDS} } userErrors { field code message } } }`;
const MOVE = `mutation($input: ChangeServiceCaseStatusInput!) {
  changeServiceCaseStatus(input: $input) { serviceCase { ${CASE_FIELDS} notes { totalCount nodes { body } } } userErrors { field code message } } }`;
const NOTE = `mutation($input: AddServiceCaseNoteInput!) {
  addServiceCaseNote(input: $input) { note { body author { id } createdAt } serviceCase { notes(first: 10) { totalCount nodes { body author { id } } } } userErrors { field code message } } }`;
const LIST = `query($filter: ServiceCaseFilter, $first: Int, $after: String) {
  serviceCases(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id subject } } }`;

async function gql(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as any;
}

async function customer(name: string): Promise<string> {
  const data = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name }) });
  expect(data.createCustomer.userErrors).toEqual([]);
  return data.createCustomer.customer.id;
}

async function workAddress(customerId: string, line1 = '1 Elm Road'): Promise<string> {
  const data = await gql(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`, {
    input: { customerId, line1 },
  });
  expect(data.createWorkAddress.userErrors).toEqual([]);
  return data.createWorkAddress.workAddress.id;
}

async function asset(customerId: string, workAddressId?: string): Promise<string> {
  const data = await gql(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { field code } } }`, {
    input: { customerId, workAddressId, description: 'Combi boiler' },
  });
  expect(data.createAsset.userErrors).toEqual([]);
  return data.createAsset.asset.id;
}

async function open(input: Record<string, unknown>, token = org.adminToken) {
  const data = await gql(OPEN, { input }, token);
  expect(data.openServiceCase.userErrors).toEqual([]);
  return data.openServiceCase.serviceCase;
}

async function move(id: string, status: string, extra: Record<string, unknown> = {}) {
  return (await gql(MOVE, { input: { id, status, ...extra } })).changeServiceCaseStatus;
}

const uuid = (globalId: string) => parseGlobalId(globalId)!.id;
const db = () => server.database.db;

describe('opening a case', () => {
  it('numbers cases per organisation, defaults the priority and deadlines from the SLA, and audits it', async () => {
    const customerId = await customer('Case Opening Ltd');
    const before = Date.now();
    const first = await open({ customerId, subject: '  Boiler leaking  ', description: 'Water under the boiler' });
    const second = await open({ customerId, subject: 'No hot water', priority: 'URGENT' });
    expect(first).toMatchObject({ subject: 'Boiler leaking', status: 'OPEN', priority: 'NORMAL', customer: { id: customerId }, asset: null, assignee: null });
    expect(first.reference).toBe(`CASE-${String(first.number).padStart(6, '0')}`);
    expect(second.number).toBe(first.number + 1);
    // Built-in SLA: NORMAL 8h/72h, URGENT 1h/8h.
    const hoursAfter = (iso: string) => (Date.parse(iso) - before) / 3_600_000;
    expect(hoursAfter(first.respondBy)).toBeCloseTo(8, 1);
    expect(hoursAfter(first.resolveBy)).toBeCloseTo(72, 1);
    expect(hoursAfter(second.respondBy)).toBeCloseTo(1, 1);
    expect(hoursAfter(second.resolveBy)).toBeCloseTo(8, 1);
    expect(first.breach).toEqual({ response: false, resolution: false, breached: false });
    expect(first.openedBy).toEqual({ id: await org.userIdFor('ADMIN') });
    const entries = await selectRows<{ action: string }>(db(), sql`select action from audit_entries where entity_id = ${uuid(first.id)}`);
    expect(entries.map((e) => e.action)).toEqual(['serviceCase.open']);
  });

  it('uses the organisation’s own SLA for a priority once it is set (managers only)', async () => {
    const customerId = await customer('Sla Ltd');
    const sales = await server.graphql(
      `mutation { setServiceCaseSlaDefault(input: { priority: HIGH, respondWithinHours: 2, resolveWithinHours: 10 }) { userErrors { code } } }`,
      {},
      await org.tokenFor('SALES'),
    );
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const refused = await gql(
      `mutation { setServiceCaseSlaDefault(input: { priority: HIGH, respondWithinHours: 12, resolveWithinHours: 10 }) { userErrors { field code } } }`,
      {},
    );
    expect(errorCodes(refused.setServiceCaseSlaDefault.userErrors)).toEqual(['input.resolveWithinHours:INVALID']);
    const zero = await gql(
      `mutation { setServiceCaseSlaDefault(input: { priority: HIGH, respondWithinHours: 0, resolveWithinHours: 10 }) { userErrors { field code } } }`,
      {},
    );
    expect(errorCodes(zero.setServiceCaseSlaDefault.userErrors)).toEqual(['input.respondWithinHours:INVALID']);
    const set = await gql(
      `mutation { setServiceCaseSlaDefault(input: { priority: HIGH, respondWithinHours: 2, resolveWithinHours: 10 }) { slaDefault { priority respondWithinHours resolveWithinHours } userErrors { code } } }`,
      {},
    );
    expect(set.setServiceCaseSlaDefault).toEqual({ slaDefault: { priority: 'HIGH', respondWithinHours: 2, resolveWithinHours: 10 }, userErrors: [] });
    const defaults = await gql(`{ serviceCaseSlaDefaults { priority respondWithinHours resolveWithinHours } }`, {});
    expect(defaults.serviceCaseSlaDefaults).toEqual([
      { priority: 'LOW', respondWithinHours: 24, resolveWithinHours: 168 },
      { priority: 'NORMAL', respondWithinHours: 8, resolveWithinHours: 72 },
      { priority: 'HIGH', respondWithinHours: 2, resolveWithinHours: 10 },
      { priority: 'URGENT', respondWithinHours: 1, resolveWithinHours: 8 },
    ]);
    const before = Date.now();
    const made = await open({ customerId, subject: 'Radiator cold', priority: 'HIGH' });
    expect((Date.parse(made.respondBy) - before) / 3_600_000).toBeCloseTo(2, 1);
    expect((Date.parse(made.resolveBy) - before) / 3_600_000).toBeCloseTo(10, 1);
    // Given deadlines are kept as given.
    const given = await open({ customerId, subject: 'Given', respondBy: '2099-01-01T09:00:00.000Z', resolveBy: '2099-01-02T09:00:00.000Z' });
    expect(given).toMatchObject({ respondBy: '2099-01-01T09:00:00.000Z', resolveBy: '2099-01-02T09:00:00.000Z' });
  });

  it('refuses invalid input with errors naming the field', async () => {
    const customerId = await customer('Invalid Input Ltd');
    const blank = await gql(OPEN, { input: { customerId, subject: '   ' } });
    expect(errorCodes(blank.openServiceCase.userErrors)).toEqual(['input.subject:REQUIRED']);
    const long = await gql(OPEN, { input: { customerId, subject: 'x'.repeat(201), description: 'y'.repeat(5001) } });
    expect(errorCodes(long.openServiceCase.userErrors).sort()).toEqual(['input.description:TOO_LONG', 'input.subject:TOO_LONG']);
    const order = await gql(OPEN, { input: { customerId, subject: 'Order', respondBy: '2099-01-02T00:00:00Z', resolveBy: '2099-01-01T00:00:00Z' } });
    expect(errorCodes(order.openServiceCase.userErrors)).toEqual(['input.resolveBy:INVALID']);
    const past = await gql(OPEN, { input: { customerId, subject: 'Past', respondBy: '2000-01-01T00:00:00Z' } });
    expect(errorCodes(past.openServiceCase.userErrors)).toEqual(['input.respondBy:INVALID']);
    const wrongId = await gql(OPEN, { input: { customerId: await workAddress(customerId), subject: 'Wrong' } });
    expect(errorCodes(wrongId.openServiceCase.userErrors)).toEqual(['input.customerId:INVALID']);
  });

  it('takes an asset and a work address of the same customer only', async () => {
    const mine = await customer('Mine Ltd');
    const theirs = await customer('Theirs Ltd');
    const home = await workAddress(mine, '1 Home Lane');
    const shed = await workAddress(mine, '2 Shed Lane');
    const boiler = await asset(mine, home);
    const made = await open({ customerId: mine, assetId: boiler, subject: 'Boiler noise' });
    // The asset's work address is taken when none is given.
    expect(made).toMatchObject({ asset: { id: boiler }, workAddress: { id: home } });
    const otherAsset = await asset(theirs);
    const otherAddress = await workAddress(theirs);
    const refused = await gql(OPEN, { input: { customerId: mine, assetId: otherAsset, workAddressId: otherAddress, subject: 'Not mine' } });
    expect(errorCodes(refused.openServiceCase.userErrors)).toEqual(['input.assetId:INVALID']);
    const refusedAddress = await gql(OPEN, { input: { customerId: mine, workAddressId: otherAddress, subject: 'Not mine' } });
    expect(errorCodes(refusedAddress.openServiceCase.userErrors)).toEqual(['input.workAddressId:INVALID']);
    const elsewhere = await gql(OPEN, { input: { customerId: mine, assetId: boiler, workAddressId: shed, subject: 'Elsewhere' } });
    expect(errorCodes(elsewhere.openServiceCase.userErrors)).toEqual(['input.assetId:INVALID']);
  });

  it('assigns users of the organisation only', async () => {
    const customerId = await customer('Assignee Ltd');
    const service = await org.userIdFor('SERVICE');
    const made = await open({ customerId, subject: 'Assigned', assigneeId: service });
    expect(made.assignee).toEqual({ id: service });
    const other = await createTestOrganisation(server, 'Other Assignee Org');
    const stranger = await other.userIdFor('SERVICE');
    const refused = await gql(OPEN, { input: { customerId, subject: 'Stranger', assigneeId: stranger } });
    expect(errorCodes(refused.openServiceCase.userErrors)).toEqual(['input.assigneeId:NOT_FOUND']);
    const updated = await gql(UPDATE, { input: { id: made.id, assigneeId: stranger } });
    expect(errorCodes(updated.updateServiceCase.userErrors)).toEqual(['input.assigneeId:NOT_FOUND']);
    // Nor a customer of another organisation.
    const theirCustomer = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Theirs' }) }, other.adminToken);
    void theirCustomer;
  });

  it('opens once per idempotency key', async () => {
    const customerId = await customer('Retry Ltd');
    const input = { customerId, subject: 'Retried', idempotencyKey: 'case-retry-1' };
    const first = await open(input);
    const again = await open(input);
    expect(again.id).toBe(first.id);
    const reused = await gql(OPEN, { input: { ...input, subject: 'Another' } });
    expect(errorCodes(reused.openServiceCase.userErrors)).toEqual(['input.idempotencyKey:IDEMPOTENCY_KEY_REUSED']);
    const count = await gql(`query($id: ID!) { customer(id: $id) { serviceCases { totalCount } } }`, { id: customerId });
    expect(count.customer.serviceCases.totalCount).toBe(1);
  });

  it('is for users who change records: READ_ONLY may read cases but not open one', async () => {
    const customerId = await customer('Read Only Ltd');
    const res = await server.graphql(OPEN, { input: { customerId, subject: 'Nope' } }, await org.tokenFor('READ_ONLY'));
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const made = await open({ customerId, subject: 'By service' }, await org.tokenFor('SERVICE'));
    const read = await server.graphql(`query($id: ID!) { node(id: $id) { ... on ServiceCase { subject } } }`, { id: made.id }, await org.tokenFor('READ_ONLY'));
    expect(read.data?.node).toEqual({ subject: 'By service' });
  });
});

describe('status moves', () => {
  it('allows the moves in the table, records the response and resolution, and refuses the rest with INVALID_STATE', async () => {
    const customerId = await customer('Moves Ltd');
    const made = await open({ customerId, subject: 'Moving' });
    const same = await move(made.id, 'OPEN');
    expect(errorCodes(same.userErrors)).toEqual(['input.status:INVALID_STATE']);
    const working = await move(made.id, 'IN_PROGRESS', { expectedVersion: made.version, note: 'On it' });
    expect(working.userErrors).toEqual([]);
    expect(working.serviceCase).toMatchObject({ status: 'IN_PROGRESS', version: made.version + 1, resolvedAt: null });
    expect(working.serviceCase.respondedAt).not.toBeNull();
    expect(working.serviceCase.notes).toEqual({ totalCount: 1, nodes: [{ body: 'On it' }] });
    const stale = await move(made.id, 'RESOLVED', { expectedVersion: made.version });
    expect(errorCodes(stale.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const waiting = await move(made.id, 'WAITING_ON_CUSTOMER');
    expect(waiting.serviceCase.respondedAt).toBe(working.serviceCase.respondedAt);
    const resolved = await move(made.id, 'RESOLVED');
    expect(resolved.serviceCase.resolvedAt).not.toBeNull();
    const backToWaiting = await move(made.id, 'WAITING_ON_CUSTOMER');
    expect(errorCodes(backToWaiting.userErrors)).toEqual(['input.status:INVALID_STATE']);
    const reopened = await move(made.id, 'IN_PROGRESS');
    expect(reopened.serviceCase).toMatchObject({ status: 'IN_PROGRESS', resolvedAt: null });
    const closed = await move(made.id, 'CLOSED');
    expect(closed.serviceCase.resolvedAt).not.toBeNull();
    for (const status of ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED']) {
      const refused = await move(made.id, status);
      expect(refused.userErrors[0]).toMatchObject({ field: ['input', 'status'], code: 'INVALID_STATE' });
    }
    const update = await gql(UPDATE, { input: { id: made.id, subject: 'Too late' } });
    expect(errorCodes(update.updateServiceCase.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const entries = await selectRows<{ action: string }>(db(), sql`select action from audit_entries where entity_id = ${uuid(made.id)} order by id`);
    expect(entries.map((e) => e.action)).toEqual([
      'serviceCase.open',
      'serviceCase.changeStatus',
      'serviceCase.changeStatus',
      'serviceCase.changeStatus',
      'serviceCase.changeStatus',
      'serviceCase.changeStatus',
    ]);
  });

  it('goes from OPEN straight to RESOLVED or CLOSED, and from WAITING_ON_CUSTOMER back to IN_PROGRESS', async () => {
    const customerId = await customer('Shortcuts Ltd');
    const a = await open({ customerId, subject: 'A' });
    expect((await move(a.id, 'RESOLVED')).serviceCase).toMatchObject({ status: 'RESOLVED' });
    const b = await open({ customerId, subject: 'B' });
    expect((await move(b.id, 'CLOSED')).serviceCase).toMatchObject({ status: 'CLOSED' });
    const c = await open({ customerId, subject: 'C' });
    await move(c.id, 'WAITING_ON_CUSTOMER');
    expect((await move(c.id, 'IN_PROGRESS')).serviceCase).toMatchObject({ status: 'IN_PROGRESS' });
    expect(errorCodes((await move(c.id, 'OPEN')).userErrors)).toEqual(['input.status:INVALID_STATE']);
  });
});

describe('notes', () => {
  it('appends timestamped notes with their author, also on a closed case, and refuses a blank one', async () => {
    const customerId = await customer('Notes Ltd');
    const made = await open({ customerId, subject: 'Noted' });
    const serviceToken = await org.tokenFor('SERVICE');
    const first = (await gql(NOTE, { input: { id: made.id, body: 'Called the customer' } })).addServiceCaseNote;
    expect(first.userErrors).toEqual([]);
    expect(first.note).toMatchObject({ body: 'Called the customer', author: { id: await org.userIdFor('ADMIN') } });
    await move(made.id, 'CLOSED');
    const second = (await gql(NOTE, { input: { id: made.id, body: 'Customer rang back' } }, serviceToken)).addServiceCaseNote;
    expect(second.serviceCase.notes).toEqual({
      totalCount: 2,
      nodes: [
        { body: 'Called the customer', author: { id: await org.userIdFor('ADMIN') } },
        { body: 'Customer rang back', author: { id: await org.userIdFor('SERVICE') } },
      ],
    });
    const blank = (await gql(NOTE, { input: { id: made.id, body: ' ' } })).addServiceCaseNote;
    expect(errorCodes(blank.userErrors)).toEqual(['input.body:REQUIRED']);
    const entries = await selectRows<{ action: string }>(
      db(),
      sql`select action from audit_entries where entity_id = ${uuid(made.id)} and action = 'serviceCase.addNote'`,
    );
    expect(entries).toHaveLength(2);
  });
});

describe('updates', () => {
  it('changes the fields given, refuses clearing the subject and stale versions', async () => {
    const customerId = await customer('Updates Ltd');
    const home = await workAddress(customerId);
    const made = await open({ customerId, subject: 'Before', description: 'Old' });
    const cleared = await gql(UPDATE, { input: { id: made.id, subject: null } });
    expect(errorCodes(cleared.updateServiceCase.userErrors)).toEqual(['input.subject:REQUIRED']);
    const changed = await gql(UPDATE, {
      input: { id: made.id, expectedVersion: made.version, subject: 'After', description: '', priority: 'HIGH', workAddressId: home, respondBy: null },
    });
    expect(changed.updateServiceCase.userErrors).toEqual([]);
    expect(changed.updateServiceCase.serviceCase).toMatchObject({
      subject: 'After',
      description: null,
      priority: 'HIGH',
      workAddress: { id: home },
      respondBy: null,
      resolveBy: made.resolveBy,
      version: made.version + 1,
    });
    const stale = await gql(UPDATE, { input: { id: made.id, expectedVersion: made.version, subject: 'Stale' } });
    expect(errorCodes(stale.updateServiceCase.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
  });
});

describe('breach state', () => {
  it('is computed from the deadlines and the response and resolution times, and filters the list', async () => {
    const customerId = await customer('Breach Ltd');
    const late = await open({ customerId, subject: 'Late response' });
    const lateResolution = await open({ customerId, subject: 'Late resolution' });
    const onTime = await open({ customerId, subject: 'On time' });
    const respondedLate = await open({ customerId, subject: 'Responded late' });
    // Deadlines in the past, set in the database (no sleeping).
    await db().execute(sql`update service_cases set respond_by = now() - interval '1 hour' where id = ${uuid(late.id)}`);
    await db().execute(
      sql`update service_cases set responded_at = now() - interval '3 hours', respond_by = now() - interval '2 hours', resolve_by = now() - interval '1 minute' where id = ${uuid(lateResolution.id)}`,
    );
    // Responded before the deadline, resolved before its deadline: no breach, even now both are past.
    await move(onTime.id, 'RESOLVED');
    await db().execute(
      sql`update service_cases set responded_at = now() - interval '3 hours', resolved_at = now() - interval '3 hours',
        respond_by = now() - interval '2 hours', resolve_by = now() - interval '2 hours' where id = ${uuid(onTime.id)}`,
    );
    await move(respondedLate.id, 'IN_PROGRESS');
    await db().execute(sql`update service_cases set respond_by = responded_at - interval '1 minute' where id = ${uuid(respondedLate.id)}`);
    const read = async (id: string) =>
      (await gql(`query($id: ID!) { node(id: $id) { ... on ServiceCase { breach { response resolution breached } } } }`, { id })).node.breach;
    expect(await read(late.id)).toEqual({ response: true, resolution: false, breached: true });
    expect(await read(lateResolution.id)).toEqual({ response: false, resolution: true, breached: true });
    expect(await read(onTime.id)).toEqual({ response: false, resolution: false, breached: false });
    expect(await read(respondedLate.id)).toEqual({ response: true, resolution: false, breached: true });
    const list = async (breached: boolean) =>
      (
        await gql(`query($id: ID!, $b: Boolean) { customer(id: $id) { serviceCases(filter: { breached: $b }) { nodes { subject } } } }`, {
          id: customerId,
          b: breached,
        })
      ).customer.serviceCases.nodes
        .map((n: { subject: string }) => n.subject)
        .sort();
    expect(await list(true)).toEqual(['Late resolution', 'Late response', 'Responded late']);
    expect(await list(false)).toEqual(['On time']);
  });
});

describe('lists and filters', () => {
  it('lists cases newest first on the customer, asset and work address, and filters by status, assignee, priority and breach', async () => {
    const customerId = await customer('Lists Ltd');
    const home = await workAddress(customerId);
    const boiler = await asset(customerId, home);
    const service = await org.userIdFor('SERVICE');
    const a = await open({ customerId, subject: 'List A', priority: 'LOW', assigneeId: service });
    const b = await open({ customerId, subject: 'List B', priority: 'URGENT', workAddressId: home });
    const c = await open({ customerId, subject: 'List C', assetId: boiler, assigneeId: service });
    await move(b.id, 'IN_PROGRESS');
    const onRecord = await gql(
      `query($c: ID!, $a: ID!, $w: ID!) {
        customer(id: $c) { serviceCases(first: 2) { totalCount pageInfo { hasNextPage } nodes { subject } } }
        asset: node(id: $a) { ... on Asset { serviceCases { nodes { subject } } } }
        workAddress: node(id: $w) { ... on WorkAddress { serviceCases { nodes { subject } } } } }`,
      { c: customerId, a: boiler, w: home },
    );
    expect(onRecord.customer.serviceCases).toEqual({ totalCount: 3, pageInfo: { hasNextPage: true }, nodes: [{ subject: 'List C' }, { subject: 'List B' }] });
    expect(onRecord.asset.serviceCases.nodes).toEqual([{ subject: 'List C' }]);
    expect(onRecord.workAddress.serviceCases.nodes).toEqual([{ subject: 'List C' }, { subject: 'List B' }]);
    const subjects = async (filter: Record<string, unknown>) =>
      (
        await gql(`query($id: ID!, $f: ServiceCaseFilter) { customer(id: $id) { serviceCases(filter: $f) { nodes { subject } } } }`, {
          id: customerId,
          f: filter,
        })
      ).customer.serviceCases.nodes.map((n: { subject: string }) => n.subject);
    expect(await subjects({ status: ['IN_PROGRESS'] })).toEqual(['List B']);
    expect(await subjects({ status: ['OPEN'], assigneeId: service })).toEqual(['List C', 'List A']);
    expect(await subjects({ priority: ['LOW', 'URGENT'] })).toEqual(['List B', 'List A']);
    expect(await subjects({ breached: true })).toEqual([]);
    // The organisation-wide list: the same filters, paged.
    const root = await gql(LIST, { filter: { assigneeId: service, status: ['OPEN'] }, first: 1 });
    expect(root.serviceCases.totalCount).toBeGreaterThanOrEqual(2);
    expect(root.serviceCases.pageInfo.hasNextPage).toBe(true);
    const next = await gql(LIST, { filter: { assigneeId: service, status: ['OPEN'] }, first: 1, after: root.serviceCases.pageInfo.endCursor });
    expect(next.serviceCases.nodes[0].id).not.toBe(root.serviceCases.nodes[0].id);
    void a;
    void c;
  });

  it('shows a restricted user only the cases of customers it sees', async () => {
    const customerId = await customer('Hidden From Sales Ltd');
    await open({ customerId, subject: 'Hidden case' });
    const sales = await gql(LIST, { filter: {} }, await org.tokenFor('SALES'));
    expect(sales.serviceCases.nodes.map((n: { subject: string }) => n.subject)).not.toContain('Hidden case');
  });
});

describe('the customer record', () => {
  it('moves cases and their notes with a merge', async () => {
    const survivor = await customer('Survivor Ltd');
    const merged = await customer('Merged Ltd');
    const made = await open({ customerId: merged, subject: 'Merged case' });
    await gql(NOTE, { input: { id: made.id, body: 'Kept through the merge' } });
    const result = await gql(`mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { moved { recordType count } userErrors { code } } }`, {
      input: { survivorId: survivor, mergedIds: [merged] },
    });
    expect(result.mergeCustomers.userErrors).toEqual([]);
    expect(result.mergeCustomers.moved).toEqual(
      expect.arrayContaining([
        { recordType: 'ServiceCase', count: 1 },
        { recordType: 'ServiceCaseNote', count: 1 },
      ]),
    );
    const read = await gql(`query($id: ID!) { customer(id: $id) { serviceCases { nodes { id customer { id } notes { nodes { body } } } } } }`, {
      id: survivor,
    });
    expect(read.customer.serviceCases.nodes).toEqual([{ id: made.id, customer: { id: survivor }, notes: { nodes: [{ body: 'Kept through the merge' }] } }]);
  });

  it('deletes cases and their notes with the customer', async () => {
    const customerId = await customer('Deleted Ltd');
    const made = await open({ customerId, subject: 'Deleted case' });
    await gql(NOTE, { input: { id: made.id, body: 'Goes with it' } });
    const version = (await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: customerId })).customer.version;
    const result = await gql(
      `mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { deletedRecords { recordType count } userErrors { code } } }`,
      {
        input: { id: customerId, expectedVersion: version },
      },
    );
    expect(result.deleteCustomer.userErrors).toEqual([]);
    expect(result.deleteCustomer.deletedRecords).toEqual(
      expect.arrayContaining([
        { recordType: 'ServiceCase', count: 1 },
        { recordType: 'ServiceCaseNote', count: 1 },
      ]),
    );
    const left = await selectRows<{ n: number }>(db(), sql`select count(*)::int as n from service_cases where id = ${uuid(made.id)}`);
    expect(left[0]!.n).toBe(0);
  });

  it('clears the free text of cases and notes when the customer is anonymised', async () => {
    const customerId = await customer('Anonymised Ltd');
    const made = await open({ customerId, subject: 'Mr Smith’s boiler', description: 'He lives alone' });
    await gql(NOTE, { input: { id: made.id, body: 'Phone 07700 900123' } });
    const version = (await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: customerId })).customer.version;
    const result = await gql(`mutation($input: AnonymiseCustomerInput!) { anonymiseCustomer(input: $input) { userErrors { code } } }`, {
      input: { id: customerId, expectedVersion: version },
    });
    expect(result.anonymiseCustomer.userErrors).toEqual([]);
    const read = await gql(`query($id: ID!) { node(id: $id) { ... on ServiceCase { subject description notes { nodes { body } } } } }`, { id: made.id });
    expect(read.node).toEqual({ subject: '[redacted]', description: null, notes: { nodes: [{ body: '[redacted]' }] } });
    const refused = await gql(OPEN, { input: { customerId, subject: 'New' } });
    expect(errorCodes(refused.openServiceCase.userErrors)).toEqual(['input.customerId:INVALID_STATE']);
  });
});
