// SLAs as users see them (docs/domain.md#service-level-agreements): definitions (every priority once,
// hours, unique names; admins and managers), a customer's own SLA, the deadlines a new job gets
// (per priority, a contract's SLA over the customer's, none without an SLA), the breach state as time
// passes (times set in the database, no sleeping), the trigger keeping responded/resolved times, and
// the slaBreaches list (most overdue first, paged, only the viewer's customers, only this organisation).
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { CREATE_CUSTOMER, customerInput, readReference, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const HOUR = 3_600_000;
const USER_ERRORS = 'userErrors { field code message }';
const SLA_FIELDS = 'id name archived version targets { priority responseHours resolutionHours }';
const CREATE_SLA = `mutation($input: CreateSlaInput!) { createSla(input: $input) { sla { ${SLA_FIELDS} } ${USER_ERRORS} } }`;
const UPDATE_SLA = `mutation($input: UpdateSlaInput!) { updateSla(input: $input) { sla { ${SLA_FIELDS} } ${USER_ERRORS} } }`;
const SET_CUSTOMER_SLA = `mutation($input: SetCustomerSlaInput!) { setCustomerSla(input: $input) { customer { id sla { id name } } ${USER_ERRORS} } }`;
const JOB_FIELDS = `id status priority createdAt respondedAt resolvedAt
  sla { sla { id name } respondBy resolveBy responseBreached resolutionBreached breachedAt }`;
const CREATE_JOB = `mutation($input: CreateJobInput!) { createJob(input: $input) { job { ${JOB_FIELDS} } ${USER_ERRORS} } }`;
const CREATE_CONTRACT = `mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id version } ${USER_ERRORS} } }`;
const BREACHES = `query($kind: SlaBreachKind!, $first: Int, $after: String) {
  slaBreaches(kind: $kind, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`;

async function gql(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as any;
}

/** Targets with each priority's hours: [response, resolution]. */
function targets(hours: Record<string, [number, number]>) {
  return Object.entries(hours).map(([priority, [responseHours, resolutionHours]]) => ({ priority, responseHours, resolutionHours }));
}
const STANDARD = targets({ LOW: [48, 240], NORMAL: [24, 72], HIGH: [8, 24], URGENT: [2, 8] });

let slaCount = 0;
async function sla(hours = STANDARD, name = `SLA ${++slaCount}`, token = org.adminToken): Promise<string> {
  const data = await gql(CREATE_SLA, { input: { name, targets: hours } }, token);
  expect(data.createSla.userErrors).toEqual([]);
  return data.createSla.sla.id;
}

async function customerWithAddress(name: string, token = org.adminToken): Promise<{ customerId: string; workAddressId: string }> {
  const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name }) }, token);
  expect(created.createCustomer.userErrors).toEqual([]);
  const customerId = created.createCustomer.customer.id;
  const wa = await gql(
    `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { code } } }`,
    { input: { customerId, line1: '1 Elm Road' } },
    token,
  );
  return { customerId, workAddressId: wa.createWorkAddress.workAddress.id };
}

async function setCustomerSla(customerId: string, slaId: string | null) {
  const data = await gql(SET_CUSTOMER_SLA, { input: { customerId, slaId } });
  expect(data.setCustomerSla.userErrors).toEqual([]);
  return data.setCustomerSla.customer;
}

async function job(where: { customerId: string; workAddressId: string }, priority?: string, token = org.adminToken) {
  const data = await gql(CREATE_JOB, { input: { ...where, description: 'Boiler not firing', ...(priority ? { priority } : {}) } }, token);
  expect(data.createJob.userErrors).toEqual([]);
  return data.createJob.job;
}

async function contract(customerId: string, input: Record<string, unknown>) {
  const data = await gql(CREATE_CONTRACT, { input: { customerId, reference: 'MC-1', termMonths: 12, startDate: '2020-01-01', ...input } });
  expect(data.createContract.userErrors).toEqual([]);
  return data.createContract.contract;
}

const hoursBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / HOUR;

/** Runs raw SQL on a job (set its times as though hours had passed). */
async function onJob(jobId: string, change: ReturnType<typeof sql>) {
  await server.database.db.execute(sql`update jobs set ${change} where id = ${parseGlobalId(jobId)!.id}`);
}

async function readJob(id: string, token = org.adminToken) {
  return (await gql(`query($id: ID!) { node(id: $id) { ... on Job { ${JOB_FIELDS} } } }`, { id }, token)).node;
}

describe('SLA definitions', () => {
  it('creates with every priority, lists by name, changes and archives (hidden by default), audited', async () => {
    const created = await gql(CREATE_SLA, { input: { name: '  Gold ', targets: [...STANDARD].reverse() } });
    expect(created.createSla).toMatchObject({
      sla: {
        name: 'Gold',
        archived: false,
        version: 1,
        targets: [
          { priority: 'LOW', responseHours: 48, resolutionHours: 240 },
          { priority: 'NORMAL', responseHours: 24, resolutionHours: 72 },
          { priority: 'HIGH', responseHours: 8, resolutionHours: 24 },
          { priority: 'URGENT', responseHours: 2, resolutionHours: 8 },
        ],
      },
      userErrors: [],
    });
    const id = created.createSla.sla.id;
    const changed = await gql(UPDATE_SLA, {
      input: { id, expectedVersion: 1, targets: targets({ LOW: [24, 120], NORMAL: [12, 48], HIGH: [4, 12], URGENT: [1, 4] }), archived: true },
    });
    expect(changed.updateSla.sla).toMatchObject({
      archived: true,
      version: 2,
      targets: expect.arrayContaining([{ priority: 'URGENT', responseHours: 1, resolutionHours: 4 }]),
    });
    const stale = await gql(UPDATE_SLA, { input: { id, expectedVersion: 1, archived: false } });
    expect(errorCodes(stale.updateSla.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);

    const listed = await gql(`{ slas(first: 100) { nodes { id } } }`, {});
    expect(listed.slas.nodes).not.toContainEqual({ id });
    const all = await gql(`{ slas(first: 100, includeArchived: true) { nodes { id archived } } }`, {});
    expect(all.slas.nodes).toContainEqual({ id, archived: true });

    const audit = await selectRows<{ action: string }>(
      server.database.db,
      sql`select action from audit_entries where entity_id = ${parseGlobalId(id)!.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['sla.create', 'sla.update']);
  });

  it('refuses a missing or repeated priority, bad hours, resolution before response, blank and duplicate names, naming the field', async () => {
    await sla(STANDARD, 'Silver');
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ name: 'SILVER', targets: STANDARD }, ['input.name:DUPLICATE']],
      [{ name: '  ', targets: STANDARD }, ['input.name:REQUIRED']],
      [{ name: 'Partial', targets: STANDARD.slice(0, 3) }, ['input.targets:INVALID']],
      [{ name: 'Twice', targets: [...STANDARD, STANDARD[0]] }, ['input.targets.4.priority:INVALID']],
      [{ name: 'Zero', targets: targets({ LOW: [0, 10], NORMAL: [1, 2], HIGH: [1, 2], URGENT: [1, 2] }) }, ['input.targets.0.responseHours:INVALID']],
      [{ name: 'Too long', targets: targets({ LOW: [1, 8761], NORMAL: [1, 2], HIGH: [1, 2], URGENT: [1, 2] }) }, ['input.targets.0.resolutionHours:INVALID']],
      [{ name: 'Backwards', targets: targets({ LOW: [10, 5], NORMAL: [1, 2], HIGH: [1, 2], URGENT: [1, 2] }) }, ['input.targets.0.resolutionHours:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const data = await gql(CREATE_SLA, { input });
      expect([input.name, errorCodes(data.createSla.userErrors)]).toEqual([input.name, expected]);
    }
  });

  it('is configuration: SALES and SERVICE users may not create or change SLAs; those who sell may give one to a customer', async () => {
    for (const role of ['SALES', 'SERVICE'] as const) {
      const res = await server.graphql(CREATE_SLA, { input: { name: `By ${role}`, targets: STANDARD } }, await org.tokenFor(role));
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const manager = await org.tokenFor('MANAGER');
    const id = await sla(STANDARD, 'By a manager', manager);
    const sales = await org.tokenFor('SALES');
    const mine = await customerWithAddress('Sales-owned Ltd', sales);
    const set = await server.graphql(SET_CUSTOMER_SLA, { input: { customerId: mine.customerId, slaId: id } }, sales);
    expect(set.data!.setCustomerSla).toEqual({ customer: { id: mine.customerId, sla: { id, name: 'By a manager' } }, userErrors: [] });
    const service = await server.graphql(SET_CUSTOMER_SLA, { input: { customerId: mine.customerId, slaId: null } }, await org.tokenFor('SERVICE'));
    expect(service.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe("a customer's own SLA", () => {
  it('is set, replaced and taken away (audited); an archived SLA cannot be given, but one already held can be kept', async () => {
    const { customerId } = await customerWithAddress('Own SLA Ltd');
    const first = await sla();
    const second = await sla();
    expect((await setCustomerSla(customerId, first)).sla.id).toBe(first);
    expect((await setCustomerSla(customerId, second)).sla.id).toBe(second);
    await gql(UPDATE_SLA, { input: { id: second, archived: true } });
    expect((await setCustomerSla(customerId, second)).sla.id).toBe(second);
    const archived = await gql(UPDATE_SLA, { input: { id: first, archived: true } });
    expect(archived.updateSla.userErrors).toEqual([]);
    const refused = await gql(SET_CUSTOMER_SLA, { input: { customerId, slaId: first } });
    expect(errorCodes(refused.setCustomerSla.userErrors)).toEqual(['input.slaId:INVALID_STATE']);
    const unknown = await gql(SET_CUSTOMER_SLA, { input: { customerId, slaId: customerId } });
    expect(errorCodes(unknown.setCustomerSla.userErrors)).toEqual(['input.slaId:INVALID']);
    expect((await setCustomerSla(customerId, null)).sla).toBeNull();
    const audit = await selectRows<{ action: string; after: { slaId: string | null } }>(
      server.database.db,
      sql`select action, after from audit_entries where entity_id = ${parseGlobalId(customerId)!.id} and action = 'customer.setSla' order by id`,
    );
    expect(audit.map((a) => a.after.slaId)).toEqual([parseGlobalId(first)!.id, parseGlobalId(second)!.id, parseGlobalId(second)!.id, null]);
  });

  it('moves with a merge: the survivor keeps the newest SLA given, and its contracts and plans come along', async () => {
    const survivor = await customerWithAddress('Survivor Ltd');
    const merged = await customerWithAddress('Merged Ltd');
    const older = await sla();
    const newer = await sla();
    await setCustomerSla(survivor.customerId, older);
    await setCustomerSla(merged.customerId, newer);
    await contract(merged.customerId, { reference: 'Merged contract', autoRenew: true, slaId: older });
    const res = await gql(
      `mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id sla { id } contracts { nodes { reference } } } moved { recordType count } userErrors { code } } }`,
      { input: { survivorId: survivor.customerId, mergedIds: [merged.customerId] } },
    );
    expect(res.mergeCustomers.userErrors).toEqual([]);
    expect(res.mergeCustomers.customer).toEqual({ id: survivor.customerId, sla: { id: newer }, contracts: { nodes: [{ reference: 'Merged contract' }] } });
    expect(res.mergeCustomers.moved).toEqual(
      expect.arrayContaining([
        { recordType: 'CustomerSla', count: 1 },
        { recordType: 'Contract', count: 1 },
      ]),
    );
    // Setting it again leaves one.
    expect((await setCustomerSla(survivor.customerId, older)).sla.id).toBe(older);
    const [rows] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from customer_slas where customer_id = ${parseGlobalId(survivor.customerId)!.id}`,
    );
    expect(rows!.n).toBe(1);
  });

  it('is not for portal tokens', async () => {
    const { customerId } = await customerWithAddress('Portal SLA Ltd');
    await setCustomerSla(customerId, await sla());
    const made = await gql(`mutation($input: CreatePortalTokenInput!) { createPortalToken(input: $input) { token userErrors { code } } }`, {
      input: { customerId, name: 'Portal', permissions: ['VIEW_JOBS', 'VIEW_INVOICES'] },
    });
    const portal = made.createPortalToken.token;
    for (const query of [
      `query($id: ID!) { customer(id: $id) { sla { id } } }`,
      `{ slas(first: 5) { totalCount } }`,
      `{ slaBreaches(kind: RESPONSE) { totalCount } }`,
    ]) {
      const res = await server.graphql(query, { id: customerId }, portal);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('deadlines of a new job', () => {
  it("come from the customer's SLA for the job's priority (NORMAL by default), counted from the job's creation", async () => {
    const where = await customerWithAddress('Priorities Ltd');
    const slaId = await sla();
    await setCustomerSla(where.customerId, slaId);
    const expected: Record<string, [number, number]> = { LOW: [48, 240], NORMAL: [24, 72], HIGH: [8, 24], URGENT: [2, 8] };
    for (const [priority, [respond, resolve]] of Object.entries(expected)) {
      const made = await job(where, priority);
      expect(made).toMatchObject({
        priority,
        status: 'OPEN',
        respondedAt: null,
        resolvedAt: null,
        sla: { sla: { id: slaId }, responseBreached: false, resolutionBreached: false, breachedAt: null },
      });
      expect(hoursBetween(made.createdAt, made.sla.respondBy)).toBeCloseTo(respond, 2);
      expect(hoursBetween(made.createdAt, made.sla.resolveBy)).toBeCloseTo(resolve, 2);
    }
    const plain = await job(where);
    expect(plain.priority).toBe('NORMAL');
    expect(hoursBetween(plain.createdAt, plain.sla.respondBy)).toBeCloseTo(24, 2);
  });

  it('are none without an SLA', async () => {
    const where = await customerWithAddress('No SLA Ltd');
    const made = await job(where, 'URGENT');
    expect(made).toMatchObject({ priority: 'URGENT', sla: null });
  });

  it("come from the customer's contract in force before its own SLA; a cancelled, expired or future contract's SLA does not apply", async () => {
    const where = await customerWithAddress('Contract SLA Ltd');
    const own = await sla(targets({ LOW: [100, 200], NORMAL: [50, 100], HIGH: [20, 40], URGENT: [10, 20] }));
    const granted = await sla(targets({ LOW: [10, 20], NORMAL: [5, 10], HIGH: [2, 4], URGENT: [1, 2] }));
    await setCustomerSla(where.customerId, own);

    // Not yet started, and past its renewal date without renewing itself: neither applies.
    await contract(where.customerId, { reference: 'Future', startDate: '2999-01-01', slaId: granted });
    await contract(where.customerId, { reference: 'Expired', startDate: '2020-01-01', slaId: granted });
    expect((await job(where, 'HIGH')).sla.sla.id).toBe(own);

    // In force: renews itself, so a passed renewal date does not end it.
    const inForce = await contract(where.customerId, { reference: 'Rolling', startDate: '2020-01-01', autoRenew: true, slaId: granted });
    const covered = await job(where, 'HIGH');
    expect(covered.sla.sla.id).toBe(granted);
    expect(hoursBetween(covered.createdAt, covered.sla.respondBy)).toBeCloseTo(2, 2);
    expect(hoursBetween(covered.createdAt, covered.sla.resolveBy)).toBeCloseTo(4, 2);

    const cancelled = await gql(`mutation($input: ContractTransitionInput!) { cancelContract(input: $input) { userErrors { code } } }`, {
      input: { id: inForce.id },
    });
    expect(cancelled.cancelContract.userErrors).toEqual([]);
    expect((await job(where, 'HIGH')).sla.sla.id).toBe(own);
    // Deadlines are fixed when the job is raised: the earlier job keeps the contract's.
    expect((await readJob(covered.id)).sla.sla.id).toBe(granted);
  });
});

describe('breach state', () => {
  it('follows the clock and the response and resolution times', async () => {
    const where = await customerWithAddress('Breaches Ltd');
    await setCustomerSla(where.customerId, await sla());
    const made = await job(where, 'URGENT');

    // Two hours on: the response deadline (2h) has passed with the job still OPEN.
    await onJob(made.id, sql`respond_by = now() - interval '10 minutes', resolve_by = now() + interval '6 hours'`);
    let read = await readJob(made.id);
    expect(read.sla).toMatchObject({ responseBreached: true, resolutionBreached: false, breachedAt: read.sla.respondBy });

    // Responded to, late: still a breach of the response deadline.
    await onJob(made.id, sql`responded_at = now()`);
    read = await readJob(made.id);
    expect(read.sla).toMatchObject({ responseBreached: true, resolutionBreached: false });

    // Responded in time, resolution overdue.
    await onJob(made.id, sql`responded_at = respond_by - interval '1 minute', resolve_by = now() - interval '1 minute'`);
    read = await readJob(made.id);
    expect(read.sla).toMatchObject({ responseBreached: false, resolutionBreached: true, breachedAt: read.sla.resolveBy });

    // Resolved in time: no breach at all.
    await onJob(made.id, sql`resolve_by = now() + interval '1 hour', resolved_at = now()`);
    read = await readJob(made.id);
    expect(read.sla).toMatchObject({ responseBreached: false, resolutionBreached: false, breachedAt: null });
  });

  it('times are kept by the database: a raw status UPDATE sets respondedAt and resolvedAt, once', async () => {
    const where = await customerWithAddress('Trigger Ltd');
    const completed = await job(where);
    await onJob(completed.id, sql`status = 'COMPLETED'`);
    let read = await readJob(completed.id);
    expect(read.respondedAt).not.toBeNull();
    expect(read.resolvedAt).not.toBeNull();
    const firstTimes = [read.respondedAt, read.resolvedAt];
    // A later status change (reopened, closed again) keeps the first times.
    await onJob(completed.id, sql`status = 'OPEN'`);
    await onJob(completed.id, sql`status = 'CANCELLED'`);
    read = await readJob(completed.id);
    expect([read.respondedAt, read.resolvedAt]).toEqual(firstTimes);

    // A change that leaves the status alone sets nothing.
    const untouched = await job(where);
    await onJob(untouched.id, sql`description = 'Changed', status = 'OPEN'`);
    expect(await readJob(untouched.id)).toMatchObject({ respondedAt: null, resolvedAt: null });
  });
});

describe('slaBreaches', () => {
  it("lists unmet passed deadlines, most overdue first, paged; met ones drop off; only the viewer's customers and this organisation", async () => {
    const other = await createTestOrganisation(server, 'Other Services');
    const otherRef = await readReference(server, other.adminToken);
    const theirs = await server.graphql(CREATE_CUSTOMER, { input: customerInput(otherRef, { name: 'Their customer' }) }, other.adminToken);
    const theirCustomer = theirs.data!.createCustomer.customer.id;
    const theirWa = await server.graphql(
      `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } } }`,
      { input: { customerId: theirCustomer, line1: '9 Far Road' } },
      other.adminToken,
    );
    const theirSla = await server.graphql(CREATE_SLA, { input: { name: 'Theirs', targets: STANDARD } }, other.adminToken);
    await server.graphql(SET_CUSTOMER_SLA, { input: { customerId: theirCustomer, slaId: theirSla.data!.createSla.sla.id } }, other.adminToken);
    const theirJob = await server.graphql(
      CREATE_JOB,
      { input: { customerId: theirCustomer, workAddressId: theirWa.data!.createWorkAddress.workAddress.id, description: 'Theirs' } },
      other.adminToken,
    );
    await onJob(theirJob.data!.createJob.job.id, sql`respond_by = now() - interval '100 hours'`);

    const slaId = await sla();
    const sales = await org.tokenFor('SALES');
    const salesCustomer = await customerWithAddress('Sales breach Ltd', sales);
    const adminCustomer = await customerWithAddress('Admin breach Ltd');
    await setCustomerSla(salesCustomer.customerId, slaId);
    await setCustomerSla(adminCustomer.customerId, slaId);

    const before = (await gql(BREACHES, { kind: 'RESPONSE', first: 100 })).slaBreaches.nodes.map((n: { id: string }) => n.id);
    const oldest = await job(adminCustomer);
    const middle = await job(salesCustomer);
    const newest = await job(adminCustomer);
    const notDue = await job(adminCustomer);
    const responded = await job(adminCustomer);
    await onJob(oldest.id, sql`respond_by = now() - interval '30 hours'`);
    await onJob(middle.id, sql`respond_by = now() - interval '20 hours'`);
    await onJob(newest.id, sql`respond_by = now() - interval '10 hours'`);
    await onJob(responded.id, sql`respond_by = now() - interval '40 hours'`);
    await onJob(responded.id, sql`status = 'COMPLETED'`);
    void notDue;

    const all = await gql(BREACHES, { kind: 'RESPONSE', first: 100 });
    const listed = all.slaBreaches.nodes.map((n: { id: string }) => n.id).filter((id: string) => !before.includes(id));
    expect(listed).toEqual([oldest.id, middle.id, newest.id]);
    expect(all.slaBreaches.nodes.map((n: { id: string }) => n.id)).not.toContain(theirJob.data!.createJob.job.id);

    // Paged by cursor: the second page starts after the first.
    const first = await gql(BREACHES, { kind: 'RESPONSE', first: before.length + 1 });
    const rest = await gql(BREACHES, { kind: 'RESPONSE', first: 100, after: first.slaBreaches.pageInfo.endCursor });
    expect([...first.slaBreaches.nodes, ...rest.slaBreaches.nodes]).toEqual(all.slaBreaches.nodes);

    // A SALES user sees the breaches of the customers they own only.
    const salesView = await gql(BREACHES, { kind: 'RESPONSE', first: 100 }, sales);
    expect(salesView.slaBreaches).toMatchObject({ totalCount: 1, nodes: [{ id: middle.id }] });

    // Resolution deadlines: a separate list; resolving takes the job off it.
    await onJob(newest.id, sql`resolve_by = now() - interval '1 hour'`);
    const resolution = await gql(BREACHES, { kind: 'RESOLUTION', first: 100 });
    expect(resolution.slaBreaches.nodes).toContainEqual({ id: newest.id });
    await onJob(newest.id, sql`status = 'CANCELLED'`);
    const after = await gql(BREACHES, { kind: 'RESOLUTION', first: 100 });
    expect(after.slaBreaches.nodes).not.toContainEqual({ id: newest.id });
    expect((await gql(BREACHES, { kind: 'RESPONSE', first: 100 })).slaBreaches.nodes).not.toContainEqual({ id: newest.id });
  });

  it('is read through the partial index', async () => {
    // With few rows the planner may prefer reading the whole table; with that ruled out, the plan shows the index serves the query.
    const plan = await server.database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return selectRows<Record<string, string>>(
        tx,
        sql`explain select id from jobs where organisation_id = ${org.organisationId} and respond_by is not null and responded_at is null and respond_by < now()
            order by respond_by, id limit 21`,
      );
    });
    expect(plan.map((p) => Object.values(p)[0]).join('\n')).toContain('jobs_response_due_idx');
  });
});
