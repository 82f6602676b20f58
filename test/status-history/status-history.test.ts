// Status history and transition rules (docs/domain.md#status-history-and-transition-rules) through the
// API: every workflow that sets a customer's or a lead's status leaves an entry (from, to, who, when,
// note) in `statusHistory`; the organisation's rules restrict changes to roles, or forbid them, on
// every path, with STATUS_TRANSITION_RESTRICTED naming the rule and nothing written; `allowedTransitions`
// agrees with what the mutations accept; pages are batched; the migration's backfill from the audit
// trail gives the history the workflows write.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { flows, importCsv } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let salesToken: string;
let managerToken: string;

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  salesToken = await org.tokenFor('SALES');
  managerToken = await org.tokenFor('MANAGER');
});
afterAll(() => server.close());

const { gql, mutate, createCustomer, createLead } = flows(() => ({ server, token: org.adminToken, ref }));

const uuid = (globalId: string) => parseGlobalId(globalId)!.id;

const CUSTOMER_HISTORY = `query($id: ID!, $first: Int, $after: String) {
  customer(id: $id) {
    version
    status { code }
    allowedTransitions { code }
    statusHistory(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id fromStatus { code } toStatus { code } changedBy { id } changedAt source note onMergedCustomer } }
    }
  }
}`;

const LEAD_HISTORY = `query($id: ID!) {
  lead(id: $id) {
    version
    status
    allowedTransitions
    statusHistory(first: 20) {
      totalCount
      nodes { id fromStatus toStatus changedBy { id } changedAt source note }
    }
  }
}`;

type CustomerChange = {
  fromStatus: { code: string } | null;
  toStatus: { code: string };
  source: string;
  note: string | null;
  onMergedCustomer: boolean;
};
type LeadChange = { fromStatus: string | null; toStatus: string; source: string; note: string | null; changedBy: { id: string } | null };

async function customerHistory(id: string, token = org.adminToken, page: { first?: number; after?: string } = { first: 20 }) {
  return (await gql(CUSTOMER_HISTORY, { id, ...page }, token)).customer;
}

/** The history as `from→to source note`, newest first: what a user reads. */
async function customerTimeline(id: string, token = org.adminToken): Promise<string[]> {
  const history = await customerHistory(id, token);
  return history.statusHistory.edges.map(
    ({ node }: { node: CustomerChange }) =>
      `${node.fromStatus?.code ?? '-'}→${node.toStatus.code} ${node.source}${node.note ? ` ${node.note}` : ''}${node.onMergedCustomer ? ' (merged)' : ''}`,
  );
}

async function lead(id: string, token = org.adminToken) {
  return (await gql(LEAD_HISTORY, { id }, token)).lead;
}

async function leadTimeline(id: string, token = org.adminToken): Promise<string[]> {
  return (await lead(id, token)).statusHistory.nodes.map((n: LeadChange) => `${n.fromStatus ?? '-'}→${n.toStatus} ${n.source}${n.note ? ` ${n.note}` : ''}`);
}

const CHANGE_CUSTOMER = `mutation($input: ChangeCustomerStatusInput!) {
  changeCustomerStatus(input: $input) { customer { id status { code } } userErrors { field code message transitionRuleId } }
}`;
const CHANGE_LEAD = `mutation($input: ChangeLeadStatusInput!) {
  changeLeadStatus(input: $input) { lead { id status } userErrors { field code message transitionRuleId } }
}`;
const CREATE_CUSTOMER_RULE = `mutation($input: CreateCustomerStatusTransitionRuleInput!) {
  createCustomerStatusTransitionRule(input: $input) {
    rule { id fromStatus { code } toStatus { code } allowedRoles reason version createdBy { id } createdAt }
    userErrors { field code message }
  }
}`;
const CREATE_LEAD_RULE = `mutation($input: CreateLeadStatusTransitionRuleInput!) {
  createLeadStatusTransitionRule(input: $input) {
    rule { id fromStatus toStatus allowedRoles reason createdBy { id } }
    userErrors { field code message }
  }
}`;
const DELETE_RULE = `mutation($input: DeleteStatusTransitionRuleInput!) {
  deleteStatusTransitionRule(input: $input) { deletedRuleId userErrors { field code message } }
}`;

async function changeCustomerStatus(input: Record<string, unknown>, token = org.adminToken) {
  return (await gql(CHANGE_CUSTOMER, { input }, token)).changeCustomerStatus;
}
async function changeLeadStatus(input: Record<string, unknown>, token = org.adminToken) {
  return (await gql(CHANGE_LEAD, { input }, token)).changeLeadStatus;
}
async function customerRule(input: Record<string, unknown>, token = org.adminToken) {
  return (await gql(CREATE_CUSTOMER_RULE, { input }, token)).createCustomerStatusTransitionRule;
}
async function leadRule(input: Record<string, unknown>, token = org.adminToken) {
  return (await gql(CREATE_LEAD_RULE, { input }, token)).createLeadStatusTransitionRule;
}
async function deleteRule(id: string) {
  const payload = (await gql(DELETE_RULE, { input: { id } })).deleteStatusTransitionRule;
  expect(payload.userErrors).toEqual([]);
}

async function rowCounts() {
  const [row] = await selectRows<{ customerChanges: number; leadChanges: number; rules: number; audit: number }>(
    server.database.db,
    sql`select (select count(*)::int from customer_status_changes) as "customerChanges",
               (select count(*)::int from lead_status_changes) as "leadChanges",
               (select count(*)::int from customer_status_transition_rules) + (select count(*)::int from lead_status_transition_rules) as rules,
               (select count(*)::int from audit_entries) as audit`,
  );
  return row!;
}

describe('customer status history', () => {
  it('records every workflow that sets the status: who, when, from, to and the note, newest first, paged', async () => {
    const adminId = (await gql(`{ viewer { user { id } } }`)).viewer.user.id;
    const id = await createCustomer('Harbour Lettings');
    expect(await customerTimeline(id)).toEqual(['-→P CREATED']);

    await mutate('changeCustomerStatus', { id, statusId: ref.statuses.A, statusNote: '  Credit check passed  ' }, 'customer { id }');
    // The same status again is no change: nothing is recorded.
    await mutate('changeCustomerStatus', { id, statusId: ref.statuses.A, statusNote: 'again' }, 'customer { id }');
    await mutate('deactivateCustomer', { id, reason: 'Stopped paying' }, 'customer { id }');
    await mutate('reactivateCustomer', { id, statusId: ref.statuses.A, statusNote: 'Paid up' }, 'customer { id }');

    expect(await customerTimeline(id)).toEqual(['Z→A REACTIVATED Paid up', 'A→Z DEACTIVATED Stopped paying', 'P→A CHANGED Credit check passed', '-→P CREATED']);
    const history = await customerHistory(id);
    expect(history.statusHistory.totalCount).toBe(4);
    for (const { node } of history.statusHistory.edges) {
      expect(node.changedBy).toEqual({ id: adminId });
      expect(Date.now() - Date.parse(node.changedAt)).toBeLessThan(60_000);
    }

    // Paging: two, then the rest after the cursor.
    const first = await customerHistory(id, org.adminToken, { first: 2 });
    expect(first.statusHistory.pageInfo.hasNextPage).toBe(true);
    expect(first.statusHistory.edges.map((e: { node: CustomerChange }) => e.node.source)).toEqual(['REACTIVATED', 'DEACTIVATED']);
    const rest = await customerHistory(id, org.adminToken, { first: 2, after: first.statusHistory.pageInfo.endCursor });
    expect(rest.statusHistory.edges.map((e: { node: CustomerChange }) => e.node.source)).toEqual(['CHANGED', 'CREATED']);
    expect(rest.statusHistory.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a status note that is too long, writing nothing', async () => {
    const id = await createCustomer('Long Notes Ltd');
    const before = await rowCounts();
    const payload = await changeCustomerStatus({ id, statusId: ref.statuses.A, statusNote: 'x'.repeat(1001) });
    expect(errorCodes(payload.userErrors)).toEqual(['input.statusNote:TOO_LONG']);
    expect(payload.userErrors[0].message).toMatch(/^statusNote: /);
    expect(await rowCounts()).toEqual(before);
    expect((await customerHistory(id)).status.code).toBe('P');
  });

  it('a merge records the survivor’s new status, and the merged customer’s history comes with it, marked', async () => {
    const survivor = await createCustomer('Merge Survivor');
    const merged = await createCustomer('Merge Duplicate');
    await mutate('changeCustomerStatus', { id: merged, statusId: ref.statuses.A }, 'customer { id }');
    await mutate(
      'mergeCustomers',
      { survivorId: survivor, mergedIds: [merged], values: [{ field: 'STATUS', fromCustomerId: merged }] },
      'customer { id status { code } }',
    );
    expect(await customerTimeline(survivor)).toEqual(['P→A MERGED', 'P→A CHANGED (merged)', '-→P CREATED (merged)', '-→P CREATED']);
  });

  it('an import records each imported customer’s first status', async () => {
    const csv = ['Name,Type,Status,Address 1,Post Code', 'Imported One,Company,A,1 Quay Street,BS1 4DJ', 'Imported Two,Company,,2 Quay Street,BS1 4DK'].join(
      '\n',
    );
    const mapping = { Name: 'name', Type: 'type', Status: 'status', 'Address 1': 'line1', 'Post Code': 'postcode' };
    const answer = await importCsv(server, '/imports/customers', org.adminToken, { mapping, mode: 'ALL_OR_NOTHING' }, csv, 'customers.csv');
    expect(answer.status).toBeLessThan(300);
    const found = (await gql(`{ customers(first: 5, filter: { name: "Imported" }, orderBy: { field: NAME }) { nodes { id name } } }`)).customers.nodes;
    expect(found.map((c: { name: string }) => c.name)).toEqual(['Imported One', 'Imported Two']);
    expect(await customerTimeline(found[0].id)).toEqual(['-→A IMPORTED']);
    expect(await customerTimeline(found[1].id)).toEqual(['-→P IMPORTED']);
  });
});

describe('lead status history', () => {
  it('records creation, changes with their notes, and conversion (and the new customer’s first status)', async () => {
    const salesId = await org.userIdFor('SALES');
    const id = await createLead({ name: 'Quayside Cafe' }, { token: salesToken });
    await changeLeadStatus({ id, status: 'CONTACTED', statusNote: 'Rang the owner' }, salesToken);
    await changeLeadStatus({ id, status: 'LOST', lostReason: 'Price' }, salesToken);
    // The reason corrected, the status the same: no change of status.
    await changeLeadStatus({ id, status: 'LOST', lostReason: 'Price, and timing' }, salesToken);
    expect(await leadTimeline(id, salesToken)).toEqual(['CONTACTED→LOST CHANGED', 'NEW→CONTACTED CHANGED Rang the owner', '-→NEW CREATED']);
    expect((await lead(id, salesToken)).statusHistory.nodes.map((n: LeadChange) => n.changedBy?.id)).toEqual([salesId, salesId, salesId]);

    const converted = await mutate('convertLead', { leadId: id, typeId: ref.types.Company, statusId: ref.statuses.H }, 'customer { id } lead { status }');
    expect(converted.lead.status).toBe('CONVERTED');
    expect((await leadTimeline(id))[0]).toBe('LOST→CONVERTED CONVERTED');
    expect(await customerTimeline(converted.customer.id)).toEqual(['-→H CONVERTED']);
    // A converted lead is read-only: nowhere to move it.
    expect((await lead(id)).allowedTransitions).toEqual([]);
  });
});

describe('transition rules', () => {
  it('a lead cannot go from LOST back to NEW without a manager; everyone sees why; nothing is written', async () => {
    const rule = await leadRule({ fromStatus: 'LOST', toStatus: 'NEW', allowedRoles: ['MANAGER', 'ADMIN'], reason: 'Reopening a lost lead needs a manager' });
    expect(rule.userErrors).toEqual([]);
    expect(rule.rule).toMatchObject({
      fromStatus: 'LOST',
      toStatus: 'NEW',
      allowedRoles: ['MANAGER', 'ADMIN'],
      reason: 'Reopening a lost lead needs a manager',
    });
    try {
      const id = await createLead({ name: 'Lost Then Found' }, { token: salesToken });
      await changeLeadStatus({ id, status: 'LOST', lostReason: 'No budget' }, salesToken);
      const before = { lead: await lead(id, salesToken), counts: await rowCounts() };
      expect(before.lead.allowedTransitions).toEqual(['CONTACTED', 'QUALIFIED']);

      const refused = await changeLeadStatus({ id, status: 'NEW', statusNote: 'They called back' }, salesToken);
      expect(refused.lead).toBeNull();
      expect(refused.userErrors).toEqual([
        {
          field: ['input', 'status'],
          code: 'STATUS_TRANSITION_RESTRICTED',
          message: expect.stringMatching(/^status: .*LOST → NEW.*Reopening a lost lead needs a manager.*only MANAGER, ADMIN may make it/),
          transitionRuleId: rule.rule.id,
        },
      ]);
      expect(await lead(id, salesToken)).toEqual(before.lead);
      expect(await rowCounts()).toEqual(before.counts);

      // A manager may, and sees that they may.
      expect((await lead(id, managerToken)).allowedTransitions).toEqual(['NEW', 'CONTACTED', 'QUALIFIED']);
      expect((await changeLeadStatus({ id, status: 'NEW', statusNote: 'They called back' }, managerToken)).userErrors).toEqual([]);
      expect((await leadTimeline(id))[0]).toBe('LOST→NEW CHANGED They called back');
    } finally {
      await deleteRule(rule.rule.id);
    }
  });

  it('a rule to CONVERTED restricts conversion', async () => {
    const rule = await leadRule({ fromStatus: 'LOST', toStatus: 'CONVERTED', allowedRoles: [] });
    try {
      const id = await createLead({ name: 'Never Convert' }, { token: salesToken });
      await changeLeadStatus({ id, status: 'LOST', lostReason: 'Gone' }, salesToken);
      const before = await rowCounts();
      const payload = (
        await gql(`mutation($input: ConvertLeadInput!) { convertLead(input: $input) { customer { id } userErrors { field code message transitionRuleId } } }`, {
          input: { leadId: id, typeId: ref.types.Company },
        })
      ).convertLead;
      expect(payload.userErrors).toEqual([
        {
          field: ['input', 'leadId'],
          code: 'STATUS_TRANSITION_RESTRICTED',
          message: expect.stringContaining('nobody may make it'),
          transitionRuleId: rule.rule.id,
        },
      ]);
      expect(await rowCounts()).toEqual(before);
      expect((await lead(id)).status).toBe('LOST');
    } finally {
      await deleteRule(rule.rule.id);
    }
  });

  it('customer rules apply on every path: change, deactivation, creation; admins are bound by a forbidding rule; removing it allows again', async () => {
    const requiresManager = await customerRule({ fromStatusId: ref.statuses.P, toStatusId: ref.statuses.A, allowedRoles: ['ADMIN', 'MANAGER'] });
    const noDormant = await customerRule({ toStatusId: ref.statuses.Z, allowedRoles: [], reason: 'Dormancy is decided by the accounts system' });
    const noInactiveStart = await customerRule({ toStatusId: ref.statuses.I, allowedRoles: ['ADMIN'] });
    for (const r of [requiresManager, noDormant, noInactiveStart]) expect(r.userErrors).toEqual([]);
    try {
      const id = await createCustomer('Ruled Ltd', { token: salesToken });
      const before = { customer: await customerHistory(id, salesToken), counts: await rowCounts() };
      // SALES (system group: every status) may go anywhere but A (needs a manager), Z (forbidden) and I (admins).
      expect(before.customer.allowedTransitions.map((s: { code: string }) => s.code)).toEqual(['H', 'C', 'D']);

      const toActive = await changeCustomerStatus({ id, statusId: ref.statuses.A, statusNote: 'Please' }, salesToken);
      expect(toActive.userErrors).toEqual([
        {
          field: ['input', 'statusId'],
          code: 'STATUS_TRANSITION_RESTRICTED',
          message: expect.stringMatching(/^statusId: .*"Prospect" → "Active".*only ADMIN, MANAGER may make it/),
          transitionRuleId: requiresManager.rule.id,
        },
      ]);
      const deactivate = (
        await gql(
          `mutation($input: DeactivateCustomerInput!) { deactivateCustomer(input: $input) { customer { id } userErrors { field code transitionRuleId } } }`,
          {
            input: { id, reason: 'Gone quiet' },
          },
        )
      ).deactivateCustomer;
      // Forbidden to everyone: the admin too.
      expect(deactivate.userErrors).toEqual([{ field: ['input', 'id'], code: 'STATUS_TRANSITION_RESTRICTED', transitionRuleId: noDormant.rule.id }]);
      expect(await customerHistory(id, salesToken)).toEqual(before.customer);
      expect(await rowCounts()).toEqual(before.counts);

      // A rule to a status from any status covers a new customer's first status.
      const created = (
        await gql(
          `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { field code transitionRuleId } } }`,
          {
            input: {
              name: 'Born Inactive',
              typeId: ref.types.Company,
              statusId: ref.statuses.I,
              address: { line1: '1 Road', postcode: 'BS1 1AA', country: 'GB' },
            },
          },
          managerToken,
        )
      ).createCustomer;
      expect(created.userErrors).toEqual([{ field: ['input', 'statusId'], code: 'STATUS_TRANSITION_RESTRICTED', transitionRuleId: noInactiveStart.rule.id }]);
      expect(await rowCounts()).toEqual(before.counts);

      // The manager may make the change the rule keeps for managers.
      expect((await customerHistory(id, managerToken)).allowedTransitions.map((s: { code: string }) => s.code)).toEqual(['H', 'C', 'A', 'D']);
      expect((await changeCustomerStatus({ id, statusId: ref.statuses.A }, managerToken)).userErrors).toEqual([]);

      await deleteRule(noDormant.rule.id);
      await mutate('deactivateCustomer', { id, reason: 'Gone quiet' }, 'customer { id }');
      expect((await customerTimeline(id))[0]).toBe('A→Z DEACTIVATED Gone quiet');
    } finally {
      for (const r of [requiresManager, noInactiveStart]) await deleteRule(r.rule.id);
    }
  });

  it('an import refuses the rows whose status a rule keeps from the importer', async () => {
    const rule = await customerRule({ toStatusId: ref.statuses.A, allowedRoles: ['ADMIN'] });
    try {
      const csv = ['Name,Type,Status,Address 1,Post Code', 'Refused Import,Company,A,1 Quay Street,BS1 4DJ'].join('\n');
      const mapping = { Name: 'name', Type: 'type', Status: 'status', 'Address 1': 'line1', 'Post Code': 'postcode' };
      const before = await rowCounts();
      const answer = await importCsv(server, '/imports/customers', managerToken, { mapping, mode: 'ALL_OR_NOTHING' }, csv, 'customers.csv');
      const job = answer.body.importJob!;
      expect(job.errors).toEqual([expect.objectContaining({ field: 'status', message: expect.stringContaining('only ADMIN may make it') })]);
      expect((await rowCounts()).customerChanges).toBe(before.customerChanges);
    } finally {
      await deleteRule(rule.rule.id);
    }
  });

  it('admins keep the rules: listed, validated with errors naming the field, one per pair, audited; others may not', async () => {
    const before = await rowCounts();
    const bad = [
      [await customerRule({ fromStatusId: ref.statuses.A, toStatusId: ref.statuses.A, allowedRoles: [] }), ['input.toStatusId:INVALID']],
      [await customerRule({ fromStatusId: ref.statuses.A!.slice(0, -2) + 'xx', allowedRoles: [] }), ['input.fromStatusId:INVALID']],
      [await customerRule({ toStatusId: ref.types.Company, allowedRoles: [] }), ['input.toStatusId:INVALID']],
      [await customerRule({ toStatusId: toGlobalId('CustomerStatus', randomUUID()), allowedRoles: [] }), ['input.toStatusId:NOT_FOUND']],
      [await customerRule({ toStatusId: ref.statuses.A, allowedRoles: ['SALES', 'SALES'] }), ['input.allowedRoles.1:INVALID']],
      [await customerRule({ toStatusId: ref.statuses.A, allowedRoles: [], reason: 'r'.repeat(501) }), ['input.reason:TOO_LONG']],
      [await leadRule({ fromStatus: 'CONVERTED', allowedRoles: [] }), ['input.fromStatus:INVALID']],
      [await leadRule({ fromStatus: 'NEW', toStatus: 'NEW', allowedRoles: [] }), ['input.toStatus:INVALID']],
    ] as const;
    for (const [payload, codes] of bad) {
      expect(payload.rule).toBeNull();
      expect(errorCodes(payload.userErrors)).toEqual(codes);
    }
    expect(await rowCounts()).toEqual(before);

    const made = await customerRule({ fromStatusId: ref.statuses.H, toStatusId: ref.statuses.A, allowedRoles: ['FINANCE'], reason: 'Credit control decides' });
    expect(made.rule).toMatchObject({ fromStatus: { code: 'H' }, toStatus: { code: 'A' }, allowedRoles: ['FINANCE'], reason: 'Credit control decides' });
    const again = await customerRule({ fromStatusId: ref.statuses.H, toStatusId: ref.statuses.A, allowedRoles: [] });
    expect(errorCodes(again.userErrors)).toEqual(['input.toStatusId:DUPLICATE']);
    const anyToLost = await leadRule({ toStatus: 'LOST', allowedRoles: ['MANAGER'] });
    const anyToLostAgain = await leadRule({ toStatus: 'LOST', allowedRoles: ['ADMIN'] });
    expect(errorCodes(anyToLostAgain.userErrors)).toEqual(['input.toStatus:DUPLICATE']);

    const lists = await gql(
      `{
      customerStatusTransitionRules { id fromStatus { code } toStatus { code } allowedRoles reason }
      leadStatusTransitionRules { id fromStatus toStatus allowedRoles }
    }`,
      {},
      salesToken,
    );
    expect(lists.customerStatusTransitionRules).toEqual([
      { id: made.rule.id, fromStatus: { code: 'H' }, toStatus: { code: 'A' }, allowedRoles: ['FINANCE'], reason: 'Credit control decides' },
    ]);
    expect(lists.leadStatusTransitionRules).toEqual([{ id: anyToLost.rule.id, fromStatus: null, toStatus: 'LOST', allowedRoles: ['MANAGER'] }]);
    // Rules are nodes.
    expect((await gql(`query($id: ID!) { node(id: $id) { id ... on LeadStatusTransitionRule { toStatus } } }`, { id: anyToLost.rule.id })).node).toEqual({
      id: anyToLost.rule.id,
      toStatus: 'LOST',
    });

    // A manager may read the rules but not change them.
    const forbidden = await server.graphql(CREATE_LEAD_RULE, { input: { toStatus: 'QUALIFIED', allowedRoles: [] } }, managerToken);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const forbiddenDelete = await server.graphql(DELETE_RULE, { input: { id: made.rule.id } }, managerToken);
    expect(forbiddenDelete.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const stale = (await gql(DELETE_RULE, { input: { id: made.rule.id, expectedVersion: 2 } })).deleteStatusTransitionRule;
    expect(errorCodes(stale.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    expect(made.rule.version).toBe(1);
    const deleted = (await gql(DELETE_RULE, { input: { id: made.rule.id, expectedVersion: 1 } })).deleteStatusTransitionRule;
    expect(deleted).toEqual({ deletedRuleId: made.rule.id, userErrors: [] });
    await deleteRule(anyToLost.rule.id);
    const gone = (await gql(DELETE_RULE, { input: { id: made.rule.id } })).deleteStatusTransitionRule;
    expect(errorCodes(gone.userErrors)).toEqual(['input.id:NOT_FOUND']);

    const audit = await selectRows<{ action: string; entityId: string }>(
      server.database.db,
      sql`select action, entity_id as "entityId" from audit_entries where action like '%StatusTransitionRule.%' order by id`,
    );
    expect(audit.filter((a) => a.entityId === uuid(made.rule.id)).map((a) => a.action)).toEqual([
      'customerStatusTransitionRule.create',
      'customerStatusTransitionRule.delete',
    ]);
    expect(audit.filter((a) => a.entityId === uuid(anyToLost.rule.id)).map((a) => a.action)).toEqual([
      'leadStatusTransitionRule.create',
      'leadStatusTransitionRule.delete',
    ]);
  });

  it('roles that cannot change a status see no allowed transitions, and still the history', async () => {
    const id = await createCustomer('Service Viewed Ltd');
    const service = await customerHistory(id, await org.tokenFor('SERVICE'));
    expect(service.allowedTransitions).toEqual([]);
    expect(service.statusHistory.totalCount).toBe(1);
    expect((await customerHistory(id, await org.tokenFor('READ_ONLY'))).allowedTransitions).toEqual([]);
    const leadId = await createLead({ name: 'Read Only Lead' });
    expect((await lead(leadId, await org.tokenFor('READ_ONLY'))).allowedTransitions).toEqual([]);
  });
});

it('history and allowed transitions of a page of records cost the same statements for 3 records as for 12 (batched)', async () => {
  for (let i = 0; i < 12; i++) {
    const id = await createCustomer(`Batch ${String(i).padStart(2, '0')}`);
    if (i % 2) await mutate('changeCustomerStatus', { id, statusId: ref.statuses.A, statusNote: `n${i}` }, 'customer { id }');
    await createLead({ name: `Batch lead ${String(i).padStart(2, '0')}` });
  }
  const rule = await customerRule({ fromStatusId: ref.statuses.A, toStatusId: ref.statuses.P, allowedRoles: ['MANAGER'] });
  const query = `query($first: Int!) {
    customers(first: $first, filter: { name: "Batch" }, orderBy: { field: NAME }) {
      nodes { allowedTransitions { code } statusHistory(first: 3) { totalCount nodes { id fromStatus { code } toStatus { code } changedBy { name } } } }
    }
    leads(first: $first, filter: { name: "Batch lead" }) {
      nodes { allowedTransitions statusHistory(first: 3) { totalCount nodes { fromStatus toStatus changedBy { name } } } }
    }
  }`;
  const few = await server.graphql(query, { first: 3 }, managerToken);
  const many = await server.graphql(query, { first: 12 }, managerToken);
  expect(few.errors).toBeUndefined();
  expect(many.errors).toBeUndefined();
  expect(many.data!.customers.nodes).toHaveLength(12);
  expect(many.data!.leads.nodes).toHaveLength(12);
  expect(many.statements).toBe(few.statements);
  await deleteRule(rule.rule.id);
});

it('the migration’s backfill from the audit trail gives the history the workflows wrote (but the notes only the workflows keep)', async () => {
  const current = async () => ({
    customers: await selectRows(
      server.database.db,
      sql`select customer_id, recorded_for_id, from_status_id, to_status_id, changed_by_id, source::text,
                 case when source = 'DEACTIVATED' then note end as note
          from customer_status_changes where source <> 'IMPORTED' order by customer_id, seq`,
    ),
    leads: await selectRows(
      server.database.db,
      sql`select lead_id, from_status::text, to_status::text, changed_by_id, source::text from lead_status_changes order by lead_id, seq`,
    ),
  });
  const written = await current();
  expect(written.customers.length).toBeGreaterThan(20);
  expect(written.leads.length).toBeGreaterThan(10);

  // The hand-written statements of the migration (after the generated ones), run again on emptied tables.
  const dir = path.join(__dirname, '../../drizzle');
  const file = fs.readdirSync(dir).find((f) => f.endsWith('_status-history.sql'))!;
  const statements = fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('--> statement-breakpoint')
    .filter((s) => s.includes('Hand-written'));
  expect(statements).toHaveLength(2);
  await server.database.db.execute(sql`delete from customer_status_changes`);
  await server.database.db.execute(sql`delete from lead_status_changes`);
  for (const statement of statements) await server.database.db.execute(sql.raw(statement));
  expect(await current()).toEqual(written);
});

it('anonymising a customer redacts the notes of its status history and of the lead it came from; deleting it deletes its history', async () => {
  const leadId = await createLead({ name: 'Jane Doe Plumbing' });
  await changeLeadStatus({ id: leadId, status: 'CONTACTED', statusNote: 'Spoke to Jane Doe' });
  const { customer } = await mutate('convertLead', { leadId, typeId: ref.types.Company }, 'customer { id }');
  await mutate('changeCustomerStatus', { id: customer.id, statusId: ref.statuses.A, statusNote: 'Jane Doe approved' }, 'customer { id }');
  const { version } = await customerHistory(customer.id);
  await mutate('anonymiseCustomer', { id: customer.id, expectedVersion: version }, 'customer { id }');
  expect(await customerTimeline(customer.id)).toEqual(['P→A CHANGED [redacted]', '-→P CONVERTED']);
  expect(await leadTimeline(leadId)).toEqual(['CONTACTED→CONVERTED CONVERTED', 'NEW→CONTACTED CHANGED [redacted]', '-→NEW CREATED']);

  const doomed = await createCustomer('Short Lived Ltd');
  await mutate('changeCustomerStatus', { id: doomed, statusId: ref.statuses.A }, 'customer { id }');
  const before = await customerHistory(doomed);
  const deleted = await mutate('deleteCustomer', { id: doomed, expectedVersion: before.version }, 'deletedCustomerId deletedRecords { recordType count }');
  expect(deleted.deletedRecords).toContainEqual({ recordType: 'CustomerStatusChange', count: 2 });
  const [left] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from customer_status_changes where customer_id = ${uuid(doomed)}`,
  );
  expect(left!.n).toBe(0);
});
