// Contracts as users see them (docs/domain.md#contracts): recording one (the renewal date derived
// from the term or given), validation naming the field, updates, renewal by one term, cancellation,
// the derived EXPIRED status, who may change them, and the renewals due in a window (both edges
// included, cancelled ones left out, only the viewer's customers).
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
const CONTRACT_FIELDS = `id reference termMonths startDate renewalDate autoRenew pricingTerms price { amountMinor currency formatted }
  billingFrequency sla { id } status cancelledAt version customer { id }`;
const CREATE = `mutation($input: CreateContractInput!) { createContract(input: $input) { contract { ${CONTRACT_FIELDS} } ${USER_ERRORS} } }`;
const UPDATE = `mutation($input: UpdateContractInput!) { updateContract(input: $input) { contract { ${CONTRACT_FIELDS} } ${USER_ERRORS} } }`;
const RENEW = `mutation($input: ContractTransitionInput!) { renewContract(input: $input) { contract { ${CONTRACT_FIELDS} } ${USER_ERRORS} } }`;
const CANCEL = `mutation($input: ContractTransitionInput!) { cancelContract(input: $input) { contract { ${CONTRACT_FIELDS} } ${USER_ERRORS} } }`;
const DUE = `query($from: Date!, $to: Date!, $first: Int, $after: String) {
  contractsDueForRenewal(from: $from, to: $to, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id reference renewalDate } } }`;
const STANDARD_SLA = ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((priority) => ({ priority, responseHours: 4, resolutionHours: 24 }));

async function gql(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as any;
}

async function customer(name: string, token = org.adminToken): Promise<string> {
  const data = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name }) }, token);
  expect(data.createCustomer.userErrors).toEqual([]);
  return data.createCustomer.customer.id;
}

async function contract(input: Record<string, unknown>, token = org.adminToken) {
  const data = await gql(CREATE, { input: { reference: 'MC-1', termMonths: 12, startDate: '2026-01-01', ...input } }, token);
  expect(data.createContract.userErrors).toEqual([]);
  return data.createContract.contract;
}

async function slaId(name: string): Promise<string> {
  const data = await gql(`mutation($input: CreateSlaInput!) { createSla(input: $input) { sla { id } userErrors { code } } }`, {
    input: { name, targets: STANDARD_SLA },
  });
  return data.createSla.sla.id;
}

describe('recording a contract', () => {
  it('derives the renewal date from the term (month ends kept in the month), or takes the one given', async () => {
    const customerId = await customer('Terms Ltd');
    const sla = await slaId('Contract gold');
    const derived = await contract({
      customerId,
      reference: '  MC-2041 Boiler maintenance ',
      termMonths: 1,
      startDate: '2026-01-31',
      autoRenew: true,
      pricingTerms: 'Monthly in advance',
      price: { amountMinor: 1999 },
      billingFrequency: 'MONTHLY',
      slaId: sla,
    });
    expect(derived).toMatchObject({
      reference: 'MC-2041 Boiler maintenance',
      termMonths: 1,
      startDate: '2026-01-31',
      renewalDate: '2026-02-28',
      autoRenew: true,
      pricingTerms: 'Monthly in advance',
      price: { amountMinor: 1999, currency: 'GBP', formatted: '£19.99' },
      billingFrequency: 'MONTHLY',
      sla: { id: sla },
      status: 'ACTIVE',
      cancelledAt: null,
      version: 1,
      customer: { id: customerId },
    });
    const given = await contract({ customerId, termMonths: 24, startDate: '2026-03-15', renewalDate: '2028-01-01' });
    expect(given).toMatchObject({ renewalDate: '2028-01-01', autoRenew: false, price: null, billingFrequency: null, sla: null });

    const listed = await gql(`query($id: ID!) { customer(id: $id) { contracts(first: 10) { totalCount nodes { id } } } }`, { id: customerId });
    expect(listed.customer.contracts).toEqual({ totalCount: 2, nodes: [{ id: derived.id }, { id: given.id }] });
  });

  it('refuses bad terms, naming each field', async () => {
    const customerId = await customer('Bad terms Ltd');
    const archived = await slaId('Contract archived');
    await gql(`mutation($input: UpdateSlaInput!) { updateSla(input: $input) { userErrors { code } } }`, { input: { id: archived, archived: true } });
    const base = { customerId, reference: 'X', termMonths: 12, startDate: '2026-01-01' };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ reference: ' ' }, ['input.reference:REQUIRED']],
      [{ termMonths: 0 }, ['input.termMonths:INVALID']],
      [{ termMonths: 121 }, ['input.termMonths:INVALID']],
      [{ renewalDate: '2026-01-01' }, ['input.renewalDate:INVALID']],
      [{ price: { amountMinor: 100 } }, ['input.billingFrequency:REQUIRED']],
      [{ price: { amountMinor: -1 }, billingFrequency: 'MONTHLY' }, ['input.price.amountMinor:INVALID']],
      [{ slaId: archived }, ['input.slaId:INVALID_STATE']],
      [{ customerId: archived }, ['input.customerId:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const data = await gql(CREATE, { input: { ...base, ...input } });
      expect([input, errorCodes(data.createContract.userErrors)]).toEqual([input, expected]);
    }
  });

  it('is idempotent with a key', async () => {
    const customerId = await customer('Retry Ltd');
    const input = { customerId, reference: 'Once', termMonths: 12, startDate: '2026-01-01', idempotencyKey: 'contract-once' };
    const first = await gql(CREATE, { input });
    const again = await gql(CREATE, { input });
    expect(again.createContract.contract.id).toBe(first.createContract.contract.id);
    const listed = await gql(`query($id: ID!) { customer(id: $id) { contracts { totalCount } } }`, { id: customerId });
    expect(listed.customer.contracts.totalCount).toBe(1);
  });

  it('is for those who sell: SERVICE, FINANCE and READ_ONLY users are refused; portal tokens see no contracts', async () => {
    const customerId = await customer('Roles Ltd');
    for (const role of ['SERVICE', 'FINANCE', 'READ_ONLY'] as const) {
      const res = await server.graphql(CREATE, { input: { customerId, reference: role, termMonths: 12, startDate: '2026-01-01' } }, await org.tokenFor(role));
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const made = await gql(`mutation($input: CreatePortalTokenInput!) { createPortalToken(input: $input) { token } }`, {
      input: { customerId, name: 'Portal', permissions: ['VIEW_JOBS'] },
    });
    const res = await server.graphql(`query($id: ID!) { customer(id: $id) { contracts { totalCount } } }`, { id: customerId }, made.createPortalToken.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('changing a contract', () => {
  it('updates (a new term moves the renewal date), renews by one term, cancels, audited; a cancelled contract changes no more', async () => {
    const customerId = await customer('Lifecycle Ltd');
    const made = await contract({ customerId, startDate: '2026-01-01', price: { amountMinor: 5000 }, billingFrequency: 'QUARTERLY' });
    expect(made.renewalDate).toBe('2027-01-01');

    const stale = await gql(UPDATE, { input: { id: made.id, expectedVersion: 9, termMonths: 6 } });
    expect(errorCodes(stale.updateContract.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const cleared = await gql(UPDATE, { input: { id: made.id, termMonths: null } });
    expect(errorCodes(cleared.updateContract.userErrors)).toEqual(['input.termMonths:REQUIRED']);

    const updated = await gql(UPDATE, { input: { id: made.id, expectedVersion: 1, termMonths: 6, pricingTerms: 'Quarterly by direct debit' } });
    expect(updated.updateContract.contract).toMatchObject({ termMonths: 6, renewalDate: '2026-07-01', pricingTerms: 'Quarterly by direct debit', version: 2 });
    const noPrice = await gql(UPDATE, { input: { id: made.id, price: null } });
    expect(noPrice.updateContract.contract).toMatchObject({ price: null, billingFrequency: null });

    const renewed = await gql(RENEW, { input: { id: made.id, expectedVersion: 3 } });
    expect(renewed.renewContract.contract).toMatchObject({ startDate: '2026-07-01', renewalDate: '2027-01-01', status: 'ACTIVE', version: 4 });

    const cancelled = await gql(CANCEL, { input: { id: made.id, expectedVersion: 4 } });
    expect(cancelled.cancelContract.contract).toMatchObject({ status: 'CANCELLED', cancelledAt: expect.any(String) });
    for (const [mutation, name] of [
      [CANCEL, 'cancelContract'],
      [RENEW, 'renewContract'],
      [UPDATE, 'updateContract'],
    ] as const) {
      const again = await gql(mutation, { input: { id: made.id } });
      expect(errorCodes(again[name].userErrors)).toEqual(['input.id:INVALID_STATE']);
    }
    const audit = await selectRows<{ action: string }>(
      server.database.db,
      sql`select action from audit_entries where entity_id = ${parseGlobalId(made.id)!.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['contract.create', 'contract.update', 'contract.update', 'contract.renew', 'contract.cancel']);
  });

  it('is EXPIRED past its renewal date unless it renews itself', async () => {
    const customerId = await customer('Expiry Ltd');
    const ended = await contract({ customerId, startDate: '2020-01-01' });
    const rolling = await contract({ customerId, startDate: '2020-01-01', autoRenew: true });
    expect(ended.status).toBe('EXPIRED');
    expect(rolling.status).toBe('ACTIVE');
  });
});

describe('contractsDueForRenewal', () => {
  it("lists renewals from `from` to `to`, both included, soonest first, paged; cancelled ones and other people's customers are left out", async () => {
    const sales = await org.tokenFor('SALES');
    const mine = await customer('Renewals Ltd');
    const theirs = await customer('Sales renewals Ltd', sales);
    const at = (renewalDate: string, customerId = mine, reference = renewalDate) =>
      contract({ customerId, reference, startDate: '2030-01-01', renewalDate }, customerId === theirs ? sales : org.adminToken);
    await at('2031-02-28', mine, 'day before');
    const firstDay = await at('2031-03-01', mine, 'first day');
    const middle = await at('2031-03-15', theirs, 'middle');
    const lastDay = await at('2031-03-31', mine, 'last day');
    await at('2031-04-01', mine, 'day after');
    const cancelled = await at('2031-03-10', mine, 'cancelled');
    await gql(CANCEL, { input: { id: cancelled.id } });

    const due = await gql(DUE, { from: '2031-03-01', to: '2031-03-31', first: 10 });
    expect(due.contractsDueForRenewal.totalCount).toBe(3);
    expect(due.contractsDueForRenewal.nodes.map((n: { id: string }) => n.id)).toEqual([firstDay.id, middle.id, lastDay.id]);

    const page1 = await gql(DUE, { from: '2031-03-01', to: '2031-03-31', first: 2 });
    expect(page1.contractsDueForRenewal.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(DUE, { from: '2031-03-01', to: '2031-03-31', first: 2, after: page1.contractsDueForRenewal.pageInfo.endCursor });
    expect(page2.contractsDueForRenewal.nodes.map((n: { id: string }) => n.id)).toEqual([lastDay.id]);

    const salesView = await gql(DUE, { from: '2031-03-01', to: '2031-03-31' }, sales);
    expect(salesView.contractsDueForRenewal.nodes.map((n: { id: string }) => n.id)).toEqual([middle.id]);

    const backwards = await server.graphql(DUE, { from: '2031-03-31', to: '2031-03-01' }, org.adminToken);
    expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
