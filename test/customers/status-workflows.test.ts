// Customer status workflows (docs/domain.md#status-workflows) through the API: status changes carrying
// a note and a follow-up task, dormancy of work addresses, deactivation and reactivation, type changes,
// and admins managing the status list. Every refusal leaves the database as it was.
import { eq, sql } from 'drizzle-orm';
import { assignStatusGroups } from '../../src/access/status-groups';
import { userStatusGroups } from '../../src/access/tables';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { graphql } from '../generated';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { createCustomerReturning } = flows(() => ({ server, token: org.adminToken, ref }));

const uuid = (globalId: string) => parseGlobalId(globalId)!.id;

type Counts = { notes: number; tasks: number; audit: number; dormant: number };
async function counts(): Promise<Counts> {
  const [row] = await selectRows<Counts>(
    server.database.db,
    sql`select (select count(*)::int from notes) as notes, (select count(*)::int from tasks) as tasks,
               (select count(*)::int from audit_entries) as audit,
               (select count(*)::int from work_addresses where status = 'DORMANT') as dormant`,
  );
  return row!;
}

async function auditOf(entityGlobalId: string, action: string) {
  return selectRows<{ before: any; after: any }>(
    server.database.db,
    sql`select before, after from audit_entries where entity_id = ${uuid(entityGlobalId)} and action = ${action} order by id`,
  );
}

async function createWorkAddress(customerId: string, line1: string): Promise<string> {
  const res = await server.graphql(
    `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { field code } } }`,
    { input: { customerId, line1, postcode: 'BS1 4DJ' } },
    org.adminToken,
  );
  expect(res.data!.createWorkAddress.userErrors).toEqual([]);
  return res.data!.createWorkAddress.workAddress.id;
}

async function workAddressStatuses(customerId: string): Promise<Record<string, string>> {
  const rows = await selectRows<{ line1: string; status: string }>(
    server.database.db,
    sql`select line1, status::text from work_addresses where customer_id = ${uuid(customerId)} order by line1`,
  );
  return Object.fromEntries(rows.map((r) => [r.line1, r.status]));
}

async function customerState(id: string) {
  const res = await server.graphql(
    `query($id: ID!) { customer(id: $id) { version status { code } type { name } primaryContact { surname } } }`,
    { id },
    org.adminToken,
  );
  return res.data!.customer;
}

const CHANGE = `mutation($input: ChangeCustomerStatusInput!) {
  changeCustomerStatus(input: $input) {
    customer { id version status { code } active }
    note { id body important doNotWorkWithAgain }
    followUpTask { id subject type dueAt assignee { id } }
    userErrors { field code message }
  }
}`;

const DEACTIVATE = `mutation($input: DeactivateCustomerInput!) {
  deactivateCustomer(input: $input) {
    customer { id version status { code } active }
    note { id body important doNotWorkWithAgain }
    userErrors { field code message }
  }
}`;

const REACTIVATE = `mutation($input: ReactivateCustomerInput!) {
  reactivateCustomer(input: $input) { customer { id version status { code } active } userErrors { field code message } }
}`;

const CHANGE_TYPE = `mutation($input: ChangeCustomerTypeInput!) {
  changeCustomerType(input: $input) { customer { id version type { name } primaryContact { surname } } userErrors { field code message } }
}`;

describe('changeCustomerStatus', () => {
  it('changes the status and adds the note and follow-up task in the same step, audited', async () => {
    const customer = await createCustomerReturning('Status Note Ltd');
    const assigneeId = await org.userIdFor('SERVICE');
    const before = await counts();
    const res = await server.graphql(
      CHANGE,
      {
        input: {
          id: customer.id,
          statusId: ref.statuses.H,
          expectedVersion: 1,
          note: { body: 'Waiting for <b>references</b><script>x()</script>', important: true },
          followUpTask: { type: 'PHONE_CALL', subject: 'Chase credit check', dueAt: '2099-01-02T09:00:00Z', assigneeId },
        },
      },
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    const payload = res.data!.changeCustomerStatus;
    expect(payload.userErrors).toEqual([]);
    expect(payload.customer).toMatchObject({ id: customer.id, version: 2, status: { code: 'H' }, active: true });
    expect(payload.note).toMatchObject({ body: 'Waiting for <b>references</b>', important: true, doNotWorkWithAgain: false });
    expect(payload.followUpTask).toMatchObject({
      subject: 'Chase credit check',
      type: 'PHONE_CALL',
      dueAt: '2099-01-02T09:00:00.000Z',
      assignee: { id: assigneeId },
    });
    const after = await counts();
    // The status change, the note and the task: one audit entry each.
    expect(after).toEqual({ ...before, notes: before.notes + 1, tasks: before.tasks + 1, audit: before.audit + 3 });
    const [entry] = await auditOf(customer.id, 'customer.changeStatus');
    expect(entry).toEqual({ before: { statusId: uuid(ref.statuses.P!) }, after: { statusId: uuid(ref.statuses.H!), version: 2 } });
  });

  it('to the dormant status, marks every work address dormant, each audited', async () => {
    const customer = await createCustomerReturning('Going Dormant Ltd');
    const first = await createWorkAddress(customer.id, '1 Dormant Row');
    await createWorkAddress(customer.id, '2 Dormant Row');
    const res = await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.Z } }, org.adminToken);
    expect(res.data!.changeCustomerStatus.userErrors).toEqual([]);
    expect(res.data!.changeCustomerStatus.customer).toMatchObject({ status: { code: 'Z' }, active: false });
    expect(await workAddressStatuses(customer.id)).toEqual({ '1 Dormant Row': 'DORMANT', '2 Dormant Row': 'DORMANT' });
    expect(await auditOf(first, 'workAddress.markDormant')).toHaveLength(1);
    const [entry] = await auditOf(customer.id, 'customer.changeStatus');
    expect(entry!.after.dormantWorkAddressIds).toHaveLength(2);

    // Moving away from dormant does not silently reactivate them (docs/domain.md#status-workflows).
    const back = await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.A } }, org.adminToken);
    expect(back.data!.changeCustomerStatus.userErrors).toEqual([]);
    expect(await workAddressStatuses(customer.id)).toEqual({ '1 Dormant Row': 'DORMANT', '2 Dormant Row': 'DORMANT' });
  });

  it('refuses a bad note or task, naming the field, and writes nothing', async () => {
    const customer = await createCustomerReturning('Bad Note Ltd');
    await createWorkAddress(customer.id, '1 Bad Row');
    const before = await counts();
    const badNote = await server.graphql(
      CHANGE,
      { input: { id: customer.id, statusId: ref.statuses.Z, note: { body: '<script>x</script>' } } },
      org.adminToken,
    );
    expect(errorCodes(badNote.data!.changeCustomerStatus.userErrors)).toEqual(['input.note.body:REQUIRED']);
    expect(badNote.data!.changeCustomerStatus.customer).toBeNull();
    const badTask = await server.graphql(
      CHANGE,
      { input: { id: customer.id, statusId: ref.statuses.Z, followUpTask: { type: 'REMINDER', subject: ' ', dueAt: '2099-01-01T00:00:00Z' } } },
      org.adminToken,
    );
    expect(errorCodes(badTask.data!.changeCustomerStatus.userErrors)).toEqual(['input.followUpTask.subject:REQUIRED']);
    const badStatus = await server.graphql(CHANGE, { input: { id: customer.id, statusId: customer.id } }, org.adminToken);
    expect(errorCodes(badStatus.data!.changeCustomerStatus.userErrors)).toEqual(['input.statusId:INVALID']);
    expect(await counts()).toEqual(before);
    expect(await customerState(customer.id)).toMatchObject({ version: 1, status: { code: 'P' } });
  });

  it('refuses a stale expectedVersion with VERSION_CONFLICT', async () => {
    const customer = await createCustomerReturning('Stale Status Ltd');
    await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.A } }, org.adminToken);
    const res = await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.H, expectedVersion: 1 } }, org.adminToken);
    expect(errorCodes(res.data!.changeCustomerStatus.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    expect(await customerState(customer.id)).toMatchObject({ version: 2, status: { code: 'A' } });
  });

  it('is NOT_FOUND for a SALES user who does not own the customer, and FORBIDDEN for READ_ONLY', async () => {
    const customer = await createCustomerReturning('Not Yours Ltd');
    const before = await counts();
    const sales = await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.A, note: { body: 'x' } } }, await org.tokenFor('SALES'));
    expect(errorCodes(sales.data!.changeCustomerStatus.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const readOnly = await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.A } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
    expect(await customerState(customer.id)).toMatchObject({ version: 1, status: { code: 'P' } });
  });

  it('keeps refusing a status outside the user’s status security groups, with nothing written', async () => {
    const group = await server.graphql(
      `mutation($input: CreateStatusGroupInput!) { createStatusGroup(input: $input) { statusGroup { id } userErrors { field code } } }`,
      { input: { name: 'Credit team', statusIds: [ref.statuses.P, ref.statuses.H] } },
      org.adminToken,
    );
    const groupId = uuid(group.data!.createStatusGroup.statusGroup.id);
    const financeId = uuid(await org.userIdFor('FINANCE'));
    await server.database.db.delete(userStatusGroups).where(eq(userStatusGroups.userId, financeId));
    await assignStatusGroups(server.database.db, org.organisationId, financeId, [groupId]);
    const customer = await createCustomerReturning('Grouped Ltd');
    const finance = await org.tokenFor('FINANCE');
    const before = await counts();
    const outside = await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.A, note: { body: 'No' } } }, finance);
    expect(errorCodes(outside.data!.changeCustomerStatus.userErrors)).toEqual(['input.statusId:STATUS_NOT_PERMITTED']);
    const deactivate = await server.graphql(DEACTIVATE, { input: { id: customer.id, reason: 'No' } }, finance);
    expect(errorCodes(deactivate.data!.deactivateCustomer.userErrors)).toEqual(['input.id:STATUS_NOT_PERMITTED']);
    expect(await counts()).toEqual(before);
    const within = await server.graphql(CHANGE, { input: { id: customer.id, statusId: ref.statuses.H } }, finance);
    expect(within.data!.changeCustomerStatus.userErrors).toEqual([]);
  });

  it('with an idempotency key, a retry returns the first result and writes once; another input with the key is refused', async () => {
    const customer = await createCustomerReturning('Retry Status Ltd');
    const input = { id: customer.id, statusId: ref.statuses.A, expectedVersion: 1, note: { body: 'Signed' }, idempotencyKey: 'status-retry-1' };
    const before = await counts();
    const first = await server.graphql(CHANGE, { input }, org.adminToken);
    const retry = await server.graphql(CHANGE, { input }, org.adminToken);
    expect(first.data!.changeCustomerStatus.userErrors).toEqual([]);
    expect(retry.data!.changeCustomerStatus).toEqual(first.data!.changeCustomerStatus);
    expect(retry.data!.changeCustomerStatus.customer.version).toBe(2);
    expect(await counts()).toEqual({ ...before, notes: before.notes + 1, audit: before.audit + 2 });
    const reused = await server.graphql(CHANGE, { input: { ...input, statusId: ref.statuses.H } }, org.adminToken);
    expect(errorCodes(reused.data!.changeCustomerStatus.userErrors)).toEqual(['input.idempotencyKey:IDEMPOTENCY_KEY_REUSED']);
    expect(await customerState(customer.id)).toMatchObject({ version: 2, status: { code: 'A' } });
  });
});

describe('deactivateCustomer and reactivateCustomer', () => {
  it('deactivates in one step and reactivates reversing exactly what the deactivation did', async () => {
    const customer = await createCustomerReturning('Deactivated Ltd');
    await createWorkAddress(customer.id, '1 Active Row');
    const wasDormant = await createWorkAddress(customer.id, '2 Already Dormant Row');
    // One work address was dormant before the deactivation: reactivation leaves it so.
    await server.database.db.execute(sql`update work_addresses set status = 'DORMANT' where id = ${uuid(wasDormant)}`);
    const before = await counts();
    const res = await server.graphql(DEACTIVATE, { input: { id: customer.id, reason: 'Abusive to engineers', expectedVersion: 1 } }, org.adminToken);
    const payload = res.data!.deactivateCustomer;
    expect(payload.userErrors).toEqual([]);
    expect(payload.customer).toMatchObject({ version: 2, status: { code: 'Z' }, active: false });
    expect(payload.note).toMatchObject({ body: 'Abusive to engineers', important: true, doNotWorkWithAgain: true });
    expect(await workAddressStatuses(customer.id)).toEqual({ '1 Active Row': 'DORMANT', '2 Already Dormant Row': 'DORMANT' });
    // Customer, note and the one work address it made dormant.
    expect(await counts()).toEqual({ ...before, notes: before.notes + 1, dormant: before.dormant + 1, audit: before.audit + 3 });
    const [entry] = await auditOf(customer.id, 'customer.deactivate');
    expect(entry!.after.dormantWorkAddressIds).toHaveLength(1);
    expect(entry!.after.deactivationNoteId).toBe(uuid(payload.note.id));

    const again = await server.graphql(DEACTIVATE, { input: { id: customer.id, reason: 'Again' } }, org.adminToken);
    expect(errorCodes(again.data!.deactivateCustomer.userErrors)).toEqual(['input.id:INVALID_STATE']);

    const notActive = await server.graphql(REACTIVATE, { input: { id: customer.id, statusId: ref.statuses.I } }, org.adminToken);
    expect(errorCodes(notActive.data!.reactivateCustomer.userErrors)).toEqual(['input.statusId:INVALID']);

    const back = await server.graphql(REACTIVATE, { input: { id: customer.id, expectedVersion: 2 } }, org.adminToken);
    expect(back.data!.reactivateCustomer.userErrors).toEqual([]);
    expect(back.data!.reactivateCustomer.customer).toMatchObject({ version: 3, status: { code: 'P' }, active: true });
    expect(await workAddressStatuses(customer.id)).toEqual({ '1 Active Row': 'ACTIVE', '2 Already Dormant Row': 'DORMANT' });
    const note = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Note { important doNotWorkWithAgain version } } }`,
      { id: payload.note.id },
      org.adminToken,
    );
    expect(note.data!.node).toEqual({ important: false, doNotWorkWithAgain: false, version: 2 });
    expect(await auditOf(customer.id, 'customer.reactivate')).toHaveLength(1);

    const activeAlready = await server.graphql(REACTIVATE, { input: { id: customer.id } }, org.adminToken);
    expect(errorCodes(activeAlready.data!.reactivateCustomer.userErrors)).toEqual(['input.id:INVALID_STATE']);
  });

  it('refuses a blank reason naming the field, a stale version, a SALES non-owner and READ_ONLY, writing nothing', async () => {
    const customer = await createCustomerReturning('Refused Deactivation Ltd');
    await createWorkAddress(customer.id, '1 Kept Row');
    const before = await counts();
    const blank = await server.graphql(DEACTIVATE, { input: { id: customer.id, reason: '  ' } }, org.adminToken);
    expect(errorCodes(blank.data!.deactivateCustomer.userErrors)).toEqual(['input.reason:REQUIRED']);
    expect(blank.data!.deactivateCustomer.userErrors[0].message).toMatch(/^reason:/);
    const stale = await server.graphql(DEACTIVATE, { input: { id: customer.id, reason: 'x', expectedVersion: 7 } }, org.adminToken);
    expect(errorCodes(stale.data!.deactivateCustomer.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const sales = await server.graphql(DEACTIVATE, { input: { id: customer.id, reason: 'x' } }, await org.tokenFor('SALES'));
    expect(errorCodes(sales.data!.deactivateCustomer.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const readOnly = await server.graphql(DEACTIVATE, { input: { id: customer.id, reason: 'x' } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const reactivateReadOnly = await server.graphql(REACTIVATE, { input: { id: customer.id } }, await org.tokenFor('READ_ONLY'));
    expect(reactivateReadOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const reactivateSales = await server.graphql(REACTIVATE, { input: { id: customer.id } }, await org.tokenFor('SALES'));
    expect(errorCodes(reactivateSales.data!.reactivateCustomer.userErrors)).toEqual(['input.id:NOT_FOUND']);
    expect(await counts()).toEqual(before);
    expect(await workAddressStatuses(customer.id)).toEqual({ '1 Kept Row': 'ACTIVE' });
  });

  it('with an idempotency key, a retried deactivation returns the same customer and note and writes once', async () => {
    const customer = await createCustomerReturning('Retried Deactivation Ltd');
    const input = { id: customer.id, reason: 'Moved abroad', idempotencyKey: 'deactivate-1' };
    const before = await counts();
    const first = await server.graphql(DEACTIVATE, { input }, org.adminToken);
    const retry = await server.graphql(DEACTIVATE, { input }, org.adminToken);
    expect(first.data!.deactivateCustomer.userErrors).toEqual([]);
    expect(retry.data!.deactivateCustomer).toEqual(first.data!.deactivateCustomer);
    expect(await counts()).toEqual({ ...before, notes: before.notes + 1, audit: before.audit + 2 });
    const reused = await server.graphql(DEACTIVATE, { input: { ...input, reason: 'Something else' } }, org.adminToken);
    expect(errorCodes(reused.data!.deactivateCustomer.userErrors)).toEqual(['input.idempotencyKey:IDEMPOTENCY_KEY_REUSED']);

    const reactivate = { id: customer.id, statusId: ref.statuses.A, idempotencyKey: 'reactivate-1' };
    const r1 = await server.graphql(REACTIVATE, { input: reactivate }, org.adminToken);
    const r2 = await server.graphql(REACTIVATE, { input: reactivate }, org.adminToken);
    expect(r1.data!.reactivateCustomer.userErrors).toEqual([]);
    expect(r2.data!.reactivateCustomer).toEqual(r1.data!.reactivateCustomer);
    expect(await auditOf(customer.id, 'customer.reactivate')).toHaveLength(1);
  });
});

describe('changeCustomerType', () => {
  it('changes the type for good, clearing the primary contact when the new type has none, audited', async () => {
    const customer = await createCustomerReturning('Ms Private', {
      overrides: { typeId: ref.types.Private, contacts: [{ surname: 'Private', isPrimary: true }] },
    });
    expect((await customerState(customer.id)).primaryContact).toEqual({ surname: 'Private' });
    const res = await server.graphql(CHANGE_TYPE, { input: { id: customer.id, typeId: ref.types.Company, expectedVersion: 1 } }, org.adminToken);
    expect(res.data!.changeCustomerType.userErrors).toEqual([]);
    expect(res.data!.changeCustomerType.customer).toMatchObject({ version: 2, type: { name: 'Company' }, primaryContact: null });
    const [entry] = await auditOf(customer.id, 'customer.changeType');
    expect(entry).toEqual({ before: { typeId: uuid(ref.types.Private!) }, after: { typeId: uuid(ref.types.Company!), version: 2 } });
    const [contactEntry] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from audit_entries where action = 'contact.update' and after->>'reason' = 'customer.changeType'`,
    );
    expect(contactEntry!.n).toBe(1);
  });

  it('refuses a type whose required fields the customer lacks, naming typeId, and writes nothing', async () => {
    const customer = await createCustomerReturning('No VAT Ltd');
    const before = await counts();
    const res = await server.graphql(CHANGE_TYPE, { input: { id: customer.id, typeId: ref.types['Estate agent'] } }, org.adminToken);
    expect(errorCodes(res.data!.changeCustomerType.userErrors)).toEqual(['input.typeId:REQUIRED']);
    expect(res.data!.changeCustomerType.userErrors[0].message).toContain('vat number');
    const unknown = await server.graphql(CHANGE_TYPE, { input: { id: customer.id, typeId: ref.statuses.A } }, org.adminToken);
    expect(errorCodes(unknown.data!.changeCustomerType.userErrors)).toEqual(['input.typeId:INVALID']);
    const stale = await server.graphql(CHANGE_TYPE, { input: { id: customer.id, typeId: ref.types.Landlord, expectedVersion: 5 } }, org.adminToken);
    expect(errorCodes(stale.data!.changeCustomerType.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const sales = await server.graphql(CHANGE_TYPE, { input: { id: customer.id, typeId: ref.types.Landlord } }, await org.tokenFor('SALES'));
    expect(errorCodes(sales.data!.changeCustomerType.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const readOnly = await server.graphql(CHANGE_TYPE, { input: { id: customer.id, typeId: ref.types.Landlord } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
    expect(await customerState(customer.id)).toMatchObject({ version: 1, type: { name: 'Company' } });
  });

  it('with an idempotency key, a retry returns the same customer and version and audits once', async () => {
    const customer = await createCustomerReturning('Retry Type Ltd', { overrides: { vatNumber: 'GB123' } });
    const input = { id: customer.id, typeId: ref.types['Estate agent'], idempotencyKey: 'type-1' };
    const first = await server.graphql(CHANGE_TYPE, { input }, org.adminToken);
    const retry = await server.graphql(CHANGE_TYPE, { input }, org.adminToken);
    expect(first.data!.changeCustomerType.userErrors).toEqual([]);
    expect(retry.data!.changeCustomerType).toEqual(first.data!.changeCustomerType);
    expect(await auditOf(customer.id, 'customer.changeType')).toHaveLength(1);
  });
});

describe('customer statuses managed by admins', () => {
  const CREATE = `mutation($input: CreateCustomerStatusInput!) {
    createCustomerStatus(input: $input) { customerStatus { id code name active allowsNewWork automatedCommunications isDormant isDefault position version } userErrors { field code message } }
  }`;
  const UPDATE = `mutation($input: UpdateCustomerStatusInput!) {
    updateCustomerStatus(input: $input) { customerStatus { id code name isDormant version } userErrors { field code message } }
  }`;
  const REORDER = `mutation($input: ReorderCustomerStatusesInput!) {
    reorderCustomerStatuses(input: $input) { customerStatuses { id code position } userErrors { field code message } }
  }`;
  const STATUSES = graphql(`
    query StatusWorkflowStatuses {
      customerStatuses {
        id
        code
        isDormant
        position
      }
    }
  `);
  const list = async () => (await server.graphql(STATUSES, {}, org.adminToken)).data!.customerStatuses;

  it('creates a status at the end of the list; refuses a taken or malformed code and non-admins', async () => {
    const res = await server.graphql(
      CREATE,
      { input: { code: 'b', name: 'Bid', active: true, allowsNewWork: true, automatedCommunications: false } },
      org.adminToken,
    );
    expect(res.data!.createCustomerStatus.userErrors).toEqual([]);
    expect(res.data!.createCustomerStatus.customerStatus).toMatchObject({
      code: 'B',
      name: 'Bid',
      isDormant: false,
      isDefault: false,
      position: 7,
      version: 1,
    });
    const before = (await list()).length;
    const taken = await server.graphql(
      CREATE,
      { input: { code: 'A', name: 'Again', active: true, allowsNewWork: true, automatedCommunications: true } },
      org.adminToken,
    );
    expect(errorCodes(taken.data!.createCustomerStatus.userErrors)).toEqual(['input.code:DUPLICATE']);
    const bad = await server.graphql(
      CREATE,
      { input: { code: 'AB', name: ' ', active: true, allowsNewWork: true, automatedCommunications: true } },
      org.adminToken,
    );
    expect(errorCodes(bad.data!.createCustomerStatus.userErrors).sort()).toEqual(['input.code:INVALID', 'input.name:REQUIRED']);
    const manager = await server.graphql(
      CREATE,
      { input: { code: 'M', name: 'M', active: true, allowsNewWork: true, automatedCommunications: true } },
      await org.tokenFor('MANAGER'),
    );
    expect(manager.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await list()).length).toBe(before);
  });

  it('moves the dormant flag to another status, audited, with versions', async () => {
    const statuses = await list();
    const inactive = statuses.find((s) => s.code === 'I')!;
    const res = await server.graphql(UPDATE, { input: { id: inactive.id, isDormant: true, name: 'Closed', expectedVersion: 1 } }, org.adminToken);
    expect(res.data!.updateCustomerStatus.userErrors).toEqual([]);
    expect(res.data!.updateCustomerStatus.customerStatus).toMatchObject({ code: 'I', name: 'Closed', isDormant: true, version: 2 });
    expect((await list()).filter((s) => s.isDormant).map((s) => s.code)).toEqual(['I']);
    const stale = await server.graphql(UPDATE, { input: { id: inactive.id, name: 'Stale', expectedVersion: 1 } }, org.adminToken);
    expect(errorCodes(stale.data!.updateCustomerStatus.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const dup = await server.graphql(UPDATE, { input: { id: inactive.id, code: 'A' } }, org.adminToken);
    expect(errorCodes(dup.data!.updateCustomerStatus.userErrors)).toEqual(['input.code:DUPLICATE']);
    // Put it back for the other tests.
    const back = await server.graphql(UPDATE, { input: { id: ref.statuses.Z, isDormant: true } }, org.adminToken);
    expect(back.data!.updateCustomerStatus.userErrors).toEqual([]);
    expect((await list()).filter((s) => s.isDormant).map((s) => s.code)).toEqual(['Z']);
  });

  it('reorders the whole list in one step; refuses a partial or unknown list', async () => {
    const statuses = await list();
    const reversed = [...statuses].reverse().map((s) => s.id);
    const res = await server.graphql(REORDER, { input: { statusIds: reversed } }, org.adminToken);
    expect(res.data!.reorderCustomerStatuses.userErrors).toEqual([]);
    expect(res.data!.reorderCustomerStatuses.customerStatuses.map((s: any) => s.position)).toEqual(reversed.map((_, i) => i));
    expect((await list()).map((s) => s.id)).toEqual(reversed);
    const partial = await server.graphql(REORDER, { input: { statusIds: reversed.slice(1) } }, org.adminToken);
    expect(errorCodes(partial.data!.reorderCustomerStatuses.userErrors)).toEqual(['input.statusIds:INVALID']);
    const twice = await server.graphql(REORDER, { input: { statusIds: [reversed[0], ...reversed.slice(0, -1)] } }, org.adminToken);
    expect(errorCodes(twice.data!.reorderCustomerStatuses.userErrors)).toEqual(['input.statusIds.1:INVALID']);
    const sales = await server.graphql(REORDER, { input: { statusIds: reversed } }, await org.tokenFor('SALES'));
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await list()).map((s) => s.id)).toEqual(reversed);
  });
});
