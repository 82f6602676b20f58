// Service plans as users see them (docs/domain.md#service-plans): plan definitions (tasks,
// materials, price per billing period, warranty, unique names; admins and managers), plans assigned
// to customers (dates, the customer's own work addresses only, validation naming the field, update,
// cancel, audit, idempotency, roles), the derived EXPIRED status, and the plans expiring in a window
// (both edges included, cancelled ones left out, only the viewer's customers).
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const USER_ERRORS = 'userErrors { field code message }';
const PLAN_FIELDS =
  'id name tasks materials { description quantity } price { amountMinor currency formatted } billingFrequency warrantyMonths archived version';
const CREATE_PLAN = `mutation($input: CreateServicePlanInput!) { createServicePlan(input: $input) { servicePlan { ${PLAN_FIELDS} } ${USER_ERRORS} } }`;
const UPDATE_PLAN = `mutation($input: UpdateServicePlanInput!) { updateServicePlan(input: $input) { servicePlan { ${PLAN_FIELDS} } ${USER_ERRORS} } }`;
const HELD_FIELDS = 'id startDate expiryDate status cancelledAt version customer { id } plan { id name } workAddresses { id line1 }';
const ASSIGN = `mutation($input: AssignServicePlanInput!) { assignServicePlan(input: $input) { customerServicePlan { ${HELD_FIELDS} } ${USER_ERRORS} } }`;
const UPDATE_HELD = `mutation($input: UpdateCustomerServicePlanInput!) { updateCustomerServicePlan(input: $input) { customerServicePlan { ${HELD_FIELDS} } ${USER_ERRORS} } }`;
const CANCEL_HELD = `mutation($input: CancelCustomerServicePlanInput!) { cancelCustomerServicePlan(input: $input) { customerServicePlan { ${HELD_FIELDS} } ${USER_ERRORS} } }`;
const EXPIRING = `query($from: Date!, $to: Date!, $first: Int, $after: String) {
  servicePlansExpiring(from: $from, to: $to, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id expiryDate } } }`;

async function gql(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as any;
}

let planCount = 0;
async function plan(input: Record<string, unknown> = {}): Promise<string> {
  const data = await gql(CREATE_PLAN, { input: { name: `Plan ${++planCount}`, price: { amountMinor: 1500 }, billingFrequency: 'MONTHLY', ...input } });
  expect(data.createServicePlan.userErrors).toEqual([]);
  return data.createServicePlan.servicePlan.id;
}

async function customerWithAddresses(name: string, lines: string[], token = org.adminToken): Promise<{ customerId: string; workAddressIds: string[] }> {
  const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name }) }, token);
  const customerId = created.createCustomer.customer.id;
  const workAddressIds: string[] = [];
  for (const line1 of lines) {
    const wa = await gql(
      `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { code } } }`,
      { input: { customerId, line1 } },
      token,
    );
    workAddressIds.push(wa.createWorkAddress.workAddress.id);
  }
  return { customerId, workAddressIds };
}

async function assign(input: Record<string, unknown>, token = org.adminToken) {
  const data = await gql(ASSIGN, { input: { startDate: '2026-01-01', expiryDate: '2026-12-31', ...input } }, token);
  expect(data.assignServicePlan.userErrors).toEqual([]);
  return data.assignServicePlan.customerServicePlan;
}

describe('plan definitions', () => {
  it('creates with tasks, materials, a price per period and a warranty; lists by name; changes and archives, audited', async () => {
    const created = await gql(CREATE_PLAN, {
      input: {
        name: ' Boiler care ',
        tasks: ['Inspect the flue', ' Test the safety devices '],
        materials: [{ description: 'Filter cartridge', quantity: 2 }],
        price: { amountMinor: 1250, currency: 'EUR' },
        billingFrequency: 'MONTHLY',
        warrantyMonths: 12,
      },
    });
    expect(created.createServicePlan).toMatchObject({
      servicePlan: {
        name: 'Boiler care',
        tasks: ['Inspect the flue', 'Test the safety devices'],
        materials: [{ description: 'Filter cartridge', quantity: 2 }],
        price: { amountMinor: 1250, currency: 'EUR', formatted: '€12.50' },
        billingFrequency: 'MONTHLY',
        warrantyMonths: 12,
        archived: false,
        version: 1,
      },
      userErrors: [],
    });
    const id = created.createServicePlan.servicePlan.id;
    const bare = await gql(CREATE_PLAN, { input: { name: 'Annual check', price: { amountMinor: 9900 }, billingFrequency: 'ANNUALLY' } });
    expect(bare.createServicePlan.servicePlan).toMatchObject({ tasks: [], materials: [], warrantyMonths: 0, price: { currency: 'GBP' } });

    const changed = await gql(UPDATE_PLAN, { input: { id, expectedVersion: 1, tasks: ['Full service'], price: { amountMinor: 1400 }, archived: true } });
    expect(changed.updateServicePlan.servicePlan).toMatchObject({
      tasks: ['Full service'],
      price: { amountMinor: 1400, currency: 'EUR' },
      archived: true,
      version: 2,
    });
    const stale = await gql(UPDATE_PLAN, { input: { id, expectedVersion: 1, archived: false } });
    expect(errorCodes(stale.updateServicePlan.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);

    const listed = await gql(`{ servicePlans(first: 100) { nodes { name } } }`, {});
    expect(listed.servicePlans.nodes.map((n: { name: string }) => n.name)).toContain('Annual check');
    expect(listed.servicePlans.nodes.map((n: { name: string }) => n.name)).not.toContain('Boiler care');
    const all = await gql(`{ servicePlans(first: 100, includeArchived: true) { nodes { name } } }`, {});
    expect(all.servicePlans.nodes.map((n: { name: string }) => n.name).slice(0, 2)).toEqual(['Annual check', 'Boiler care']);

    const audit = await selectRows<{ action: string }>(
      server.database.db,
      sql`select action from audit_entries where entity_id = ${parseGlobalId(id)!.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['servicePlan.create', 'servicePlan.update']);
  });

  it('refuses bad definitions, naming the field; only admins and managers define plans', async () => {
    await plan({ name: 'Gas safety' });
    const base = { name: 'Fine', price: { amountMinor: 100 }, billingFrequency: 'MONTHLY' };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ name: 'GAS SAFETY' }, ['input.name:DUPLICATE']],
      [{ name: '' }, ['input.name:REQUIRED']],
      [{ tasks: ['Inspect', '  '] }, ['input.tasks.1:REQUIRED']],
      [{ materials: [{ description: 'Valve', quantity: 0 }] }, ['input.materials.0.quantity:INVALID']],
      [{ materials: [{ description: ' ', quantity: 1 }] }, ['input.materials.0.description:REQUIRED']],
      [{ price: { amountMinor: -5 } }, ['input.price.amountMinor:INVALID']],
      [{ warrantyMonths: 121 }, ['input.warrantyMonths:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const data = await gql(CREATE_PLAN, { input: { ...base, ...input } });
      expect([input, errorCodes(data.createServicePlan.userErrors)]).toEqual([input, expected]);
    }
    for (const role of ['SALES', 'SERVICE'] as const) {
      const res = await server.graphql(CREATE_PLAN, { input: { ...base, name: role } }, await org.tokenFor(role));
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('plans customers hold', () => {
  it("assigns a plan covering the customer's own work addresses, shows it on the customer, updates and cancels it, audited", async () => {
    const planId = await plan({ name: 'Held plan' });
    const { customerId, workAddressIds } = await customerWithAddresses('Holder Ltd', ['2 Oak Road', '1 Ash Road', '3 Elm Road']);
    const held = await assign({ customerId, planId, workAddressIds: [workAddressIds[0], workAddressIds[1]] }, await org.tokenFor('SERVICE'));
    expect(held).toMatchObject({
      startDate: '2026-01-01',
      expiryDate: '2026-12-31',
      version: 1,
      customer: { id: customerId },
      plan: { id: planId, name: 'Held plan' },
      workAddresses: [
        { id: workAddressIds[1], line1: '1 Ash Road' },
        { id: workAddressIds[0], line1: '2 Oak Road' },
      ],
    });
    const tab = await gql(`query($id: ID!) { customer(id: $id) { servicePlans(first: 5) { totalCount nodes { id } } } }`, { id: customerId });
    expect(tab.customer.servicePlans).toEqual({ totalCount: 1, nodes: [{ id: held.id }] });

    const updated = await gql(UPDATE_HELD, { input: { id: held.id, expectedVersion: 1, expiryDate: '2027-06-30', workAddressIds: [workAddressIds[2]] } });
    expect(updated.updateCustomerServicePlan.customerServicePlan).toMatchObject({
      expiryDate: '2027-06-30',
      version: 2,
      workAddresses: [{ line1: '3 Elm Road' }],
    });
    const backwards = await gql(UPDATE_HELD, { input: { id: held.id, startDate: '2028-01-01' } });
    expect(errorCodes(backwards.updateCustomerServicePlan.userErrors)).toEqual(['input.expiryDate:INVALID']);

    const cancelled = await gql(CANCEL_HELD, { input: { id: held.id, expectedVersion: 2 } });
    expect(cancelled.cancelCustomerServicePlan.customerServicePlan).toMatchObject({ status: 'CANCELLED', cancelledAt: expect.any(String), version: 3 });
    const again = await gql(CANCEL_HELD, { input: { id: held.id } });
    expect(errorCodes(again.cancelCustomerServicePlan.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const change = await gql(UPDATE_HELD, { input: { id: held.id, expiryDate: '2029-01-01' } });
    expect(errorCodes(change.updateCustomerServicePlan.userErrors)).toEqual(['input.id:INVALID_STATE']);

    const audit = await selectRows<{ action: string }>(
      server.database.db,
      sql`select action from audit_entries where entity_id = ${parseGlobalId(held.id)!.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['customerServicePlan.create', 'customerServicePlan.update', 'customerServicePlan.cancel']);
  });

  it("refuses another customer's work address, none at all, bad dates and an archived plan, naming the field", async () => {
    const planId = await plan();
    const archived = await plan();
    await gql(UPDATE_PLAN, { input: { id: archived, archived: true } });
    const { customerId, workAddressIds } = await customerWithAddresses('Careful Ltd', ['1 Own Road']);
    const other = await customerWithAddresses('Neighbour Ltd', ['2 Their Road']);
    const base = { customerId, planId, startDate: '2026-01-01', expiryDate: '2026-12-31', workAddressIds };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ workAddressIds: [workAddressIds[0], other.workAddressIds[0]] }, ['input.workAddressIds.1:INVALID']],
      [{ workAddressIds: [] }, ['input.workAddressIds:REQUIRED']],
      [{ workAddressIds: Array.from({ length: 101 }, () => workAddressIds[0]) }, ['input.workAddressIds:INVALID']],
      [{ workAddressIds: [customerId] }, ['input.workAddressIds.0:INVALID']],
      [{ expiryDate: '2025-12-31' }, ['input.expiryDate:INVALID']],
      [{ planId: archived }, ['input.planId:INVALID_STATE']],
      [{ planId: customerId }, ['input.planId:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const data = await gql(ASSIGN, { input: { ...base, ...input } });
      expect([input, errorCodes(data.assignServicePlan.userErrors)]).toEqual([input, expected]);
    }
    // A start and expiry on the same day is a one-day plan.
    await assign({ ...base, expiryDate: '2026-01-01' });
  });

  it('is idempotent with a key; FINANCE and READ_ONLY may not assign; portal tokens see no plans', async () => {
    const planId = await plan();
    const { customerId, workAddressIds } = await customerWithAddresses('Once Ltd', ['1 Once Road']);
    const input = { customerId, planId, workAddressIds, idempotencyKey: 'assign-once' };
    const first = await assign(input);
    const again = await assign(input);
    expect(again.id).toBe(first.id);
    for (const role of ['FINANCE', 'READ_ONLY'] as const) {
      const res = await server.graphql(
        ASSIGN,
        { input: { ...input, idempotencyKey: role, startDate: '2026-01-01', expiryDate: '2026-12-31' } },
        await org.tokenFor(role),
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const made = await gql(`mutation($input: CreatePortalTokenInput!) { createPortalToken(input: $input) { token } }`, {
      input: { customerId, name: 'Portal', permissions: ['VIEW_JOBS'] },
    });
    const portal = made.createPortalToken.token;
    const tab = await server.graphql(`query($id: ID!) { customer(id: $id) { servicePlans { totalCount } } }`, { id: customerId }, portal);
    expect(tab.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byId = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: first.id }, portal);
    expect(byId.data?.node ?? null).toBeNull();
  });

  it('is EXPIRED once its expiry date has passed', async () => {
    const planId = await plan();
    const { customerId, workAddressIds } = await customerWithAddresses('Lapsed Ltd', ['1 Old Road']);
    expect((await assign({ customerId, planId, workAddressIds, startDate: '2020-01-01', expiryDate: '2020-12-31' })).status).toBe('EXPIRED');
    expect((await assign({ customerId, planId, workAddressIds, startDate: '2020-01-01', expiryDate: '2999-12-31' })).status).toBe('ACTIVE');
  });
});

describe('servicePlansExpiring', () => {
  it("lists plans expiring from `from` to `to`, both included, soonest first, paged; cancelled ones and other people's customers are left out", async () => {
    const planId = await plan();
    const sales = await org.tokenFor('SALES');
    const mine = await customerWithAddresses('Expiring Ltd', ['1 Soon Road']);
    const theirs = await customerWithAddresses('Sales expiring Ltd', ['2 Soon Road'], sales);
    const at = (expiryDate: string, who = mine) =>
      assign(
        { customerId: who.customerId, planId, workAddressIds: who.workAddressIds, startDate: '2040-01-01', expiryDate },
        who === theirs ? sales : org.adminToken,
      );
    await at('2041-05-31');
    const firstDay = await at('2041-06-01');
    const middle = await at('2041-06-15', theirs);
    const lastDay = await at('2041-06-30');
    await at('2041-07-01');
    const cancelled = await at('2041-06-10');
    await gql(CANCEL_HELD, { input: { id: cancelled.id } });

    const all = await gql(EXPIRING, { from: '2041-06-01', to: '2041-06-30', first: 10 });
    expect(all.servicePlansExpiring.totalCount).toBe(3);
    expect(all.servicePlansExpiring.nodes.map((n: { id: string }) => n.id)).toEqual([firstDay.id, middle.id, lastDay.id]);
    const page1 = await gql(EXPIRING, { from: '2041-06-01', to: '2041-06-30', first: 1 });
    const page2 = await gql(EXPIRING, { from: '2041-06-01', to: '2041-06-30', first: 5, after: page1.servicePlansExpiring.pageInfo.endCursor });
    expect(page2.servicePlansExpiring.nodes.map((n: { id: string }) => n.id)).toEqual([middle.id, lastDay.id]);
    const salesView = await gql(EXPIRING, { from: '2041-06-01', to: '2041-06-30' }, sales);
    expect(salesView.servicePlansExpiring.nodes.map((n: { id: string }) => n.id)).toEqual([middle.id]);
    const backwards = await server.graphql(EXPIRING, { from: '2041-06-30', to: '2041-06-01' }, org.adminToken);
    expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
