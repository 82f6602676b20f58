// Activity on leads and customers (notes, tasks, the communications log) and expiries, as users see
// them over GraphQL: each mutation's success, user errors naming the field (with nothing written),
// visibility through the record (a sales user who does not own the customer finds nothing), READ_ONLY
// refused, sanitised note bodies, task views, and lists that cost the same number of statements for
// 2 customers as for 6.
import { sql } from 'drizzle-orm';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { workAddresses } from '../../src/work-addresses/tables';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let salesToken: string;
let readOnlyToken: string;

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  salesToken = await org.tokenFor('SALES');
  readOnlyToken = await org.tokenFor('READ_ONLY');
});
afterAll(() => server.close());

const NOTE = `id body important doNotWorkWithAgain actionCode version author { name } customer { id } lead { id } workAddress { id }`;
const CREATE_NOTE = `mutation($input: CreateNoteInput!) { createNote(input: $input) { note { ${NOTE} } userErrors { field code message } } }`;
const UPDATE_NOTE = `mutation($input: UpdateNoteInput!) { updateNote(input: $input) { note { ${NOTE} } userErrors { field code message } } }`;
const DELETE_NOTE = `mutation($input: DeleteNoteInput!) { deleteNote(input: $input) { deletedNoteId userErrors { field code message } } }`;

const TASK = `id type subject details dueAt priority completedAt isOverdue version assignee { name } createdBy { name } completedBy { name } workAddress { id }`;
const CREATE_TASK = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { ${TASK} } userErrors { field code message } } }`;
const UPDATE_TASK = `mutation($input: UpdateTaskInput!) { updateTask(input: $input) { task { ${TASK} } userErrors { field code message } } }`;
const COMPLETE_TASK = `mutation($input: CompleteTaskInput!) { completeTask(input: $input) { task { ${TASK} } userErrors { field code message } } }`;
const DELETE_TASK = `mutation($input: DeleteTaskInput!) { deleteTask(input: $input) { deletedTaskId userErrors { field code message } } }`;

const LOG = `mutation($input: LogCommunicationInput!) { logCommunication(input: $input) {
  communication { id channel direction subject summary sentAt contact { fullName } sentBy { name } customer { id } lead { id } }
  userErrors { field code message } } }`;

const EXPIRY = `id supplier description endsOn notes version customer { id } lead { id }`;
const CREATE_EXPIRY = `mutation($input: CreateExpiryInput!) { createExpiry(input: $input) { expiry { ${EXPIRY} } userErrors { field code message } } }`;
const UPDATE_EXPIRY = `mutation($input: UpdateExpiryInput!) { updateExpiry(input: $input) { expiry { ${EXPIRY} } userErrors { field code message } } }`;
const DELETE_EXPIRY = `mutation($input: DeleteExpiryInput!) { deleteExpiry(input: $input) { deletedExpiryId userErrors { field code message } } }`;

async function customer(token = org.adminToken, name = 'Harbour View Lettings', contacts: unknown[] = []): Promise<string> {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name, contacts }) }, token);
  expect(res.data!.createCustomer.userErrors).toEqual([]);
  return res.data!.createCustomer.customer.id;
}

async function lead(name = 'Prospect Ltd'): Promise<string> {
  const res = await server.graphql(
    `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } userErrors { code } } }`,
    { input: { name } },
    org.adminToken,
  );
  expect(res.data!.createLead.userErrors).toEqual([]);
  return res.data!.createLead.lead.id;
}

/** A work address of the customer, written directly: this file tests activity, not work addresses. */
async function workAddress(customerId: string, organisationId = org.organisationId): Promise<string> {
  const [row] = await server.database.db
    .insert(workAddresses)
    .values({ organisationId, customerId: parseGlobalId(customerId)!.id, line1: '2 Mill Lane', country: 'GB' })
    .returning();
  return toGlobalId('WorkAddress', row!.id);
}

async function countOf(ownerId: string, list: 'notes' | 'tasks' | 'communications' | 'expiries'): Promise<number> {
  const type = parseGlobalId(ownerId)!.type === 'Customer' ? 'customer' : 'lead';
  const res = await server.graphql(`query($id: ID!) { ${type}(id: $id) { ${list} { totalCount } } }`, { id: ownerId }, org.adminToken);
  expect(res.errors).toBeUndefined();
  return res.data![type][list].totalCount;
}

function forbidden(res: { data: any; errors?: Array<{ extensions?: Record<string, any> }> }): string[] {
  return (res.errors ?? []).map((e) => e.extensions?.code);
}

describe('notes', () => {
  it('adds, changes and deletes a note; important notes list first, then newest', async () => {
    const ownerId = await customer();
    const address = await workAddress(ownerId);
    const first = await server.graphql(CREATE_NOTE, { input: { ownerId, body: 'First call went well.' } }, org.adminToken);
    expect(first.data!.createNote.userErrors).toEqual([]);
    expect(first.data!.createNote.note).toMatchObject({
      body: 'First call went well.',
      important: false,
      doNotWorkWithAgain: false,
      actionCode: null,
      version: 1,
      author: { name: expect.any(String) },
      customer: { id: ownerId },
      lead: null,
      workAddress: null,
    });
    const pinned = await server.graphql(
      CREATE_NOTE,
      { input: { ownerId, body: '<p>Gate code <b>1234</b></p>', important: true, actionCode: 'ACCESS', workAddressId: address } },
      org.adminToken,
    );
    expect(pinned.data!.createNote.note).toMatchObject({ important: true, actionCode: 'ACCESS', workAddress: { id: address } });
    const third = await server.graphql(CREATE_NOTE, { input: { ownerId, body: 'Latest', doNotWorkWithAgain: true } }, org.adminToken);
    const thirdId = third.data!.createNote.note.id;

    const list = await server.graphql(`query($id: ID!) { customer(id: $id) { notes { totalCount nodes { body } } } }`, { id: ownerId }, org.adminToken);
    expect(list.data!.customer.notes).toEqual({
      totalCount: 3,
      nodes: [{ body: '<p>Gate code <b>1234</b></p>' }, { body: 'Latest' }, { body: 'First call went well.' }],
    });
    // Paging follows the same order.
    const page1 = await server.graphql(
      `query($id: ID!) { customer(id: $id) { notes(first: 2) { pageInfo { endCursor hasNextPage } nodes { body } } } }`,
      { id: ownerId },
      org.adminToken,
    );
    expect(page1.data!.customer.notes.pageInfo.hasNextPage).toBe(true);
    const page2 = await server.graphql(
      `query($id: ID!, $after: String) { customer(id: $id) { notes(first: 2, after: $after) { pageInfo { hasNextPage } nodes { body } } } }`,
      { id: ownerId, after: page1.data!.customer.notes.pageInfo.endCursor },
      org.adminToken,
    );
    expect(page2.data!.customer.notes).toEqual({ pageInfo: { hasNextPage: false }, nodes: [{ body: 'First call went well.' }] });

    const updated = await server.graphql(
      UPDATE_NOTE,
      { input: { id: thirdId, expectedVersion: 1, important: true, body: '<i>Latest</i>', actionCode: null } },
      org.adminToken,
    );
    expect(updated.data!.updateNote.userErrors).toEqual([]);
    expect(updated.data!.updateNote.note).toMatchObject({ body: '<i>Latest</i>', important: true, doNotWorkWithAgain: true, version: 2 });
    const stale = await server.graphql(UPDATE_NOTE, { input: { id: thirdId, expectedVersion: 1, important: false } }, org.adminToken);
    expect(errorCodes(stale.data!.updateNote.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);

    const deleted = await server.graphql(DELETE_NOTE, { input: { id: thirdId } }, org.adminToken);
    expect(deleted.data!.deleteNote).toEqual({ deletedNoteId: thirdId, userErrors: [] });
    expect(await countOf(ownerId, 'notes')).toBe(2);
    const again = await server.graphql(DELETE_NOTE, { input: { id: thirdId } }, org.adminToken);
    expect(errorCodes(again.data!.deleteNote.userErrors)).toEqual(['input.id:NOT_FOUND']);

    // Found by node(id:), and part of the customer's audit trail.
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Note { body } } }`, { id: pinned.data!.createNote.note.id }, org.adminToken);
    expect(node.data!.node).toEqual({ body: '<p>Gate code <b>1234</b></p>' });
    const unpinned = await server.graphql(UPDATE_NOTE, { input: { id: pinned.data!.createNote.note.id, workAddressId: null } }, org.adminToken);
    expect(unpinned.data!.updateNote.note).toMatchObject({ workAddress: null, important: true, version: 2 });
    const trail = await server.graphql(`query($id: ID!) { customer(id: $id) { auditTrail(first: 50) { nodes { action } } } }`, { id: ownerId }, org.adminToken);
    // The deleted note's history, its deletion included, stays in the trail.
    expect(trail.data!.customer.auditTrail.nodes.map((n: { action: string }) => n.action)).toEqual([
      'note.update',
      'note.delete',
      'note.update',
      'note.create',
      'note.create',
      'note.create',
      'address.create',
      'customer.create',
    ]);
  });

  it('sanitises the body: scripts, event handlers and javascript: links are neutralised; basic formatting and safe links stay', async () => {
    const ownerId = await customer();
    const body =
      '<p onclick="steal()">Hi <b>bold</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u><br>' +
      '<a href="javascript:alert(1)">bad</a> <a href="JaVaScRiPt:alert(2)" onmouseover="x()">bad2</a> ' +
      '<a href="https://example.test/page" target="_blank" style="color:red">good</a> <a href="mailto:ann@example.test">mail</a></p>' +
      '<ul><li>one</li></ul><ol><li>two</li></ol>' +
      '<script>alert("xss")</script><img src="x" onerror="alert(3)"><iframe src="https://evil.test"></iframe>';
    const res = await server.graphql(CREATE_NOTE, { input: { ownerId, body } }, org.adminToken);
    expect(res.data!.createNote.userErrors).toEqual([]);
    const saved: string = res.data!.createNote.note.body;
    expect(saved).toBe(
      '<p>Hi <b>bold</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u><br />' +
        '<a>bad</a> <a>bad2</a> <a href="https://example.test/page">good</a> <a href="mailto:ann@example.test">mail</a></p>' +
        '<ul><li>one</li></ul><ol><li>two</li></ol>',
    );
    expect(saved).not.toMatch(/script|javascript|onerror|onclick|onmouseover|iframe|<img/i);

    // The same on update.
    const updated = await server.graphql(
      UPDATE_NOTE,
      { input: { id: res.data!.createNote.note.id, body: '<a href="javascript:void(0)" onclick="x()">x</a><script>y()</script>' } },
      org.adminToken,
    );
    expect(updated.data!.updateNote.note.body).toBe('<a>x</a>');
  });

  it('refuses bad input, naming the field, and writes nothing', async () => {
    const ownerId = await customer();
    const otherCustomer = await customer(org.adminToken, 'Other Ltd');
    const otherAddress = await workAddress(otherCustomer);
    const leadId = await lead();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ownerId, body: '   ' }, 'input.body:REQUIRED'],
      [{ ownerId, body: '<script>alert(1)</script>' }, 'input.body:REQUIRED'],
      [{ ownerId, body: 'x'.repeat(20_001) }, 'input.body:TOO_LONG'],
      [{ ownerId, body: 'ok', actionCode: 'A'.repeat(21) }, 'input.actionCode:TOO_LONG'],
      [{ ownerId, body: 'ok', workAddressId: otherAddress }, 'input.workAddressId:INVALID'],
      [{ ownerId, body: 'ok', workAddressId: ownerId }, 'input.workAddressId:INVALID'],
      [{ ownerId: leadId, body: 'ok', workAddressId: otherAddress }, 'input.workAddressId:INVALID'],
      [{ ownerId: toGlobalId('Customer', '00000000-0000-0000-0000-000000000000'), body: 'ok' }, 'input.ownerId:NOT_FOUND'],
      [{ ownerId: ref.types.Company, body: 'ok' }, 'input.ownerId:INVALID'],
    ];
    for (const [input, expected] of cases) {
      const res = await server.graphql(CREATE_NOTE, { input }, org.adminToken);
      expect(res.data!.createNote).toMatchObject({ note: null });
      expect(errorCodes(res.data!.createNote.userErrors)).toEqual([expected]);
    }
    expect(await countOf(ownerId, 'notes')).toBe(0);
    expect(await countOf(leadId, 'notes')).toBe(0);

    const note = (await server.graphql(CREATE_NOTE, { input: { ownerId, body: 'Keep me' } }, org.adminToken)).data!.createNote.note;
    const blank = await server.graphql(UPDATE_NOTE, { input: { id: note.id, body: '<img src=x>', important: true } }, org.adminToken);
    expect(errorCodes(blank.data!.updateNote.userErrors)).toEqual(['input.body:REQUIRED']);
    const cleared = await server.graphql(UPDATE_NOTE, { input: { id: note.id, important: null } }, org.adminToken);
    expect(errorCodes(cleared.data!.updateNote.userErrors)).toEqual(['input.important:REQUIRED']);
    const wrongType = await server.graphql(UPDATE_NOTE, { input: { id: ownerId, body: 'x' } }, org.adminToken);
    expect(errorCodes(wrongType.data!.updateNote.userErrors)).toEqual(['input.id:INVALID']);
    const read = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Note { body important version } } }`, { id: note.id }, org.adminToken);
    expect(read.data!.node).toEqual({ body: 'Keep me', important: false, version: 1 });
  });

  it('adds notes to a lead', async () => {
    const leadId = await lead('Noted Lead');
    const res = await server.graphql(CREATE_NOTE, { input: { ownerId: leadId, body: 'Met at the trade show' } }, org.adminToken);
    expect(res.data!.createNote.note).toMatchObject({ lead: { id: leadId }, customer: null });
    const list = await server.graphql(`query($id: ID!) { lead(id: $id) { notes { nodes { body } } } }`, { id: leadId }, org.adminToken);
    expect(list.data!.lead.notes.nodes).toEqual([{ body: 'Met at the trade show' }]);
  });

  it("hides another owner's customer's notes from a sales user (not found), and refuses READ_ONLY", async () => {
    const ownerId = await customer();
    const note = (await server.graphql(CREATE_NOTE, { input: { ownerId, body: 'Private' } }, org.adminToken)).data!.createNote.note;

    const create = await server.graphql(CREATE_NOTE, { input: { ownerId, body: 'Sneaky' } }, salesToken);
    expect(errorCodes(create.data!.createNote.userErrors)).toEqual(['input.ownerId:NOT_FOUND']);
    const update = await server.graphql(UPDATE_NOTE, { input: { id: note.id, body: 'Changed' } }, salesToken);
    expect(errorCodes(update.data!.updateNote.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const del = await server.graphql(DELETE_NOTE, { input: { id: note.id } }, salesToken);
    expect(errorCodes(del.data!.deleteNote.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const node = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: note.id }, salesToken);
    expect(node.data!.node).toBeNull();

    // Their own customer works.
    const own = await customer(salesToken, 'Sales Own Ltd');
    const mine = await server.graphql(CREATE_NOTE, { input: { ownerId: own, body: 'Mine' } }, salesToken);
    expect(mine.data!.createNote.userErrors).toEqual([]);

    for (const [query, input] of [
      [CREATE_NOTE, { ownerId, body: 'No' }],
      [UPDATE_NOTE, { id: note.id, body: 'No' }],
      [DELETE_NOTE, { id: note.id }],
    ] as const) {
      const res = await server.graphql(query, { input }, readOnlyToken);
      expect(forbidden(res)).toEqual(['FORBIDDEN']);
    }
    const read = await server.graphql(`query($id: ID!) { customer(id: $id) { notes { nodes { body } } } }`, { id: ownerId }, readOnlyToken);
    expect(read.data!.customer.notes.nodes).toEqual([{ body: 'Private' }]);
  });
});

describe('tasks', () => {
  const hour = 3_600_000;
  const at = (offset: number) => new Date(Date.now() + offset).toISOString();

  it('adds, changes, completes and deletes tasks, with overdue, scheduled and completed views and a type filter', async () => {
    const ownerId = await customer();
    const address = await workAddress(ownerId);
    const salesId = await org.userIdFor('SALES');
    const make = async (input: Record<string, unknown>) => {
      const res = await server.graphql(CREATE_TASK, { input: { ownerId, ...input } }, org.adminToken);
      expect(res.data!.createTask.userErrors).toEqual([]);
      return res.data!.createTask.task;
    };
    const overdueCall = await make({ type: 'PHONE_CALL', subject: 'Chase quote', dueAt: at(-48 * hour), priority: 'HIGH' });
    expect(overdueCall).toMatchObject({
      type: 'PHONE_CALL',
      priority: 'HIGH',
      isOverdue: true,
      completedAt: null,
      version: 1,
      assignee: { name: expect.any(String) },
    });
    const overdueEmail = await make({ type: 'EMAIL', subject: 'Send brochure', dueAt: at(-24 * hour) });
    const visit = await make({
      type: 'APPOINTMENT',
      subject: 'Survey',
      details: 'Bring ladder',
      dueAt: at(24 * hour),
      workAddressId: address,
      assigneeId: salesId,
    });
    expect(visit).toMatchObject({ priority: 'NORMAL', isOverdue: false, workAddress: { id: address }, assignee: { name: 'SALES user' } });
    const reminder = await make({ type: 'REMINDER', subject: 'Renewal', dueAt: at(48 * hour) });
    const done = await make({ type: 'PHONE_CALL', subject: 'Welcome call', dueAt: at(-hour) });

    const completed = await server.graphql(COMPLETE_TASK, { input: { id: done.id, expectedVersion: 1 } }, org.adminToken);
    expect(completed.data!.completeTask.userErrors).toEqual([]);
    expect(completed.data!.completeTask.task).toMatchObject({
      completedAt: expect.any(String),
      isOverdue: false,
      version: 2,
      completedBy: { name: expect.any(String) },
    });
    const twice = await server.graphql(COMPLETE_TASK, { input: { id: done.id } }, org.adminToken);
    expect(errorCodes(twice.data!.completeTask.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const editDone = await server.graphql(UPDATE_TASK, { input: { id: done.id, subject: 'Too late' } }, org.adminToken);
    expect(errorCodes(editDone.data!.updateTask.userErrors)).toEqual(['input.id:INVALID_STATE']);

    const view = async (args: string) => {
      const res = await server.graphql(
        `query($id: ID!) { customer(id: $id) { tasks${args} { totalCount nodes { subject } } } }`,
        { id: ownerId },
        org.adminToken,
      );
      expect(res.errors).toBeUndefined();
      const { totalCount, nodes } = res.data!.customer.tasks;
      expect(nodes.length).toBe(totalCount);
      return nodes.map((n: { subject: string }) => n.subject);
    };
    expect(await view('')).toEqual(['Chase quote', 'Send brochure', 'Welcome call', 'Survey', 'Renewal']);
    expect(await view('(view: OVERDUE)')).toEqual(['Chase quote', 'Send brochure']);
    expect(await view('(view: SCHEDULED)')).toEqual(['Survey', 'Renewal']);
    expect(await view('(view: COMPLETED)')).toEqual(['Welcome call']);
    expect(await view('(types: [PHONE_CALL])')).toEqual(['Chase quote', 'Welcome call']);
    expect(await view('(view: OVERDUE, types: [PHONE_CALL, SMS])')).toEqual(['Chase quote']);
    expect(await view('(view: SCHEDULED, types: [APPOINTMENT, REMINDER])')).toEqual(['Survey', 'Renewal']);
    // Both views in one request, each with its own filter.
    const both = await server.graphql(
      `query($id: ID!) { customer(id: $id) { o: tasks(view: OVERDUE) { totalCount } c: tasks(view: COMPLETED) { totalCount } } }`,
      { id: ownerId },
      org.adminToken,
    );
    expect(both.data!.customer).toEqual({ o: { totalCount: 2 }, c: { totalCount: 1 } });

    // Rescheduling the overdue email into the future moves it to SCHEDULED.
    const moved = await server.graphql(
      UPDATE_TASK,
      { input: { id: overdueEmail.id, expectedVersion: 1, dueAt: at(72 * hour), priority: 'LOW', assigneeId: null, details: 'After the holidays' } },
      org.adminToken,
    );
    expect(moved.data!.updateTask.task).toMatchObject({ priority: 'LOW', assignee: null, details: 'After the holidays', isOverdue: false, version: 2 });
    expect(await view('(view: SCHEDULED)')).toEqual(['Survey', 'Renewal', 'Send brochure']);

    const deleted = await server.graphql(DELETE_TASK, { input: { id: reminder.id } }, org.adminToken);
    expect(deleted.data!.deleteTask).toEqual({ deletedTaskId: reminder.id, userErrors: [] });
    expect(await view('(view: SCHEDULED)')).toEqual(['Survey', 'Send brochure']);
  });

  it('refuses bad input, naming the field, and writes nothing', async () => {
    const ownerId = await customer();
    const leadId = await lead('Task Lead');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ownerId, type: 'REMINDER', subject: ' ', dueAt: at(hour) }, 'input.subject:REQUIRED'],
      [{ ownerId, type: 'REMINDER', subject: 'x'.repeat(201), dueAt: at(hour) }, 'input.subject:TOO_LONG'],
      [
        { ownerId, type: 'REMINDER', subject: 'ok', dueAt: at(hour), assigneeId: toGlobalId('User', '00000000-0000-0000-0000-000000000000') },
        'input.assigneeId:NOT_FOUND',
      ],
      [{ ownerId, type: 'REMINDER', subject: 'ok', dueAt: at(hour), assigneeId: ownerId }, 'input.assigneeId:INVALID'],
      [{ ownerId: leadId, type: 'REMINDER', subject: 'ok', dueAt: at(hour), workAddressId: await workAddress(ownerId) }, 'input.workAddressId:INVALID'],
    ];
    for (const [input, expected] of cases) {
      const res = await server.graphql(CREATE_TASK, { input }, org.adminToken);
      expect(res.data!.createTask.task).toBeNull();
      expect(errorCodes(res.data!.createTask.userErrors)).toEqual([expected]);
    }
    expect(await countOf(ownerId, 'tasks')).toBe(0);
    expect(await countOf(leadId, 'tasks')).toBe(0);

    const task = (await server.graphql(CREATE_TASK, { input: { ownerId: leadId, type: 'SMS', subject: 'Text them', dueAt: at(hour) } }, org.adminToken)).data!
      .createTask.task;
    const blank = await server.graphql(UPDATE_TASK, { input: { id: task.id, subject: '', priority: 'HIGH' } }, org.adminToken);
    expect(errorCodes(blank.data!.updateTask.userErrors)).toEqual(['input.subject:REQUIRED']);
    const clearDue = await server.graphql(UPDATE_TASK, { input: { id: task.id, dueAt: null } }, org.adminToken);
    expect(errorCodes(clearDue.data!.updateTask.userErrors)).toEqual(['input.dueAt:REQUIRED']);
    const future = await server.graphql(COMPLETE_TASK, { input: { id: task.id, completedAt: at(24 * hour) } }, org.adminToken);
    expect(errorCodes(future.data!.completeTask.userErrors)).toEqual(['input.completedAt:INVALID']);
    const read = await server.graphql(
      `query($id: ID!) { lead(id: $id) { tasks { nodes { subject priority completedAt version } } } }`,
      { id: leadId },
      org.adminToken,
    );
    expect(read.data!.lead.tasks.nodes).toEqual([{ subject: 'Text them', priority: 'NORMAL', completedAt: null, version: 1 }]);
  });

  it("hides another owner's customer's tasks from a sales user (not found), and refuses READ_ONLY", async () => {
    const ownerId = await customer();
    const task = (await server.graphql(CREATE_TASK, { input: { ownerId, type: 'REMINDER', subject: 'Private', dueAt: at(hour) } }, org.adminToken)).data!
      .createTask.task;
    const create = await server.graphql(CREATE_TASK, { input: { ownerId, type: 'REMINDER', subject: 'Sneaky', dueAt: at(hour) } }, salesToken);
    expect(errorCodes(create.data!.createTask.userErrors)).toEqual(['input.ownerId:NOT_FOUND']);
    for (const [query, name] of [
      [UPDATE_TASK, 'updateTask'],
      [COMPLETE_TASK, 'completeTask'],
      [DELETE_TASK, 'deleteTask'],
    ] as const) {
      const res = await server.graphql(query, { input: { id: task.id } }, salesToken);
      expect(errorCodes(res.data![name].userErrors)).toEqual(['input.id:NOT_FOUND']);
      const ro = await server.graphql(query, { input: { id: task.id } }, readOnlyToken);
      expect(forbidden(ro)).toEqual(['FORBIDDEN']);
    }
    const ro = await server.graphql(CREATE_TASK, { input: { ownerId, type: 'REMINDER', subject: 'No', dueAt: at(hour) } }, readOnlyToken);
    expect(forbidden(ro)).toEqual(['FORBIDDEN']);
    const read = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Task { subject completedAt version } } }`, { id: task.id }, org.adminToken);
    expect(read.data!.node).toEqual({ subject: 'Private', completedAt: null, version: 1 });
  });
});

describe('communications log', () => {
  it("logs emails, calls and texts with the record's contacts, newest first", async () => {
    const ownerId = await customer(org.adminToken, 'Talkative Ltd', [{ firstName: 'Ada', surname: 'Lovelace' }]);
    const contacts = await server.graphql(`query($id: ID!) { customer(id: $id) { contacts { nodes { id } } } }`, { id: ownerId }, org.adminToken);
    const contactId = contacts.data!.customer.contacts.nodes[0].id;
    const older = await server.graphql(
      LOG,
      {
        input: {
          ownerId,
          contactId,
          channel: 'EMAIL',
          subject: 'Your quote',
          summary: 'Sent the quote PDF',
          sentAt: new Date(Date.now() - 86_400_000).toISOString(),
        },
      },
      org.adminToken,
    );
    expect(older.data!.logCommunication.userErrors).toEqual([]);
    expect(older.data!.logCommunication.communication).toMatchObject({
      channel: 'EMAIL',
      direction: 'OUTBOUND',
      subject: 'Your quote',
      contact: { fullName: 'Ada Lovelace' },
      sentBy: { name: expect.any(String) },
      customer: { id: ownerId },
      lead: null,
    });
    const newer = await server.graphql(LOG, { input: { ownerId, channel: 'PHONE_CALL', direction: 'INBOUND', summary: 'Asked about dates' } }, org.adminToken);
    expect(newer.data!.logCommunication.communication).toMatchObject({ channel: 'PHONE_CALL', direction: 'INBOUND', contact: null });
    const list = await server.graphql(
      `query($id: ID!) { customer(id: $id) { communications { totalCount nodes { channel } } } }`,
      { id: ownerId },
      org.adminToken,
    );
    expect(list.data!.customer.communications).toEqual({ totalCount: 2, nodes: [{ channel: 'PHONE_CALL' }, { channel: 'EMAIL' }] });

    const leadId = await lead('Chatty Lead');
    const onLead = await server.graphql(LOG, { input: { ownerId: leadId, channel: 'SMS', summary: 'Reminder sent' } }, org.adminToken);
    expect(onLead.data!.logCommunication.communication).toMatchObject({ lead: { id: leadId }, customer: null });
    expect(await countOf(leadId, 'communications')).toBe(1);
  });

  it('accepts every channel the schema offers for the log, and the schema offers no consent-only channel', async () => {
    const ownerId = await customer(org.adminToken, 'Channels Ltd');
    const intro = await server.graphql(`{ __type(name: "CommunicationChannel") { enumValues { name } } }`, {}, org.adminToken);
    const offered: string[] = intro.data!.__type.enumValues.map((v: { name: string }) => v.name);
    expect([...offered].sort()).toEqual(['EMAIL', 'PHONE_CALL', 'SMS']);
    for (const channel of offered) {
      const res = await server.graphql(LOG, { input: { ownerId, channel } }, org.adminToken);
      expect(res.errors).toBeUndefined();
      expect(res.data!.logCommunication.userErrors).toEqual([]);
    }
    // A consent channel is refused by the schema, before anything runs.
    const consentOnly = await server.graphql(LOG, { input: { ownerId, channel: 'MARKETING' } }, org.adminToken);
    expect(consentOnly.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await countOf(ownerId, 'communications')).toBe(offered.length);
  });

  it('refuses bad input, naming the field, and writes nothing; hides records a sales user may not see; refuses READ_ONLY', async () => {
    const ownerId = await customer(org.adminToken, 'Quiet Ltd');
    const other = await customer(org.adminToken, 'Elsewhere Ltd', [{ surname: 'Stranger' }]);
    const strangers = await server.graphql(`query($id: ID!) { customer(id: $id) { contacts { nodes { id } } } }`, { id: other }, org.adminToken);
    const stranger = strangers.data!.customer.contacts.nodes[0].id;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ownerId, channel: 'EMAIL', contactId: stranger }, 'input.contactId:INVALID'],
      [{ ownerId, channel: 'EMAIL', contactId: ownerId }, 'input.contactId:INVALID'],
      [{ ownerId, channel: 'EMAIL', sentAt: new Date(Date.now() + 86_400_000).toISOString() }, 'input.sentAt:INVALID'],
      [{ ownerId, channel: 'EMAIL', subject: 'x'.repeat(201) }, 'input.subject:TOO_LONG'],
      [{ ownerId, channel: 'EMAIL', summary: 'x'.repeat(2001) }, 'input.summary:TOO_LONG'],
    ];
    for (const [input, expected] of cases) {
      const res = await server.graphql(LOG, { input }, org.adminToken);
      expect(res.data!.logCommunication.communication).toBeNull();
      expect(errorCodes(res.data!.logCommunication.userErrors)).toEqual([expected]);
    }
    expect(await countOf(ownerId, 'communications')).toBe(0);

    const sales = await server.graphql(LOG, { input: { ownerId, channel: 'EMAIL' } }, salesToken);
    expect(errorCodes(sales.data!.logCommunication.userErrors)).toEqual(['input.ownerId:NOT_FOUND']);
    const ro = await server.graphql(LOG, { input: { ownerId, channel: 'EMAIL' } }, readOnlyToken);
    expect(forbidden(ro)).toEqual(['FORBIDDEN']);
    expect(await countOf(ownerId, 'communications')).toBe(0);
  });
});

describe('expiries', () => {
  it('records, changes and deletes contracts with other suppliers, soonest ending first', async () => {
    const ownerId = await customer(org.adminToken, 'Contracted Ltd');
    const make = async (supplier: string, endsOn: string) => {
      const res = await server.graphql(CREATE_EXPIRY, { input: { ownerId, supplier, description: 'Boiler maintenance', endsOn } }, org.adminToken);
      expect(res.data!.createExpiry.userErrors).toEqual([]);
      return res.data!.createExpiry.expiry;
    };
    const late = await make('Rival Heating', '2027-03-31');
    const soon = await make('Other Co', '2026-12-01');
    expect(soon).toMatchObject({ supplier: 'Other Co', endsOn: '2026-12-01', notes: null, version: 1, customer: { id: ownerId }, lead: null });
    const updated = await server.graphql(
      UPDATE_EXPIRY,
      { input: { id: late.id, expectedVersion: 1, endsOn: '2026-06-30', notes: 'Unhappy with response times' } },
      org.adminToken,
    );
    expect(updated.data!.updateExpiry.expiry).toMatchObject({ endsOn: '2026-06-30', notes: 'Unhappy with response times', version: 2 });
    const list = await server.graphql(
      `query($id: ID!) { customer(id: $id) { expiries { totalCount nodes { supplier endsOn } } } }`,
      { id: ownerId },
      org.adminToken,
    );
    expect(list.data!.customer.expiries).toEqual({
      totalCount: 2,
      nodes: [
        { supplier: 'Rival Heating', endsOn: '2026-06-30' },
        { supplier: 'Other Co', endsOn: '2026-12-01' },
      ],
    });
    const deleted = await server.graphql(DELETE_EXPIRY, { input: { id: soon.id, expectedVersion: 1 } }, org.adminToken);
    expect(deleted.data!.deleteExpiry).toEqual({ deletedExpiryId: soon.id, userErrors: [] });
    expect(await countOf(ownerId, 'expiries')).toBe(1);

    const leadId = await lead('Expiring Lead');
    const onLead = await server.graphql(
      CREATE_EXPIRY,
      { input: { ownerId: leadId, supplier: 'Incumbent', description: 'Cleaning', endsOn: '2026-09-01' } },
      org.adminToken,
    );
    expect(onLead.data!.createExpiry.expiry).toMatchObject({ lead: { id: leadId }, customer: null });
    const leadList = await server.graphql(`query($id: ID!) { lead(id: $id) { expiries { nodes { supplier } } } }`, { id: leadId }, org.adminToken);
    expect(leadList.data!.lead.expiries.nodes).toEqual([{ supplier: 'Incumbent' }]);
  });

  it('refuses bad input, naming the field, and writes nothing; hides records a sales user may not see; refuses READ_ONLY', async () => {
    const ownerId = await customer(org.adminToken, 'Expiry Errors Ltd');
    const blank = await server.graphql(CREATE_EXPIRY, { input: { ownerId, supplier: ' ', description: 'x', endsOn: '2026-01-01' } }, org.adminToken);
    expect(errorCodes(blank.data!.createExpiry.userErrors)).toEqual(['input.supplier:REQUIRED']);
    const long = await server.graphql(CREATE_EXPIRY, { input: { ownerId, supplier: 'S', description: 'x'.repeat(201), endsOn: '2026-01-01' } }, org.adminToken);
    expect(errorCodes(long.data!.createExpiry.userErrors)).toEqual(['input.description:TOO_LONG']);
    expect(await countOf(ownerId, 'expiries')).toBe(0);

    const expiry = (await server.graphql(CREATE_EXPIRY, { input: { ownerId, supplier: 'S', description: 'D', endsOn: '2026-01-01' } }, org.adminToken)).data!
      .createExpiry.expiry;
    const clear = await server.graphql(UPDATE_EXPIRY, { input: { id: expiry.id, supplier: null } }, org.adminToken);
    expect(errorCodes(clear.data!.updateExpiry.userErrors)).toEqual(['input.supplier:REQUIRED']);
    const badDate = await server.graphql(UPDATE_EXPIRY, { input: { id: expiry.id, endsOn: '2026-02-30' } }, org.adminToken);
    expect(badDate.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const create = await server.graphql(CREATE_EXPIRY, { input: { ownerId, supplier: 'S', description: 'D', endsOn: '2026-01-01' } }, salesToken);
    expect(errorCodes(create.data!.createExpiry.userErrors)).toEqual(['input.ownerId:NOT_FOUND']);
    const update = await server.graphql(UPDATE_EXPIRY, { input: { id: expiry.id, supplier: 'Changed' } }, salesToken);
    expect(errorCodes(update.data!.updateExpiry.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const del = await server.graphql(DELETE_EXPIRY, { input: { id: expiry.id } }, salesToken);
    expect(errorCodes(del.data!.deleteExpiry.userErrors)).toEqual(['input.id:NOT_FOUND']);
    for (const [query, input] of [
      [CREATE_EXPIRY, { ownerId, supplier: 'S', description: 'D', endsOn: '2026-01-01' }],
      [UPDATE_EXPIRY, { id: expiry.id, supplier: 'No' }],
      [DELETE_EXPIRY, { id: expiry.id }],
    ] as const) {
      expect(forbidden(await server.graphql(query, { input }, readOnlyToken))).toEqual(['FORBIDDEN']);
    }
    const read = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Expiry { supplier version } } }`, { id: expiry.id }, org.adminToken);
    expect(read.data!.node).toEqual({ supplier: 'S', version: 1 });
  });
});

describe('a portal token', () => {
  it("reaches none of its customer's activity or expiries", async () => {
    const ownerId = await customer(org.adminToken, 'Portal Customer Ltd');
    await server.graphql(CREATE_NOTE, { input: { ownerId, body: 'Internal only' } }, org.adminToken);
    const made = await server.graphql(
      `mutation($input: CreatePortalTokenInput!) { createPortalToken(input: $input) { token userErrors { code } } }`,
      { input: { customerId: ownerId, name: 'Portal', permissions: ['VIEW_INVOICES', 'UPDATE_CONTACT_DETAILS'] } },
      org.adminToken,
    );
    const token = made.data!.createPortalToken.token;
    for (const list of ['notes', 'tasks', 'communications', 'expiries']) {
      const res = await server.graphql(`query($id: ID!) { customer(id: $id) { name ${list} { totalCount } } }`, { id: ownerId }, token);
      expect(forbidden(res)).toEqual(['FORBIDDEN']);
    }
    const write = await server.graphql(CREATE_NOTE, { input: { ownerId, body: 'From the portal' } }, token);
    expect(forbidden(write)).toEqual(['FORBIDDEN']);
    expect(await countOf(ownerId, 'notes')).toBe(1);
  });
});

describe('a converted lead', () => {
  it('still takes notes, but its tasks, log and expiries are read-only', async () => {
    const leadId = await lead('Converted Lead');
    // Conversion belongs to the pipeline area; marking the lead converted is enough here.
    await server.database.db.execute(sql`update leads set status = 'CONVERTED' where id = ${parseGlobalId(leadId)!.id}`);
    const note = await server.graphql(CREATE_NOTE, { input: { ownerId: leadId, body: 'After conversion' } }, org.adminToken);
    expect(note.data!.createNote.userErrors).toEqual([]);
    const task = await server.graphql(
      CREATE_TASK,
      { input: { ownerId: leadId, type: 'REMINDER', subject: 'x', dueAt: new Date().toISOString() } },
      org.adminToken,
    );
    expect(errorCodes(task.data!.createTask.userErrors)).toEqual(['input:INVALID_STATE']);
    const log = await server.graphql(LOG, { input: { ownerId: leadId, channel: 'SMS' } }, org.adminToken);
    expect(errorCodes(log.data!.logCommunication.userErrors)).toEqual(['input:INVALID_STATE']);
    const expiry = await server.graphql(CREATE_EXPIRY, { input: { ownerId: leadId, supplier: 'S', description: 'D', endsOn: '2026-01-01' } }, org.adminToken);
    expect(errorCodes(expiry.data!.createExpiry.userErrors)).toEqual(['input:INVALID_STATE']);
  });
});

describe('query count', () => {
  it('costs the same number of SQL statements for 2 customers as for 6, with notes, tasks, communications and expiries', async () => {
    const counting = await createTestOrganisation(server, 'Counting Services');
    const countingRef = await readReference(server, counting.adminToken);
    for (let i = 0; i < 6; i++) {
      const created = await server.graphql(
        CREATE_CUSTOMER,
        { input: customerInput(countingRef, { name: `Counted ${i}`, contacts: [{ surname: `Contact ${i}` }] }) },
        counting.adminToken,
      );
      const ownerId = created.data!.createCustomer.customer.id;
      const contactId = created.data!.createCustomer.customer.contacts.nodes[0].id;
      const address = await workAddress(ownerId, counting.organisationId);
      for (let n = 0; n < 2; n++) {
        const results = await Promise.all([
          server.graphql(CREATE_NOTE, { input: { ownerId, body: `Note ${n}`, important: n === 0, workAddressId: address } }, counting.adminToken),
          server.graphql(
            CREATE_TASK,
            {
              input: {
                ownerId,
                type: 'PHONE_CALL',
                subject: `Task ${n}`,
                dueAt: new Date(Date.now() + (2 * n - 1) * 86_400_000).toISOString(),
                workAddressId: address,
              },
            },
            counting.adminToken,
          ),
          server.graphql(LOG, { input: { ownerId, channel: 'EMAIL', contactId, subject: `Mail ${n}` } }, counting.adminToken),
          server.graphql(
            CREATE_EXPIRY,
            { input: { ownerId, supplier: `Supplier ${n}`, description: 'Service', endsOn: `2027-0${n + 1}-01` } },
            counting.adminToken,
          ),
        ]);
        for (const r of results) expect(r.errors).toBeUndefined();
      }
    }
    const query = `query($first: Int!) { customers(first: $first) { nodes { name
      notes(first: 5) { totalCount nodes { body author { name } workAddress { id } customer { id } } }
      overdue: tasks(view: OVERDUE, first: 5) { totalCount nodes { subject assignee { name } workAddress { id } } }
      calls: tasks(types: [PHONE_CALL], first: 5) { totalCount nodes { subject createdBy { name } } }
      communications(first: 5) { totalCount nodes { subject contact { fullName } sentBy { name } } }
      expiries(first: 5) { totalCount nodes { supplier endsOn } }
    } } }`;
    const two = await server.graphql(query, { first: 2 }, counting.adminToken);
    const six = await server.graphql(query, { first: 6 }, counting.adminToken);
    expect(two.errors).toBeUndefined();
    expect(six.errors).toBeUndefined();
    expect(six.data!.customers.nodes).toHaveLength(6);
    for (const c of six.data!.customers.nodes) {
      expect(c.notes.totalCount).toBe(2);
      expect(c.overdue.totalCount).toBe(1);
      expect(c.calls.totalCount).toBe(2);
      expect(c.communications.nodes[0].contact.fullName).toMatch(/^Contact/);
      expect(c.expiries.nodes.map((e: { endsOn: string }) => e.endsOn)).toEqual(['2027-01-01', '2027-02-01']);
    }
    expect(Number.isFinite(two.statements)).toBe(true);
    expect(six.statements).toBe(two.statements);
  });
});
