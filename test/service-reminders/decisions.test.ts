// Batch decisions about service reminders (docs/domain.md#service-reminder-decisions), as users see them:
// a batch of 200 with mixed outcomes (each item's result, and the database afterwards), all-or-nothing
// leaving the database as it was, the idempotent retry, the decisions listed on the reminder and on the
// work address, a cancelled reminder never due again, and who may decide.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { addMonths } from '../../src/service-reminders/decisions';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const DECIDE = `mutation($input: DecideServiceRemindersInput!) { decideServiceReminders(input: $input) {
  results { index decided reminder { id dueDate cancelledAt version } decision { id decision accessMethod accessNotes notes dueDateBefore dueDateAfter decidedBy { name } job { id } } job { id description status workAddress { id } customer { id } } }
  userErrors { field code message } } }`;
const DUE = `query($from: Date!, $to: Date!) { dueServiceReminders(from: $from, to: $to, first: 100) { totalCount nodes { id } } }`;

async function gql(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as any;
}

async function ok(query: string, input: Record<string, unknown>) {
  const data = await gql(query, { input });
  const payload = Object.values(data)[0] as any;
  expect(payload.userErrors).toEqual([]);
  return payload;
}

let typeId: string;
async function customerWithAddress(name: string): Promise<{ customerId: string; workAddressId: string }> {
  const c = await ok(CREATE_CUSTOMER, customerInput(ref, { name }));
  const wa = await ok(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`, {
    customerId: c.customer.id,
    line1: `1 ${name} Road`,
  });
  return { customerId: c.customer.id, workAddressId: wa.workAddress.id };
}

async function reminder(workAddressId: string, dueDate: string, intervalMonths = 12): Promise<string> {
  const made = await ok(
    `mutation($input: CreateServiceReminderInput!) { createServiceReminder(input: $input) { serviceReminder { id } userErrors { field code } } }`,
    { workAddressId, typeId, dueDate, intervalMonths },
  );
  return made.serviceReminder.id;
}

const uuid = (globalId: string) => parseGlobalId(globalId)!.id;

async function count(table: 'jobs' | 'service_reminder_decisions' | 'audit_entries'): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return row!.n;
}

async function reminderRows(ids: string[]) {
  return selectRows<{ id: string; due_date: string; cancelled_at: string | null; version: number }>(
    server.database.db,
    sql`select id, due_date::text, cancelled_at::text, version from service_reminders where id = any(${`{${ids.map(uuid).join(',')}}`}::uuid[]) order by id`,
  );
}

beforeAll(async () => {
  const type = await ok(
    `mutation($input: CreateServiceReminderTypeInput!) { createServiceReminderType(input: $input) { serviceReminderType { id } userErrors { field code } } }`,
    { name: 'Annual gas safety check', defaultIntervalMonths: 12 },
  );
  typeId = type.serviceReminderType.id;
});

it('addMonths clamps to the end of the month, as PostgreSQL does', () => {
  expect(addMonths('2040-01-31', 1)).toBe('2040-02-29');
  expect(addMonths('2041-01-31', 1)).toBe('2041-02-28');
  expect(addMonths('2040-11-15', 3)).toBe('2041-02-15');
  expect(addMonths('2040-03-31', 12)).toBe('2041-03-31');
});

it('decides a batch of 200 with mixed outcomes: each item its result or its errors, the database as the results say', async () => {
  const open = await customerWithAddress('Batch Open');
  const blocked = await customerWithAddress('Batch Blocked');
  const ids: string[] = [];
  const workAddressOf: string[] = [];
  for (let i = 0; i < 200; i++) {
    const kind = i % 10;
    // Kind 7: the customer's status does not allow new work.
    const at = kind === 7 ? blocked : open;
    ids.push(await reminder(at.workAddressId, '2040-01-31'));
    workAddressOf.push(at.workAddressId);
  }
  const status = await gql(`mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { userErrors { field code } } }`, {
    input: { id: blocked.customerId, statusId: ref.statuses.H },
  });
  expect(status.changeCustomerStatus.userErrors).toEqual([]);

  const items = ids.map((reminderId, i) => {
    switch (i % 10) {
      case 0:
        return { reminderId, decision: 'AUTHORISE', accessMethod: 'KEY_HOLDER', accessNotes: `Key ${i} at no. 3`, expectedVersion: 1 };
      case 1:
        return { reminderId, decision: 'CANCEL_ONCE', notes: 'Serviced privately this year' };
      case 2:
        return { reminderId, decision: 'CANCEL_FOREVER', notes: 'Boiler removed' };
      case 3:
        return { reminderId, decision: 'POSTPONE', postponeTo: '2040-03-15' };
      case 4:
        return { reminderId, decision: 'UNKNOWN', notes: 'No answer' };
      case 5:
        return { reminderId, decision: 'POSTPONE', postponeTo: '2040-01-01' }; // before the due date
      case 6:
        return { reminderId, decision: 'AUTHORISE' }; // no access method
      case 7:
        return { reminderId, decision: 'AUTHORISE', accessMethod: 'OCCUPIER' }; // customer blocked
      case 8:
        return { reminderId, decision: 'CANCEL_ONCE', expectedVersion: 7 }; // stale
      default:
        return { reminderId, decision: 'UNKNOWN', postponeTo: '2040-05-01' }; // a field for another decision
    }
  });
  const jobsBefore = await count('jobs');
  const data = await gql(DECIDE, { input: { items, idempotencyKey: 'batch-200' } });
  const { results, userErrors } = data.decideServiceReminders;
  expect(results).toHaveLength(200);

  const expectedErrors: Record<number, [string, string]> = {
    5: ['postponeTo', 'INVALID'],
    6: ['accessMethod', 'REQUIRED'],
    7: ['reminderId', 'STATUS_BLOCKS_WORK'],
    8: ['expectedVersion', 'VERSION_CONFLICT'],
    9: ['postponeTo', 'INVALID'],
  };
  const expectedCodes = ids.flatMap((_id, i) => {
    const e = expectedErrors[i % 10];
    return e ? [`input.items.${i}.${e[0]}:${e[1]}`] : [];
  });
  expect(errorCodes(userErrors)).toEqual(expectedCodes);
  expect(userErrors.find((e: any) => e.code === 'STATUS_BLOCKS_WORK').message).toContain('Hold for Credit Check');

  for (const [i, r] of results.entries()) {
    const kind = i % 10;
    expect(r.index).toBe(i);
    if (kind >= 5) {
      expect(r).toEqual({ index: i, decided: false, reminder: null, decision: null, job: null });
      continue;
    }
    expect(r.decided).toBe(true);
    expect(r.reminder.id).toBe(ids[i]);
    expect(r.decision.dueDateBefore).toBe('2040-01-31');
    expect(r.decision.decidedBy).toEqual({ name: expect.any(String) });
    const [decision, dueAfter, version] = [
      ['AUTHORISE', '2041-01-31', 2],
      ['CANCEL_ONCE', '2041-01-31', 2],
      ['CANCEL_FOREVER', '2040-01-31', 2],
      ['POSTPONE', '2040-03-15', 2],
      ['UNKNOWN', '2040-01-31', 1],
    ][kind] as [string, string, number];
    expect(r.decision.decision).toBe(decision);
    expect(r.decision.dueDateAfter).toBe(dueAfter);
    expect(r.reminder.dueDate).toBe(dueAfter);
    expect(r.reminder.version).toBe(version);
    expect(r.reminder.cancelledAt !== null).toBe(kind === 2);
    if (kind === 0) {
      expect(r.job).toEqual({
        id: expect.any(String),
        description: 'Annual gas safety check',
        status: 'OPEN',
        workAddress: { id: workAddressOf[i] },
        customer: { id: open.customerId },
      });
      expect(r.decision).toMatchObject({ accessMethod: 'KEY_HOLDER', accessNotes: `Key ${i} at no. 3`, job: { id: r.job.id } });
    } else {
      expect(r.job).toBeNull();
      expect(r.decision.job).toBeNull();
    }
  }

  // The database agrees: 20 jobs, 100 decisions, the reminders as reported, the refused ones untouched.
  expect(await count('jobs')).toBe(jobsBefore + 20);
  const decisionRows = await selectRows<{ decision: string; n: number }>(
    server.database.db,
    sql`select decision, count(*)::int as n from service_reminder_decisions group by decision order by decision`,
  );
  expect(decisionRows).toEqual([
    { decision: 'AUTHORISE', n: 20 },
    { decision: 'CANCEL_ONCE', n: 20 },
    { decision: 'CANCEL_FOREVER', n: 20 },
    { decision: 'POSTPONE', n: 20 },
    { decision: 'UNKNOWN', n: 20 },
  ]);
  const rows = new Map((await reminderRows(ids)).map((r) => [r.id, r]));
  ids.forEach((id, i) => {
    const row = rows.get(uuid(id))!;
    const kind = i % 10;
    const due = { 0: '2041-01-31', 1: '2041-01-31', 3: '2040-03-15' }[kind] ?? '2040-01-31';
    expect([i, row.due_date, row.cancelled_at !== null, row.version]).toEqual([i, due, kind === 2, kind <= 3 ? 2 : 1]);
  });
  const audits = await selectRows<{ action: string; n: number }>(
    server.database.db,
    sql`select action, count(*)::int as n from audit_entries where action in ('serviceReminderDecision.create', 'serviceReminder.decide', 'job.create') group by action order by action`,
  );
  expect(audits).toEqual([
    { action: 'job.create', n: 20 },
    { action: 'serviceReminder.decide', n: 80 },
    { action: 'serviceReminderDecision.create', n: 100 },
  ]);

  // A cancelled reminder is no longer due; the others still are (the blocked customer's are not sent).
  const dueOn = async (day: string) => (await gql(DUE, { from: day, to: day })).dueServiceReminders.totalCount;
  expect(await dueOn('2040-01-31')).toBe(100); // unknown, and the five refused kinds but the blocked customer's
  expect(await dueOn('2040-03-15')).toBe(20); // postponed
  expect(await dueOn('2041-01-31')).toBe(40); // authorised and cancelled once

  // The retry with the key returns the first result and writes nothing.
  const auditBefore = await count('audit_entries');
  const retry = await gql(DECIDE, { input: { items, idempotencyKey: 'batch-200' } });
  expect(retry.decideServiceReminders).toEqual(data.decideServiceReminders);
  expect(await count('jobs')).toBe(jobsBefore + 20);
  expect(await count('service_reminder_decisions')).toBe(100);
  expect(await count('audit_entries')).toBe(auditBefore);
  // The same key with another input is refused.
  const reused = await gql(DECIDE, { input: { items: items.slice(0, 3), idempotencyKey: 'batch-200' } });
  expect(errorCodes(reused.decideServiceReminders.userErrors)).toEqual(['input.idempotencyKey:IDEMPOTENCY_KEY_REUSED']);

  // Deciding a cancelled reminder again is refused.
  const again = await gql(DECIDE, { input: { items: [{ reminderId: ids[2], decision: 'UNKNOWN' }] } });
  expect(errorCodes(again.decideServiceReminders.userErrors)).toEqual(['input.items.0.reminderId:INVALID_STATE']);
}, 120_000);

it('writes nothing when allOrNothing is set and one item is refused, and says which', async () => {
  const { workAddressId } = await customerWithAddress('All Or Nothing');
  const ids = [await reminder(workAddressId, '2041-06-30', 6), await reminder(workAddressId, '2041-07-31', 6), await reminder(workAddressId, '2041-08-31', 6)];
  const before = await reminderRows(ids);
  const [jobs, decisions, audit] = [await count('jobs'), await count('service_reminder_decisions'), await count('audit_entries')];
  const items = [
    { reminderId: ids[0], decision: 'AUTHORISE', accessMethod: 'AGENT' },
    { reminderId: ids[1], decision: 'CANCEL_FOREVER' },
    { reminderId: ids[2], decision: 'POSTPONE', postponeTo: '2041-08-01' },
    { reminderId: ids[0], decision: 'UNKNOWN' },
  ];
  const refused = await gql(DECIDE, { input: { items, allOrNothing: true, idempotencyKey: 'aon' } });
  expect(refused.decideServiceReminders.results).toBeNull();
  expect(errorCodes(refused.decideServiceReminders.userErrors)).toEqual(['input.items.2.postponeTo:INVALID', 'input.items.3.reminderId:DUPLICATE']);
  expect(await reminderRows(ids)).toEqual(before);
  expect([await count('jobs'), await count('service_reminder_decisions'), await count('audit_entries')]).toEqual([jobs, decisions, audit]);

  // Fixed, the same key may be used (nothing was kept of the refused call): all three are written.
  const fixed = items.slice(0, 3).map((item, i) => (i === 2 ? { ...item, postponeTo: '2041-12-01' } : item));
  const done = await gql(DECIDE, { input: { items: fixed, allOrNothing: true, idempotencyKey: 'aon' } });
  expect(done.decideServiceReminders.userErrors).toEqual([]);
  expect(done.decideServiceReminders.results.map((r: any) => [r.decided, r.reminder.dueDate, r.job !== null])).toEqual([
    [true, '2041-12-30', true],
    [true, '2041-07-31', false],
    [true, '2041-12-01', false],
  ]);
  expect(await count('jobs')).toBe(jobs + 1);
});

it('lists the decisions on the reminder and on the work address, newest first', async () => {
  const { workAddressId } = await customerWithAddress('Listed Decisions');
  const first = await reminder(workAddressId, '2042-02-28');
  const second = await reminder(workAddressId, '2042-03-31');
  await ok(DECIDE, { items: [{ reminderId: first, decision: 'UNKNOWN', notes: 'one' }] });
  await ok(DECIDE, { items: [{ reminderId: second, decision: 'CANCEL_ONCE', notes: 'two' }] });
  await ok(DECIDE, { items: [{ reminderId: first, decision: 'POSTPONE', postponeTo: '2042-04-15', notes: 'three' }] });
  const data = await gql(
    `query($r: ID!, $w: ID!) {
      r: node(id: $r) { ... on ServiceReminder { dueDate decisions(first: 10) { totalCount nodes { notes decision reminder { id } } } } }
      w: node(id: $w) { ... on WorkAddress { serviceReminderDecisions(first: 2) { totalCount pageInfo { hasNextPage } nodes { notes workAddress { id } customer { name } } } } } }`,
    { r: first, w: workAddressId },
  );
  expect(data.r.dueDate).toBe('2042-04-15');
  expect(data.r.decisions.nodes).toEqual([
    { notes: 'three', decision: 'POSTPONE', reminder: { id: first } },
    { notes: 'one', decision: 'UNKNOWN', reminder: { id: first } },
  ]);
  expect(data.w.serviceReminderDecisions.totalCount).toBe(3);
  expect(data.w.serviceReminderDecisions.pageInfo.hasNextPage).toBe(true);
  expect(data.w.serviceReminderDecisions.nodes.map((n: any) => n.notes)).toEqual(['three', 'two']);
  expect(data.w.serviceReminderDecisions.nodes[0]).toMatchObject({ workAddress: { id: workAddressId }, customer: { name: 'Listed Decisions' } });
});

it('refuses an empty or oversized batch, a bad ID and an unknown reminder, naming the field', async () => {
  const empty = await gql(DECIDE, { input: { items: [] } });
  expect(errorCodes(empty.decideServiceReminders.userErrors)).toEqual(['input.items:INVALID']);
  const tooMany = await gql(DECIDE, { input: { items: Array.from({ length: 501 }, () => ({ reminderId: 'x', decision: 'UNKNOWN' })) } });
  expect(errorCodes(tooMany.decideServiceReminders.userErrors)).toEqual(['input.items:INVALID']);
  const { workAddressId } = await customerWithAddress('Bad Ids');
  const real = await reminder(workAddressId, '2043-01-01');
  const gone = await reminder(workAddressId, '2043-01-01');
  await ok(`mutation($input: DeleteServiceReminderInput!) { deleteServiceReminder(input: $input) { deletedServiceReminderId userErrors { field code } } }`, {
    id: gone,
  });
  const bad = await gql(DECIDE, {
    input: {
      items: [
        { reminderId: workAddressId, decision: 'UNKNOWN' },
        { reminderId: gone, decision: 'UNKNOWN' },
        { reminderId: real, decision: 'UNKNOWN', notes: 'x'.repeat(2001) },
        { reminderId: real, decision: 'UNKNOWN' },
      ],
    },
  });
  const codes = errorCodes(bad.decideServiceReminders.userErrors);
  expect(codes).toEqual(['input.items.0.reminderId:INVALID', 'input.items.1.reminderId:NOT_FOUND', 'input.items.2.notes:TOO_LONG']);
  expect(bad.decideServiceReminders.results.map((r: any) => r.decided)).toEqual([false, false, false, true]);
});

it('lets those who raise jobs decide; READ_ONLY and FINANCE are FORBIDDEN; a sales user cannot reach customers they do not see', async () => {
  const { workAddressId } = await customerWithAddress('Role Decisions');
  const id = await reminder(workAddressId, '2044-01-01');
  for (const role of ['READ_ONLY', 'FINANCE'] as const) {
    const res = await server.graphql(DECIDE, { input: { items: [{ reminderId: id, decision: 'UNKNOWN' }] } }, await org.tokenFor(role));
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  }
  const sales = await server.graphql(DECIDE, { input: { items: [{ reminderId: id, decision: 'UNKNOWN' }] } }, await org.tokenFor('SALES'));
  expect(errorCodes(sales.data!.decideServiceReminders.userErrors)).toEqual(['input.items.0.reminderId:NOT_FOUND']);
  const service = await server.graphql(DECIDE, { input: { items: [{ reminderId: id, decision: 'CANCEL_ONCE' }] } }, await org.tokenFor('SERVICE'));
  expect(service.data!.decideServiceReminders.results[0].reminder.dueDate).toBe('2045-01-01');
});
