// Renewals and upgrades as users see them (docs/domain.md#renewals-and-upgrades): linking an asset
// to an opportunity of the same customer (refused across customers, leads and organisations), quote
// lines naming the asset they renew or upgrade, Asset.renewals and Opportunity.assets, raising an
// opportunity from an expiry (once), expiringSoon's windows at their edges, and appointments linked
// to an opportunity of the same record.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { readReference, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { gql, mutation, createCustomer, createLead } = flows(() => ({ server, token: org.adminToken, ref }));

const LINK = `mutation($input: LinkAssetToOpportunityInput!) { linkAssetToOpportunity(input: $input) {
  asset { id renewals { kind opportunity { id } quote { id } quoteLinePosition } } opportunity { id assets { kind asset { id } } } userErrors { field code message } } }`;
const UNLINK = `mutation($input: UnlinkAssetFromOpportunityInput!) { unlinkAssetFromOpportunity(input: $input) {
  asset { renewals { kind } } userErrors { field code message } } }`;
const RAISE = `mutation($input: RaiseOpportunityFromExpiryInput!) { raiseOpportunityFromExpiry(input: $input) {
  opportunity { id name expectedCloseDate customer { id } lead { id } expiry { id } } expiry { id opportunity { id } } userErrors { field code message } } }`;
const EXPIRING = `query($withinDays: Int, $from: Date, $to: Date, $kind: ExpiringKind, $first: Int, $after: String) {
  expiringSoon(withinDays: $withinDays, from: $from, to: $to, kind: $kind, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { kind endsOn expiry { id } asset { id } customer { id } lead { id } } } }`;

async function asset(customerId: string, renewalDate?: string): Promise<string> {
  const made = await mutation(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { field code } } }`, {
    customerId,
    description: 'Combi boiler',
    renewalDate,
  });
  return made.asset.id;
}

async function opportunity(recordId: string, name = 'Boiler replacement', token = org.adminToken): Promise<string> {
  const made = await mutation(
    `mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } userErrors { field code } } }`,
    { recordId, name },
    { token },
  );
  return made.opportunity.id;
}

async function expiry(ownerId: string, endsOn: string, supplier = 'British Gas'): Promise<string> {
  const made = await mutation(`mutation($input: CreateExpiryInput!) { createExpiry(input: $input) { expiry { id } userErrors { field code } } }`, {
    ownerId,
    supplier,
    description: 'Boiler cover',
    endsOn,
  });
  return made.expiry.id;
}

const day = (offset: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset)).toISOString().slice(0, 10);
};

describe('assets and opportunities', () => {
  it('links an asset to an opportunity of the same customer, changes the kind, unlinks, and audits each', async () => {
    const customerId = await createCustomer('Renewals Ltd');
    const boiler = await asset(customerId);
    const opp = await opportunity(customerId);
    const linked = (await gql(LINK, { input: { assetId: boiler, opportunityId: opp, kind: 'RENEWAL' } })).linkAssetToOpportunity;
    expect(linked.userErrors).toEqual([]);
    expect(linked.asset.renewals).toEqual([{ kind: 'RENEWAL', opportunity: { id: opp }, quote: null, quoteLinePosition: null }]);
    expect(linked.opportunity.assets).toEqual([{ kind: 'RENEWAL', asset: { id: boiler } }]);
    // Again with the same kind: nothing changes; with another kind: the kind changes.
    await gql(LINK, { input: { assetId: boiler, opportunityId: opp, kind: 'RENEWAL' } });
    const upgraded = (await gql(LINK, { input: { assetId: boiler, opportunityId: opp, kind: 'UPGRADE' } })).linkAssetToOpportunity;
    expect(upgraded.opportunity.assets).toEqual([{ kind: 'UPGRADE', asset: { id: boiler } }]);
    const unlinked = (await gql(UNLINK, { input: { assetId: boiler, opportunityId: opp } })).unlinkAssetFromOpportunity;
    expect(unlinked).toEqual({ asset: { renewals: [] }, userErrors: [] });
    const again = (await gql(UNLINK, { input: { assetId: boiler, opportunityId: opp } })).unlinkAssetFromOpportunity;
    expect(errorCodes(again.userErrors)).toEqual(['input.opportunityId:NOT_FOUND']);
    const entries = await selectRows<{ action: string }>(
      server.database.db,
      sql`select action from audit_entries where entity_id = ${parseGlobalId(boiler)!.id} and action like 'asset.%link%' order by id`,
    );
    expect(entries.map((e) => e.action)).toEqual(['asset.linkOpportunity', 'asset.linkOpportunity', 'asset.unlinkOpportunity']);
  });

  it('refuses links across customers, to a lead’s opportunity, and across organisations', async () => {
    const mine = await createCustomer('Mine Renewals Ltd');
    const theirs = await createCustomer('Theirs Renewals Ltd');
    const boiler = await asset(mine);
    const otherCustomers = await opportunity(theirs);
    const lead = await createLead({ name: 'Renewal Lead' });
    const leads = await opportunity(lead);
    const across = (await gql(LINK, { input: { assetId: boiler, opportunityId: otherCustomers, kind: 'RENEWAL' } })).linkAssetToOpportunity;
    expect(errorCodes(across.userErrors)).toEqual(['input.opportunityId:INVALID']);
    const toLead = (await gql(LINK, { input: { assetId: boiler, opportunityId: leads, kind: 'RENEWAL' } })).linkAssetToOpportunity;
    expect(errorCodes(toLead.userErrors)).toEqual(['input.opportunityId:INVALID']);
    const other = await createTestOrganisation(server, 'Other Renewals Org');
    const otherRef = await readReference(server, other.adminToken);
    const foreignCustomer = await createCustomer('Foreign Ltd', { token: other.adminToken, ref: otherRef });
    const foreignOpportunity = await opportunity(foreignCustomer, 'Foreign', other.adminToken);
    const foreign = (await gql(LINK, { input: { assetId: boiler, opportunityId: foreignOpportunity, kind: 'RENEWAL' } })).linkAssetToOpportunity;
    expect(errorCodes(foreign.userErrors)).toEqual(['input.opportunityId:NOT_FOUND']);
    const fromThere = await server.graphql(LINK, { input: { assetId: boiler, opportunityId: foreignOpportunity, kind: 'RENEWAL' } }, other.adminToken);
    expect(errorCodes(fromThere.data!.linkAssetToOpportunity.userErrors)).toEqual(['input.assetId:NOT_FOUND']);
    const service = await server.graphql(LINK, { input: { assetId: boiler, opportunityId: otherCustomers, kind: 'RENEWAL' } }, await org.tokenFor('SERVICE'));
    expect(service.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lets a quote line name the customer’s asset it renews or upgrades, and lists it under the asset', async () => {
    const customerId = await createCustomer('Quoted Renewals Ltd');
    const boiler = await asset(customerId);
    const opp = await opportunity(customerId);
    const QUOTE = `mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id lines { position asset { id } assetLinkKind } } userErrors { field code message } } }`;
    const line = (extra: Record<string, unknown>) => ({ description: 'New boiler', quantity: '1', unitPriceMinor: 150000, ...extra });
    const made = (
      await gql(QUOTE, {
        input: { recordId: customerId, opportunityId: opp, lines: [line({}), line({ assetId: boiler, assetLinkKind: 'UPGRADE' })] },
      })
    ).createQuote;
    expect(made.userErrors).toEqual([]);
    expect(made.quote.lines).toEqual([
      { position: 0, asset: null, assetLinkKind: null },
      { position: 1, asset: { id: boiler }, assetLinkKind: 'UPGRADE' },
    ]);
    const renewals = await gql(`query($id: ID!) { node(id: $id) { ... on Asset { renewals { kind opportunity { id } quote { id } quoteLinePosition } } } }`, {
      id: boiler,
    });
    expect(renewals.node.renewals).toEqual([{ kind: 'UPGRADE', opportunity: { id: opp }, quote: { id: made.quote.id }, quoteLinePosition: 1 }]);
    const noKind = (await gql(QUOTE, { input: { recordId: customerId, lines: [line({ assetId: boiler })] } })).createQuote;
    expect(errorCodes(noKind.userErrors)).toEqual(['input.lines.0.assetLinkKind:REQUIRED']);
    const theirs = await createCustomer('Quoted Theirs Ltd');
    const across = (await gql(QUOTE, { input: { recordId: theirs, lines: [line({ assetId: boiler, assetLinkKind: 'RENEWAL' })] } })).createQuote;
    expect(errorCodes(across.userErrors)).toEqual(['input.lines.0.assetId:INVALID']);
    const lead = await createLead({ name: 'Quoted Lead' });
    const forLead = (await gql(QUOTE, { input: { recordId: lead, lines: [line({ assetId: boiler, assetLinkKind: 'RENEWAL' })] } })).createQuote;
    expect(errorCodes(forLead.userErrors)).toEqual(['input.lines.0.assetId:INVALID']);
  });
});

describe('raising an opportunity from an expiry', () => {
  it('raises one on the expiry’s customer or lead, remembers the expiry, and refuses a second', async () => {
    const customerId = await createCustomer('Expiring Ltd');
    const ends = await expiry(customerId, '2099-03-31');
    const raised = (await gql(RAISE, { input: { expiryId: ends, idempotencyKey: 'raise-1' } })).raiseOpportunityFromExpiry;
    expect(raised.userErrors).toEqual([]);
    expect(raised.opportunity).toMatchObject({
      name: 'Replace British Gas: Boiler cover',
      expectedCloseDate: '2099-03-31',
      customer: { id: customerId },
      lead: null,
      expiry: { id: ends },
    });
    expect(raised.expiry.opportunity).toEqual({ id: raised.opportunity.id });
    // A retry with the key returns the first; a new attempt is refused.
    const retried = (await gql(RAISE, { input: { expiryId: ends, idempotencyKey: 'raise-1' } })).raiseOpportunityFromExpiry;
    expect(retried.opportunity.id).toBe(raised.opportunity.id);
    const twice = (await gql(RAISE, { input: { expiryId: ends, name: 'Again' } })).raiseOpportunityFromExpiry;
    expect(errorCodes(twice.userErrors)).toEqual(['input.expiryId:INVALID_STATE']);
    const lead = await createLead({ name: 'Expiring Lead' });
    const leadExpiry = await expiry(lead, '2099-06-30', 'EDF');
    const forLead = (await gql(RAISE, { input: { expiryId: leadExpiry, name: 'Switch to us', expectedCloseDate: '2099-05-01' } })).raiseOpportunityFromExpiry;
    expect(forLead.opportunity).toMatchObject({ name: 'Switch to us', expectedCloseDate: '2099-05-01', customer: null, lead: { id: lead } });
    const blank = (await gql(RAISE, { input: { expiryId: await expiry(lead, '2099-07-01'), name: ' ' } })).raiseOpportunityFromExpiry;
    expect(errorCodes(blank.userErrors)).toEqual(['input.name:REQUIRED']);
  });

  it('does not raise from another organisation’s expiry', async () => {
    const customerId = await createCustomer('Expiry Elsewhere Ltd');
    const ends = await expiry(customerId, '2099-01-31');
    const other = await createTestOrganisation(server, 'Expiry Other Org');
    const res = await server.graphql(RAISE, { input: { expiryId: ends } }, other.adminToken);
    expect(errorCodes(res.data!.raiseOpportunityFromExpiry.userErrors)).toEqual(['input.expiryId:NOT_FOUND']);
  });
});

describe('expiringSoon', () => {
  it('lists expiries of leads and customers and assets due for renewal in the window, both ends included', async () => {
    // Far in the future, so that the other tests' records are outside these windows.
    const customerId = await createCustomer('Window Ltd');
    const lead = await createLead({ name: 'Window Lead' });
    const before = await expiry(customerId, '2150-01-31');
    const first = await expiry(customerId, '2150-02-01');
    const leadsExpiry = await expiry(lead, '2150-02-15');
    const boilerSameDay = await asset(customerId, '2150-02-15');
    const last = await asset(customerId, '2150-02-28');
    const after = await asset(customerId, '2150-03-01');
    const page = async (variables: Record<string, unknown>) => (await gql(EXPIRING, variables)).expiringSoon;
    const all = await page({ from: '2150-02-01', to: '2150-02-28' });
    expect(all.totalCount).toBe(4);
    expect(all.nodes.map((n: { kind: string; endsOn: string }) => `${n.kind} ${n.endsOn}`)).toEqual([
      'EXPIRY 2150-02-01',
      'EXPIRY 2150-02-15',
      'ASSET 2150-02-15',
      'ASSET 2150-02-28',
    ]);
    expect(all.nodes[0]).toMatchObject({ expiry: { id: first }, asset: null, customer: { id: customerId }, lead: null });
    expect(all.nodes[1]).toMatchObject({ expiry: { id: leadsExpiry }, customer: null, lead: { id: lead } });
    expect(all.nodes[2]).toMatchObject({ asset: { id: boilerSameDay }, expiry: null });
    expect(all.nodes[3]).toMatchObject({ asset: { id: last } });
    // Paging by cursor, and one kind at a time.
    const one = await page({ from: '2150-02-01', to: '2150-02-28', first: 2 });
    expect(one.pageInfo.hasNextPage).toBe(true);
    const two = await page({ from: '2150-02-01', to: '2150-02-28', first: 2, after: one.pageInfo.endCursor });
    expect(two.nodes.map((n: { endsOn: string }) => n.endsOn)).toEqual(['2150-02-15', '2150-02-28']);
    expect(two.pageInfo.hasNextPage).toBe(false);
    expect((await page({ from: '2150-02-01', to: '2150-02-28', kind: 'ASSET' })).totalCount).toBe(2);
    expect((await page({ from: '2150-01-31', to: '2150-01-31' })).nodes).toEqual([expect.objectContaining({ expiry: { id: before } })]);
    expect((await page({ from: '2150-03-01', to: '2150-03-01' })).nodes).toEqual([expect.objectContaining({ asset: { id: after } })]);
  });

  it('counts withinDays from today, both ends included', async () => {
    const customerId = await createCustomer('Within Ltd');
    const today = await expiry(customerId, day(0));
    const yesterday = await expiry(customerId, day(-1));
    const inThirty = await asset(customerId, day(30));
    const inThirtyOne = await asset(customerId, day(31));
    const ids = async (withinDays: number) =>
      (await gql(EXPIRING, { withinDays, first: 100 })).expiringSoon.nodes.map(
        (n: { expiry: { id: string } | null; asset: { id: string } | null }) => (n.expiry ?? n.asset)!.id,
      );
    const thirty = await ids(30);
    expect(thirty).toEqual(expect.arrayContaining([today, inThirty]));
    expect(thirty).not.toContain(yesterday);
    expect(thirty).not.toContain(inThirtyOne);
    expect(await ids(0)).toContain(today);
    expect(await ids(0)).not.toContain(inThirty);
    const both = await server.graphql(EXPIRING, { withinDays: 3, from: day(0), to: day(1) }, org.adminToken);
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const backwards = await server.graphql(EXPIRING, { from: day(2), to: day(1) }, org.adminToken);
    expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shows a restricted user only the records it sees', async () => {
    const customerId = await createCustomer('Hidden Window Ltd');
    const hidden = await expiry(customerId, '2160-05-05');
    const sales = await server.graphql(EXPIRING, { from: '2160-05-05', to: '2160-05-05' }, await org.tokenFor('SALES'));
    expect(sales.errors).toBeUndefined();
    expect(sales.data!.expiringSoon.nodes).toEqual([]);
    const admin = await gql(EXPIRING, { from: '2160-05-05', to: '2160-05-05' });
    expect(admin.expiringSoon.nodes).toEqual([expect.objectContaining({ expiry: { id: hidden } })]);
  });
});

describe('appointments and opportunities', () => {
  const TASK = `mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id type opportunity { id } } userErrors { field code message } } }`;
  const UPDATE_TASK = `mutation($input: UpdateTaskInput!) { updateTask(input: $input) { task { type opportunity { id } } userErrors { field code message } } }`;

  it('links an appointment to an opportunity of the same lead or customer only', async () => {
    const customerId = await createCustomer('Appointments Ltd');
    const opp = await opportunity(customerId);
    const base = { ownerId: customerId, subject: 'Survey', dueAt: '2099-01-01T09:00:00Z' };
    const made = (await gql(TASK, { input: { ...base, type: 'APPOINTMENT', opportunityId: opp } })).createTask;
    expect(made.userErrors).toEqual([]);
    expect(made.task.opportunity).toEqual({ id: opp });
    const call = (await gql(TASK, { input: { ...base, type: 'PHONE_CALL', opportunityId: opp } })).createTask;
    expect(errorCodes(call.userErrors)).toEqual(['input.opportunityId:INVALID']);
    const theirs = await opportunity(await createCustomer('Appointments Theirs Ltd'));
    const across = (await gql(TASK, { input: { ...base, type: 'APPOINTMENT', opportunityId: theirs } })).createTask;
    expect(errorCodes(across.userErrors)).toEqual(['input.opportunityId:INVALID']);
    const lead = await createLead({ name: 'Appointment Lead' });
    const leadOpp = await opportunity(lead);
    const forLead = (await gql(TASK, { input: { ...base, ownerId: lead, type: 'APPOINTMENT', opportunityId: leadOpp } })).createTask;
    expect(forLead.task.opportunity).toEqual({ id: leadOpp });
    const cleared = (await gql(UPDATE_TASK, { input: { id: made.task.id, opportunityId: null } })).updateTask;
    expect(cleared.task.opportunity).toBeNull();
    const relinked = (await gql(UPDATE_TASK, { input: { id: made.task.id, opportunityId: opp } })).updateTask;
    expect(relinked.task.opportunity).toEqual({ id: opp });
    // A task that stops being an appointment loses its opportunity.
    const retyped = (await gql(UPDATE_TASK, { input: { id: made.task.id, type: 'PHONE_CALL' } })).updateTask;
    expect(retyped.task).toEqual({ type: 'PHONE_CALL', opportunity: null });
  });
});
