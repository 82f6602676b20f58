// Users and their API tokens through the API: admins add and change users, anyone makes tokens for
// themself, tokens stop working when revoked or when their user is deactivated, and an organisation
// always keeps an active admin.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

const fromGlobalId = (id: string) => parseGlobalId(id)!.id;

let server: TestServer;
let org: TestOrganisation;
let other: TestOrganisation;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server, 'Users Ltd');
  other = await createTestOrganisation(server, 'Elsewhere Ltd');
});
afterAll(() => server.close());

const CREATE_USER = `
  mutation ($input: CreateUserInput!) {
    createUser(input: $input) { user { id email name role active createdAt } userErrors { field message code } }
  }`;
const UPDATE_USER = `
  mutation ($input: UpdateUserInput!) {
    updateUser(input: $input) { user { id name role active } userErrors { field message code } }
  }`;
const CREATE_TOKEN = `
  mutation ($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token
      apiToken { id name active expiresAt revokedAt user { email } }
      userErrors { field message code }
    }
  }`;
const REVOKE_TOKEN = `
  mutation ($input: RevokeApiTokenInput!) {
    revokeApiToken(input: $input) { apiToken { id active revokedAt } userErrors { field message code } }
  }`;
const WHO = `{ viewer { user { email } } }`;

async function createUser(input: Record<string, unknown>, token = org.adminToken) {
  const res = await server.graphql(CREATE_USER, { input }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.createUser;
}

async function tokenFor(userId: string, name = 'laptop', token = org.adminToken) {
  const res = await server.graphql(CREATE_TOKEN, { input: { userId, name } }, token);
  expect(res.errors).toBeUndefined();
  expect(res.data!.createApiToken.userErrors).toEqual([]);
  return res.data!.createApiToken as { token: string; apiToken: { id: string } };
}

async function adminId(): Promise<string> {
  const res = await server.graphql(`{ viewer { user { id } } }`, {}, org.adminToken);
  return res.data!.viewer.user.id;
}

describe('createUser and API tokens', () => {
  it('adds a user, makes them a token that works, and revoking it stops it', async () => {
    const created = await createUser({ email: 'grace@users.test', name: 'Grace Hopper', role: 'SALES' });
    expect(created.userErrors).toEqual([]);
    expect(created.user).toMatchObject({ email: 'grace@users.test', name: 'Grace Hopper', role: 'SALES', active: true });

    const made = await tokenFor(created.user.id);
    expect(made.token).toMatch(/^crm_/);
    expect(made.apiToken).toMatchObject({ name: 'laptop', active: true, revokedAt: null, user: { email: 'grace@users.test' } });

    const who = await server.graphql(WHO, {}, made.token);
    expect(who.data).toEqual({ viewer: { user: { email: 'grace@users.test' } } });

    // The user sees their own tokens; the token itself is never readable again.
    const own = await server.graphql(`{ viewer { user { apiTokens { id name active } } } }`, {}, made.token);
    expect(own.data!.viewer.user.apiTokens).toEqual([{ id: made.apiToken.id, name: 'laptop', active: true }]);

    const revoked = await server.graphql(REVOKE_TOKEN, { input: { id: made.apiToken.id } }, made.token);
    expect(revoked.data!.revokeApiToken.userErrors).toEqual([]);
    expect(revoked.data!.revokeApiToken.apiToken.active).toBe(false);
    expect(revoked.data!.revokeApiToken.apiToken.revokedAt).not.toBeNull();

    const after = await server.graphql(WHO, {}, made.token);
    expect(after.status).toBe(401);
    expect(after.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('audits users and tokens without ever writing the token or its hash', async () => {
    const created = await createUser({ email: 'audited@users.test', name: 'Audited', role: 'SERVICE' });
    const made = await tokenFor(created.user.id, 'audit check');
    await server.graphql(REVOKE_TOKEN, { input: { id: made.apiToken.id } }, org.adminToken);
    const rows = await selectRows<{ action: string; text: string }>(
      server.database.db,
      sql`select action, coalesce(before::text, '') || coalesce(after::text, '') as text from audit_entries
          where action in ('user.create', 'apiToken.create', 'apiToken.revoke') order by created_at`,
    );
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['user.create', 'apiToken.create', 'apiToken.revoke']));
    const [hash] = await selectRows<{ token_hash: string }>(server.database.db, sql`select token_hash from api_tokens where name = 'audit check'`);
    for (const row of rows) {
      expect(row.text).not.toContain(made.token);
      expect(row.text).not.toContain(hash!.token_hash);
      expect(row.text).not.toContain('tokenHash');
    }
  });

  it('refuses a second user with the same email, ignoring case', async () => {
    await createUser({ email: 'dup@users.test', name: 'First', role: 'SALES' });
    const before = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from users`);
    const again = await createUser({ email: 'DUP@users.test', name: 'Second', role: 'SALES' });
    expect(again.user).toBeNull();
    expect(errorCodes(again.userErrors)).toEqual(['input.email:DUPLICATE']);
    const after = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from users`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('puts the user in the given status groups, which must belong to the organisation', async () => {
    const groups = await selectRows<{ id: string; organisation_id: string }>(
      server.database.db,
      sql`select id, organisation_id from status_groups where organisation_id in (${org.organisationId}::uuid, ${other.organisationId}::uuid)`,
    );
    const own = toGlobalId('StatusGroup', groups.find((g) => g.organisation_id === org.organisationId)!.id);
    const foreign = toGlobalId('StatusGroup', groups.find((g) => g.organisation_id === other.organisationId)!.id);
    const refused = await createUser({ email: 'groups@users.test', name: 'Groups', role: 'SALES', statusGroupIds: [own, foreign] });
    expect(errorCodes(refused.userErrors)).toEqual(['input.statusGroupIds.1:NOT_FOUND']);
    const bad = await createUser({ email: 'groups@users.test', name: 'Groups', role: 'SALES', statusGroupIds: ['nonsense'] });
    expect(errorCodes(bad.userErrors)).toEqual(['input.statusGroupIds.0:INVALID']);

    const none = await createUser({ email: 'groups@users.test', name: 'Groups', role: 'SALES', statusGroupIds: [] });
    expect(none.userErrors).toEqual([]);
    const membership = async () =>
      (
        await selectRows<{ n: number }>(
          server.database.db,
          sql`select count(*)::int as n from user_status_groups where user_id = ${fromGlobalId(none.user.id)}::uuid`,
        )
      )[0]!.n;
    expect(await membership()).toBe(0);
    const set = await server.graphql(UPDATE_USER, { input: { id: none.user.id, statusGroupIds: [own] } }, org.adminToken);
    expect(set.data!.updateUser.userErrors).toEqual([]);
    expect(await membership()).toBe(1);
  });

  it('validates names and expiry', async () => {
    const blank = await createUser({ email: 'blank@users.test', name: '  ', role: 'SALES' });
    expect(errorCodes(blank.userErrors)).toEqual(['input.name:REQUIRED']);
    const past = await server.graphql(CREATE_TOKEN, { input: { name: 'old', expiresAt: '2001-01-01T00:00:00Z' } }, org.adminToken);
    expect(past.data!.createApiToken.token).toBeNull();
    expect(errorCodes(past.data!.createApiToken.userErrors)).toEqual(['input.expiresAt:INVALID']);
  });

  it('authenticates with a token until it expires, then refuses it with UNAUTHENTICATED', async () => {
    const soon = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const made = await server.graphql(CREATE_TOKEN, { input: { name: 'expiring', expiresAt: soon } }, org.adminToken);
    const token = made.data!.createApiToken.token as string;
    const viewer = await server.graphql('{ viewer { user { email } } }', {}, token);
    expect(viewer.status).toBe(200);
    expect(viewer.data!.viewer.user.email).toMatch(/^admin/);
    // Its expiry passes (moved into the past in the database: the API accepts only future ones).
    const tokenId = parseGlobalId(made.data!.createApiToken.apiToken.id as string)!.id;
    await selectRows(server.database.db, sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${tokenId}::uuid`);
    const expired = await server.graphql('{ viewer { user { email } } }', {}, token);
    expect(expired.status).toBe(401);
    expect(expired.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('refuses createUser and updateUser to non-admins with FORBIDDEN', async () => {
    const manager = await org.tokenFor('MANAGER');
    const res = await server.graphql(CREATE_USER, { input: { email: 'nope@users.test', name: 'Nope', role: 'ADMIN' } }, manager);
    expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const upd = await server.graphql(UPDATE_USER, { input: { id: await adminId(), role: 'SALES' } }, manager);
    expect(upd.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('lets a user make tokens only for themself, and revoke only their own', async () => {
    const salesToken = await org.tokenFor('SALES');
    const salesId = await org.userIdFor('SALES');
    const forOther = await server.graphql(CREATE_TOKEN, { input: { userId: await adminId(), name: 'sneaky' } }, salesToken);
    expect(errorCodes(forOther.data!.createApiToken.userErrors)).toEqual(['input.userId:NOT_PERMITTED']);
    expect(forOther.data!.createApiToken.token).toBeNull();

    const own = await server.graphql(CREATE_TOKEN, { input: { name: 'my script' } }, salesToken);
    expect(own.data!.createApiToken.userErrors).toEqual([]);
    expect(own.data!.createApiToken.apiToken.user.email).toMatch(/^sales-/);

    // Someone else's token, and another organisation's, are simply not found.
    const adminsToken = await tokenFor(await adminId(), 'admin script');
    const notMine = await server.graphql(REVOKE_TOKEN, { input: { id: adminsToken.apiToken.id } }, salesToken);
    expect(errorCodes(notMine.data!.revokeApiToken.userErrors)).toEqual(['input.id:NOT_FOUND']);
    const otherOrg = await server.graphql(REVOKE_TOKEN, { input: { id: adminsToken.apiToken.id } }, other.adminToken);
    expect(errorCodes(otherOrg.data!.revokeApiToken.userErrors)).toEqual(['input.id:NOT_FOUND']);
    expect((await server.graphql(WHO, {}, adminsToken.token)).data).not.toBeNull();

    // Another user's tokens are hidden from non-admins, visible to admins.
    const peek = await server.graphql(`query ($id: ID!) { node(id: $id) { ... on User { email apiTokens { id } } } }`, { id: await adminId() }, salesToken);
    expect(peek.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const admin = await server.graphql(`query ($id: ID!) { node(id: $id) { ... on User { apiTokens { name } } } }`, { id: salesId }, org.adminToken);
    expect(admin.errors).toBeUndefined();
    expect(admin.data!.node.apiTokens.map((t: any) => t.name)).toContain('my script');
    const direct = await server.graphql(`query ($id: ID!) { node(id: $id) { ... on ApiToken { name } } }`, { id: adminsToken.apiToken.id }, salesToken);
    expect(direct.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const ownDirect = await server.graphql(
      `query ($id: ID!) { node(id: $id) { ... on ApiToken { name user { email } } } }`,
      { id: own.data!.createApiToken.apiToken.id },
      salesToken,
    );
    expect(ownDirect.data!.node.name).toBe('my script');
  });
});

describe('updateUser', () => {
  it('changes name and role, and deactivating a user stops all their tokens', async () => {
    const created = await createUser({ email: 'leaving@users.test', name: 'Leaving', role: 'SERVICE' });
    const one = await tokenFor(created.user.id, 'one');
    const two = await tokenFor(created.user.id, 'two');
    expect((await server.graphql(WHO, {}, one.token)).data).toEqual({ viewer: { user: { email: 'leaving@users.test' } } });

    const renamed = await server.graphql(UPDATE_USER, { input: { id: created.user.id, name: 'Still Here', role: 'FINANCE' } }, org.adminToken);
    expect(renamed.data!.updateUser).toEqual({ user: { id: created.user.id, name: 'Still Here', role: 'FINANCE', active: true }, userErrors: [] });

    const off = await server.graphql(UPDATE_USER, { input: { id: created.user.id, active: false } }, org.adminToken);
    expect(off.data!.updateUser.user.active).toBe(false);
    for (const t of [one, two]) {
      const res = await server.graphql(WHO, {}, t.token);
      expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    }
    const tokens = await server.graphql(
      `query ($id: ID!) { node(id: $id) { ... on User { apiTokens { name active } } } }`,
      { id: created.user.id },
      org.adminToken,
    );
    expect(tokens.data!.node.apiTokens).toEqual([
      { name: 'two', active: false },
      { name: 'one', active: false },
    ]);

    const refused = await server.graphql(CREATE_TOKEN, { input: { userId: created.user.id, name: 'three' } }, org.adminToken);
    expect(errorCodes(refused.data!.createApiToken.userErrors)).toEqual(['input.userId:INVALID_STATE']);

    const inactive = await server.graphql(`{ users(filter: { active: false }) { nodes { email } } }`, {}, org.adminToken);
    expect(inactive.data!.users.nodes).toEqual([{ email: 'leaving@users.test' }]);

    const back = await server.graphql(UPDATE_USER, { input: { id: created.user.id, active: true } }, org.adminToken);
    expect(back.data!.updateUser.user.active).toBe(true);
    expect((await server.graphql(WHO, {}, one.token)).data).toEqual({ viewer: { user: { email: 'leaving@users.test' } } });
  });

  it('never demotes or deactivates the last active admin', async () => {
    const id = await adminId();
    const demote = await server.graphql(UPDATE_USER, { input: { id, role: 'MANAGER' } }, org.adminToken);
    expect(errorCodes(demote.data!.updateUser.userErrors)).toEqual(['input.role:INVALID_STATE']);
    const deactivate = await server.graphql(UPDATE_USER, { input: { id, active: false } }, org.adminToken);
    expect(errorCodes(deactivate.data!.updateUser.userErrors)).toEqual(['input.active:INVALID_STATE']);
    expect((await server.graphql(WHO, {}, org.adminToken)).data).not.toBeNull();

    // With a second admin, the first may step down.
    const second = await createUser({ email: 'second-admin@users.test', name: 'Second Admin', role: 'ADMIN' });
    const secondToken = (await tokenFor(second.user.id, 'second admin')).token;
    const stepDown = await server.graphql(UPDATE_USER, { input: { id, role: 'MANAGER' } }, secondToken);
    expect(stepDown.data!.updateUser.userErrors).toEqual([]);
    const last = await server.graphql(UPDATE_USER, { input: { id: second.user.id, active: false } }, secondToken);
    expect(errorCodes(last.data!.updateUser.userErrors)).toEqual(['input.active:INVALID_STATE']);
    const restore = await server.graphql(UPDATE_USER, { input: { id, role: 'ADMIN' } }, secondToken);
    expect(restore.data!.updateUser.user.role).toBe('ADMIN');
  });

  it("refuses another organisation's user as not found", async () => {
    const foreign = await server.graphql(`{ viewer { user { id } } }`, {}, other.adminToken);
    const res = await server.graphql(UPDATE_USER, { input: { id: foreign.data!.viewer.user.id, name: 'Hijacked' } }, org.adminToken);
    expect(errorCodes(res.data!.updateUser.userErrors)).toEqual(['input.id:NOT_FOUND']);
  });
});

describe('users', () => {
  it('pages users by name with search and role filters, only of the organisation', async () => {
    const all = await server.graphql(`{ users(first: 100) { totalCount nodes { name email } } }`, {}, org.adminToken);
    const names = all.data!.users.nodes.map((u: any) => u.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(all.data!.users.totalCount).toBe(names.length);
    expect(all.data!.users.nodes.every((u: any) => !u.email.endsWith('elsewhere-ltd.test'))).toBe(true);

    const first = await server.graphql(`{ users(first: 2) { edges { cursor } pageInfo { hasNextPage endCursor } } }`, {}, org.adminToken);
    const next = await server.graphql(
      `query ($after: String) { users(first: 100, after: $after) { nodes { name } } }`,
      { after: first.data!.users.pageInfo.endCursor },
      org.adminToken,
    );
    expect(first.data!.users.pageInfo.hasNextPage).toBe(true);
    expect(next.data!.users.nodes.map((u: any) => u.name.toLowerCase())).toEqual(names.slice(2));

    const search = await server.graphql(`{ users(filter: { search: "HOPPER" }) { nodes { email } } }`, {}, org.adminToken);
    expect(search.data!.users.nodes).toEqual([{ email: 'grace@users.test' }]);
    const byEmail = await server.graphql(`{ users(filter: { search: "grace@" }) { totalCount } }`, {}, org.adminToken);
    expect(byEmail.data!.users.totalCount).toBe(1);
    const admins = await server.graphql(`{ users(filter: { roles: [ADMIN], active: true }) { nodes { role active } } }`, {}, org.adminToken);
    expect(admins.data!.users.nodes.length).toBeGreaterThan(0);
    expect(admins.data!.users.nodes.every((u: any) => u.role === 'ADMIN' && u.active)).toBe(true);
  });
});
