// Customer status security groups: admins manage the groups; a user limited to some statuses sees
// only those as choices and cannot set, or move a customer away from, any other; admins and members
// of the system group are not limited.
import { and, eq, sql } from 'drizzle-orm';
import { assertStatusPermitted } from '../../src/access/status-group-service';
import { assignStatusGroups } from '../../src/access/status-groups';
import { userStatusGroups } from '../../src/access/tables';
import { RecordVisibility } from '../../src/access/visibility';
import type { Actor } from '../../src/audit/service';
import { auditEntries } from '../../src/audit/tables';
import { systemActor } from '../../src/auth/actor';
import type { Role } from '../../src/auth/roles';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { UserErrors } from '../../src/graph/user-errors';
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER_DOCUMENT, customerInput, startTestOrganisation, readReference, type CustomerOverrides, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let salesToken: string;
let salesUserId: string;
let managerToken: string;
let managerUserId: string;
/** The sales user's group: Hold for Credit Check (H) and Active (A). Credit Check in Progress (C) is outside. */
let groupId: string;

const GROUP_FIELDS = `id name description isSystem version statuses { code } members { name }`;
const CREATE_GROUP = `mutation($input: CreateStatusGroupInput!) {
  createStatusGroup(input: $input) { statusGroup { ${GROUP_FIELDS} } userErrors { field message code } } }`;
const UPDATE_GROUP = `mutation($input: UpdateStatusGroupInput!) {
  updateStatusGroup(input: $input) { statusGroup { ${GROUP_FIELDS} } userErrors { field message code } } }`;
const DELETE_GROUP = `mutation($input: DeleteStatusGroupInput!) {
  deleteStatusGroup(input: $input) { statusGroup { id } userErrors { field message code } } }`;
const STATUSES = `query($only: Boolean) { customerStatuses(assignableOnly: $only) { code assignable } }`;

const uuid = (globalId: string) => parseGlobalId(globalId)!.id;

/** Takes a user out of every group (the system group they joined on creation), then into `groupIds`. */
async function setGroups(userGlobalId: string, groupIds: string[]): Promise<void> {
  const db = server.database.db;
  await db.delete(userStatusGroups).where(eq(userStatusGroups.userId, uuid(userGlobalId)));
  await assignStatusGroups(db, org.organisationId, uuid(userGlobalId), groupIds.map(uuid));
}

async function counts(): Promise<{ groups: number; links: number; customers: number; audit: number }> {
  const [row] = await selectRows<{ groups: number; links: number; customers: number; audit: number }>(
    server.database.db,
    sql`select (select count(*)::int from status_groups) as groups, (select count(*)::int from status_group_statuses) as links,
               (select count(*)::int from customers) as customers, (select count(*)::int from audit_entries) as audit`,
  );
  return row!;
}

/** A status group as its audit entries record it. */
type StatusGroupAudit = { name: string; statusIds: string[] };

async function auditOf(entityGlobalId: string, action: string) {
  return server.database.db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.entityId, uuid(entityGlobalId)), eq(auditEntries.action, action)));
}

const { gql } = flows(() => ({ server, token: org.adminToken, ref }));

/** createCustomer as `token`, which may be refused: the payload, user errors and all. */
async function createCustomerAs(token: string, overrides: CustomerOverrides) {
  return (await gql(CREATE_CUSTOMER_DOCUMENT, { input: customerInput(ref, overrides) }, token)).createCustomer;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  salesToken = await org.tokenFor('SALES');
  salesUserId = await org.userIdFor('SALES');
  managerToken = await org.tokenFor('MANAGER');
  managerUserId = await org.userIdFor('MANAGER');
});
afterAll(() => server.close());

describe('managing status groups', () => {
  it('an admin creates a group with two statuses, listed in status order, and it is audited', async () => {
    const res = await server.graphql(
      CREATE_GROUP,
      { input: { name: ' Credit team ', description: 'Statuses the credit team sets', statusIds: [ref.statuses.A, ref.statuses.H, ref.statuses.A] } },
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    const { statusGroup, userErrors } = res.data!.createStatusGroup;
    expect(userErrors).toEqual([]);
    expect(statusGroup).toMatchObject({
      name: 'Credit team',
      description: 'Statuses the credit team sets',
      isSystem: false,
      version: 1,
      statuses: [{ code: 'H' }, { code: 'A' }],
      members: [],
    });
    groupId = statusGroup.id;
    const [entry] = await auditOf(groupId, 'statusGroup.create');
    expect(entry).toBeDefined();
    expect((entry!.after as { statusIds: string[] }).statusIds).toHaveLength(2);
  });

  it('refuses a blank name, an unknown status and a duplicate name, naming the field, and writes nothing', async () => {
    const before = await counts();
    const blank = await server.graphql(CREATE_GROUP, { input: { name: '  ', statusIds: [] } }, org.adminToken);
    expect(errorCodes(blank.data!.createStatusGroup.userErrors)).toEqual(['input.name:REQUIRED']);

    const other = await createTestOrganisation(server, 'Other Org');
    const foreign = (await readReference(server, other.adminToken)).statuses.A;
    const unknown = await server.graphql(CREATE_GROUP, { input: { name: 'Foreign', statusIds: [ref.statuses.A, foreign] } }, org.adminToken);
    expect(errorCodes(unknown.data!.createStatusGroup.userErrors)).toEqual(['input.statusIds.1:NOT_FOUND']);

    const notAStatus = await server.graphql(CREATE_GROUP, { input: { name: 'Wrong', statusIds: [groupId] } }, org.adminToken);
    expect(errorCodes(notAStatus.data!.createStatusGroup.userErrors)).toEqual(['input.statusIds.0:INVALID']);

    const duplicate = await server.graphql(CREATE_GROUP, { input: { name: 'CREDIT TEAM', statusIds: [] } }, org.adminToken);
    expect(errorCodes(duplicate.data!.createStatusGroup.userErrors)).toEqual(['input.name:DUPLICATE']);
    expect(duplicate.data!.createStatusGroup.statusGroup).toBeNull();

    const after = await counts();
    // The other organisation brought its own system group and audit rows; this one wrote nothing.
    expect(after.groups).toBe(before.groups + 1);
    expect(after.links).toBe(before.links);
  });

  it('is for admins only: others get a FORBIDDEN error', async () => {
    const res = await server.graphql(CREATE_GROUP, { input: { name: 'Mine', statusIds: [ref.statuses.C] } }, salesToken);
    expect(res.data?.createStatusGroup ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lists the groups by name; the system group holds every status and the users who joined it', async () => {
    const res = await server.graphql(`{ statusGroups { ${GROUP_FIELDS} } }`, {}, org.adminToken);
    expect(res.errors).toBeUndefined();
    const [system, credit] = [...res.data!.statusGroups].sort((a: any, b: any) => Number(b.isSystem) - Number(a.isSystem));
    expect(res.data!.statusGroups.map((g: any) => g.name)).toEqual(['All customer statuses', 'Credit team']);
    expect(system).toMatchObject({ isSystem: true, statuses: Object.keys(ref.statuses).map((code) => ({ code })) });
    expect(system.members.map((m: any) => m.name)).toEqual(expect.arrayContaining(['SALES user', 'MANAGER user']));
    expect(credit.statuses).toEqual([{ code: 'H' }, { code: 'A' }]);
  });

  it('refuses to change or delete the system group', async () => {
    const { data } = await server.graphql(`{ statusGroups { id isSystem } }`, {}, org.adminToken);
    const system = data!.statusGroups.find((g: any) => g.isSystem).id;
    const update = await server.graphql(UPDATE_GROUP, { input: { id: system, name: 'Everything' } }, org.adminToken);
    expect(errorCodes(update.data!.updateStatusGroup.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const remove = await server.graphql(DELETE_GROUP, { input: { id: system } }, org.adminToken);
    expect(errorCodes(remove.data!.deleteStatusGroup.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const again = await server.graphql(`{ statusGroups { name isSystem } }`, {}, org.adminToken);
    expect(again.data!.statusGroups).toContainEqual({ name: 'All customer statuses', isSystem: true });
  });
});

describe('a user limited to a group', () => {
  beforeAll(async () => {
    await setGroups(salesUserId, [groupId]);
    await setGroups(managerUserId, []);
  });

  it('sees their groups, and only the group’s statuses as choices', async () => {
    const res = await server.graphql(`{ viewer { user { statusGroups { name } } } }`, {}, salesToken);
    expect(res.data!.viewer.user.statusGroups).toEqual([{ name: 'Credit team' }]);

    const only = await server.graphql(STATUSES, { only: true }, salesToken);
    expect(only.data!.customerStatuses).toEqual([
      { code: 'H', assignable: true },
      { code: 'A', assignable: true },
    ]);
    const all = await server.graphql(STATUSES, {}, salesToken);
    expect(all.data!.customerStatuses).toHaveLength(Object.keys(ref.statuses).length);
    for (const status of all.data!.customerStatuses) expect(status.assignable).toBe(status.code === 'H' || status.code === 'A');
  });

  it('works out what the viewer may set once per request, not once per status', async () => {
    const plain = await server.graphql(`{ customerStatuses { code } }`, {}, salesToken);
    const withAssignable = await server.graphql(STATUSES, {}, salesToken);
    // The viewer's groups and their statuses: two statements, whatever the number of statuses.
    expect(withAssignable.statements - plain.statements).toBeLessThanOrEqual(2);
  });

  it('creates customers only in the group’s statuses, the default status included', async () => {
    const before = await counts();
    const ok = await createCustomerAs(salesToken, { name: 'In A', statusId: ref.statuses.A });
    expect(ok.userErrors).toEqual([]);
    expect(ok.customer!.status.code).toBe('A');

    const outside = await createCustomerAs(salesToken, { name: 'In C', statusId: ref.statuses.C });
    expect(errorCodes(outside.userErrors)).toEqual(['input.statusId:STATUS_NOT_PERMITTED']);
    expect(outside.userErrors[0]!.message).toContain('Credit Check in Progress');
    expect(outside.customer).toBeNull();

    const byDefault = await createCustomerAs(salesToken, { name: 'Default status' });
    expect(errorCodes(byDefault.userErrors)).toEqual(['input.statusId:STATUS_NOT_PERMITTED']);

    const after = await counts();
    expect(after.customers).toBe(before.customers + 1);
  });

  it('a user with no groups may set no status', async () => {
    const only = await server.graphql(STATUSES, { only: true }, managerToken);
    expect(only.data!.customerStatuses).toEqual([]);
    const res = await createCustomerAs(managerToken, { name: 'Nowhere', statusId: ref.statuses.A });
    expect(errorCodes(res.userErrors)).toEqual(['input.statusId:STATUS_NOT_PERMITTED']);
  });

  it('admins are not limited, whatever their groups', async () => {
    await setGroups(await org.userIdFor('ADMIN'), [groupId]);
    const only = await server.graphql(STATUSES, { only: true }, org.adminToken);
    expect(only.data!.customerStatuses).toHaveLength(Object.keys(ref.statuses).length);
    expect(only.data!.customerStatuses.every((s: any) => s.assignable)).toBe(true);
    const res = await createCustomerAs(org.adminToken, { name: 'Admin in C', statusId: ref.statuses.C });
    expect(res.userErrors).toEqual([]);
  });
});

describe('changeCustomerStatus for a user limited to a group', () => {
  const CHANGE = `mutation($input: ChangeCustomerStatusInput!) {
    changeCustomerStatus(input: $input) { customer { status { code } version } userErrors { field code message } }
  }`;
  const statusOf = async (id: string) =>
    (await server.graphql(`query($id: ID!) { customer(id: $id) { status { code } } }`, { id }, org.adminToken)).data!.customer.status.code;

  it('moves a customer within the group, audited; refuses a move to or from a status outside it, changing nothing', async () => {
    const created = await createCustomerAs(salesToken, { name: 'Moving Ltd', statusId: ref.statuses.A });
    const id = created.customer!.id;

    const within = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.H } }, salesToken);
    expect(within.data!.changeCustomerStatus).toEqual({ customer: { status: { code: 'H' }, version: 2 }, userErrors: [] });
    const [entry] = await auditOf(id, 'customer.changeStatus');
    expect(entry!.before).toEqual({ statusId: uuid(ref.statuses.A!) });
    expect(entry!.after).toEqual({ statusId: uuid(ref.statuses.H!), version: 2 });

    const toOutside = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.C } }, salesToken);
    expect(errorCodes(toOutside.data!.changeCustomerStatus.userErrors)).toEqual(['input.statusId:STATUS_NOT_PERMITTED']);
    expect(await statusOf(id)).toBe('H');

    // An admin moves it outside the group; the limited user may not move it back.
    const byAdmin = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.C } }, org.adminToken);
    expect(byAdmin.data!.changeCustomerStatus.userErrors).toEqual([]);
    const fromOutside = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.A } }, salesToken);
    expect(errorCodes(fromOutside.data!.changeCustomerStatus.userErrors)).toEqual(['input.statusId:STATUS_NOT_PERMITTED']);
    expect(fromOutside.data!.changeCustomerStatus.userErrors[0].message).toContain('Credit Check in Progress');
    expect(await statusOf(id)).toBe('C');
    expect(await auditOf(id, 'customer.changeStatus')).toHaveLength(2);
  });
});

// The check itself, for the cases GraphQL does not reach (system jobs, portal tokens).
describe('assertStatusPermitted (the check for status changes)', () => {
  const base = () => ({ organisationId: org.organisationId, requestId: null, currency: 'GBP', visibility: new RecordVisibility(org.organisationId, null) });
  const userActor = (userGlobalId: string, role: Role): Actor => ({
    ...base(),
    kind: 'user',
    userId: uuid(userGlobalId),
    role,
    isAdmin: role === 'ADMIN',
    portalTokenId: null,
  });
  const portalActor = (portalTokenId: string): Actor => ({ ...base(), kind: 'portal', userId: null, role: null, isAdmin: false, portalTokenId });
  const check = (actor: Actor, from: string | null | undefined, to: string | undefined) =>
    assertStatusPermitted(server.database.db, actor, from ? uuid(from) : null, uuid(to!)).then(
      () => 'permitted',
      (e: unknown) => (e instanceof UserErrors ? errorCodes(e.errors).join() : Promise.reject(e)),
    );

  it('allows a change within the group and refuses one to or from a status outside it', async () => {
    const sales = userActor(salesUserId, 'SALES');
    expect(await check(sales, ref.statuses.A, ref.statuses.H)).toBe('permitted');
    expect(await check(sales, ref.statuses.A, ref.statuses.C)).toBe('input.statusId:STATUS_NOT_PERMITTED');
    expect(await check(sales, ref.statuses.C, ref.statuses.A)).toBe('input.statusId:STATUS_NOT_PERMITTED');
    // Not a change: nothing to refuse.
    expect(await check(sales, ref.statuses.C, ref.statuses.C)).toBe('permitted');
  });

  it('names the current status when that is the one outside the groups', async () => {
    await expect(assertStatusPermitted(server.database.db, userActor(salesUserId, 'SALES'), uuid(ref.statuses.C!), uuid(ref.statuses.A!))).rejects.toThrow(
      /current status "Credit Check in Progress"/,
    );
  });

  it('does not limit admins or the server’s own jobs, but does limit a portal token', async () => {
    expect(await check(userActor(salesUserId, 'ADMIN'), ref.statuses.C, ref.statuses.Z)).toBe('permitted');
    expect(await check(systemActor(org.organisationId, 'test'), ref.statuses.C, ref.statuses.Z)).toBe('permitted');
    expect(await check(portalActor('00000000-0000-0000-0000-000000000001'), null, ref.statuses.A)).toBe('input.statusId:STATUS_NOT_PERMITTED');
  });
});

describe('changing and deleting a group', () => {
  it('renames it and replaces its statuses, with expectedVersion, audited before and after', async () => {
    const res = await server.graphql(
      UPDATE_GROUP,
      { input: { id: groupId, expectedVersion: 1, name: 'Credit control', description: null, statusIds: [ref.statuses.A, ref.statuses.C] } },
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.updateStatusGroup.userErrors).toEqual([]);
    expect(res.data!.updateStatusGroup.statusGroup).toMatchObject({
      name: 'Credit control',
      description: null,
      version: 2,
      statuses: [{ code: 'C' }, { code: 'A' }],
    });
    expect(res.data!.updateStatusGroup.statusGroup.members.map((m: any) => m.name)).toEqual(expect.arrayContaining(['SALES user']));
    const [entry] = await auditOf(groupId, 'statusGroup.update');
    const [before, after] = [entry!.before as StatusGroupAudit, entry!.after as StatusGroupAudit];
    expect(before.name).toBe('Credit team');
    expect(after.name).toBe('Credit control');
    expect(after.statusIds).toEqual([uuid(ref.statuses.A!), uuid(ref.statuses.C!)].sort());

    // The members' choices follow at once.
    const only = await server.graphql(STATUSES, { only: true }, salesToken);
    expect(only.data!.customerStatuses.map((s: any) => s.code)).toEqual(['C', 'A']);
  });

  it('refuses a stale version, a taken name and a blank name, and changes nothing', async () => {
    const stale = await server.graphql(UPDATE_GROUP, { input: { id: groupId, expectedVersion: 1, name: 'Late' } }, org.adminToken);
    expect(errorCodes(stale.data!.updateStatusGroup.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const taken = await server.graphql(UPDATE_GROUP, { input: { id: groupId, name: 'all customer statuses' } }, org.adminToken);
    expect(errorCodes(taken.data!.updateStatusGroup.userErrors)).toEqual(['input.name:DUPLICATE']);
    const blank = await server.graphql(UPDATE_GROUP, { input: { id: groupId, name: '' } }, org.adminToken);
    expect(errorCodes(blank.data!.updateStatusGroup.userErrors)).toEqual(['input.name:REQUIRED']);
    const { data } = await server.graphql(`{ statusGroups { id name version statuses { code } } }`, {}, org.adminToken);
    expect(data!.statusGroups.find((g: any) => g.id === groupId)).toEqual({
      id: groupId,
      name: 'Credit control',
      version: 2,
      statuses: [{ code: 'C' }, { code: 'A' }],
    });
  });

  it('deletes it: its members lose its statuses, and the deletion is audited', async () => {
    const res = await server.graphql(DELETE_GROUP, { input: { id: groupId } }, org.adminToken);
    expect(res.errors).toBeUndefined();
    expect(res.data!.deleteStatusGroup).toEqual({ statusGroup: null, userErrors: [] });
    expect(await auditOf(groupId, 'statusGroup.delete')).toHaveLength(1);
    const only = await server.graphql(STATUSES, { only: true }, salesToken);
    expect(only.data!.customerStatuses).toEqual([]);
    const gone = await server.graphql(DELETE_GROUP, { input: { id: groupId } }, org.adminToken);
    expect(errorCodes(gone.data!.deleteStatusGroup.userErrors)).toEqual(['input.id:NOT_FOUND']);
  });
});
