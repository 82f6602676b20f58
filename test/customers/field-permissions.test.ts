// Who may change which of a customer's fields (issue 10, item 6): every role against every field
// group of `updateCustomer`, a delegated grant that must not turn into ownership, and the other
// paths that set an owner (createCustomer, updateLead, convertLead).
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { buildSchema as buildSdl, isInputObjectType, type GraphQLInputObjectType } from 'graphql';
import { customerFieldGroups } from '../../src/customers/field-permissions';
import { selectRows } from '../../src/db/client';
import { toGlobalId } from '../../src/graph/ids';
import { createUser } from '../../src/organisations/service';
import type { Role } from '../../src/tenancy/tables';
import { importCsv } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
type User = { id: string; token: string };
/** `seller` owns the customers below; `grantee` holds a live, time-limited grant on each. */
let seller: User;
let grantee: User;
let managerId: string;

const UPDATE = `mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { id name version owner { id } creditorDays creditLimit { amountMinor } vatNumber thirdPartyReference buildingType vacantProperty businessUnit { id } }
    userErrors { field code message }
  }
}`;
const GRANT = `mutation($input: GrantRecordAccessInput!) { grantRecordAccess(input: $input) { accessGrant { id } userErrors { field code } } }`;
const REVOKE = `mutation($input: RevokeRecordAccessInput!) { revokeRecordAccess(input: $input) { userErrors { field code } } }`;
const READ = `query($id: ID!) { customer(id: $id) { id name version owner { id } creditorDays creditLimit { amountMinor } vatNumber buildingType } }`;

async function user(role: Role, email: string): Promise<User> {
  const made = await createUser(server.database.db, org.organisationId, { email, name: email.split('@')[0]!, role });
  return { id: toGlobalId('User', made.user.id), token: made.token };
}

const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();

/** A customer owned by `seller`, opened to `grantee` for a week. */
async function sellersCustomer(name: string): Promise<string> {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name, ownerId: seller.id }) }, org.adminToken);
  expect(res.data!.createCustomer.userErrors).toEqual([]);
  const id = res.data!.createCustomer.customer.id as string;
  const grant = await server.graphql(GRANT, { input: { recordId: id, granteeId: grantee.id, endsAt: inAWeek(), reason: 'Covering' } }, org.adminToken);
  expect(grant.data!.grantRecordAccess.userErrors).toEqual([]);
  return id;
}

async function auditCount(): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from audit_entries`);
  return row!.n;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  seller = await user('SALES', 'seller@acme.test');
  grantee = await user('SALES', 'grantee@acme.test');
  managerId = await org.userIdFor('MANAGER');
});
afterAll(() => server.close());

type Actor = 'ADMIN' | 'MANAGER' | 'SALES (owner)' | 'SALES (grantee)' | 'FINANCE' | 'SERVICE' | 'READ_ONLY';
type Outcome = 'changes' | 'FIELD_NOT_PERMITTED' | 'FORBIDDEN';

/** One change per field group; `field` is the input field named in a refusal. */
const groupChanges: Record<string, { field: string; input: (self: string) => Record<string, unknown>; check: (c: any, self: string) => void }> = {
  OWNER: { field: 'ownerId', input: () => ({ ownerId: managerId }), check: (c) => expect(c.owner.id).toBe(managerId) },
  NAME_AND_STRUCTURE: { field: 'name', input: (self) => ({ name: `Renamed by ${self}` }), check: (c, self) => expect(c.name).toBe(`Renamed by ${self}`) },
  CREDIT_TERMS: {
    field: 'creditLimit',
    input: () => ({ creditLimit: { amountMinor: 750000 }, creditorDays: 45 }),
    check: (c) => expect(c).toMatchObject({ creditLimit: { amountMinor: 750000 }, creditorDays: 45 }),
  },
  BILLING_REFERENCES: { field: 'vatNumber', input: () => ({ vatNumber: 'GB999999973' }), check: (c) => expect(c.vatNumber).toBe('GB999999973') },
  DETAILS: { field: 'buildingType', input: () => ({ buildingType: 'Terrace', vacantProperty: true }), check: (c) => expect(c.buildingType).toBe('Terrace') },
};

const C: Outcome = 'changes';
const N: Outcome = 'FIELD_NOT_PERMITTED';
const F: Outcome = 'FORBIDDEN';
/** The README's "Who may change what" table, as the test expects it. */
const expected: Record<Actor, Record<keyof typeof groupChanges, Outcome>> = {
  ADMIN: { OWNER: C, NAME_AND_STRUCTURE: C, CREDIT_TERMS: C, BILLING_REFERENCES: C, DETAILS: C },
  MANAGER: { OWNER: C, NAME_AND_STRUCTURE: C, CREDIT_TERMS: C, BILLING_REFERENCES: C, DETAILS: C },
  'SALES (owner)': { OWNER: C, NAME_AND_STRUCTURE: C, CREDIT_TERMS: N, BILLING_REFERENCES: C, DETAILS: C },
  'SALES (grantee)': { OWNER: N, NAME_AND_STRUCTURE: C, CREDIT_TERMS: N, BILLING_REFERENCES: C, DETAILS: C },
  FINANCE: { OWNER: N, NAME_AND_STRUCTURE: N, CREDIT_TERMS: C, BILLING_REFERENCES: C, DETAILS: N },
  SERVICE: { OWNER: F, NAME_AND_STRUCTURE: F, CREDIT_TERMS: F, BILLING_REFERENCES: F, DETAILS: F },
  READ_ONLY: { OWNER: F, NAME_AND_STRUCTURE: F, CREDIT_TERMS: F, BILLING_REFERENCES: F, DETAILS: F },
};

async function tokenOf(actor: Actor): Promise<string> {
  if (actor === 'SALES (owner)') return seller.token;
  if (actor === 'SALES (grantee)') return grantee.token;
  return actor === 'ADMIN' ? org.adminToken : org.tokenFor(actor);
}

describe('updateCustomer: who may change which fields', () => {
  const cases = Object.entries(expected).flatMap(([actor, groups]) =>
    Object.entries(groups).map(([group, outcome]) => [actor as Actor, group, outcome] as const),
  );
  it.each(cases)('%s, %s: %s', async (actor, group, outcome) => {
    const change = groupChanges[group]!;
    const id = await sellersCustomer(`${actor} ${group}`);
    const before = (await server.graphql(READ, { id }, org.adminToken)).data!.customer;
    const audits = await auditCount();
    const res = await server.graphql(UPDATE, { input: { id, ...change.input(actor) } }, await tokenOf(actor));
    if (outcome === 'changes') {
      expect(res.errors).toBeUndefined();
      expect(res.data!.updateCustomer.userErrors).toEqual([]);
      change.check(res.data!.updateCustomer.customer, actor);
      return;
    }
    if (outcome === 'FORBIDDEN') {
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } else {
      expect(res.data!.updateCustomer.customer).toBeNull();
      expect(errorCodes(res.data!.updateCustomer.userErrors)).toContain(`input.${change.field}:FIELD_NOT_PERMITTED`);
      const named = res.data!.updateCustomer.userErrors.find((e: any) => e.field.join('.') === `input.${change.field}`);
      expect(named.message).toMatch(new RegExp(`^${change.field}: `));
    }
    // Nothing written: same version, same values, no audit entry.
    expect((await server.graphql(READ, { id }, org.adminToken)).data!.customer).toEqual(before);
    expect(await auditCount()).toBe(audits);
  });

  it('lets a role send a field it may not change when the value is the same (a form posted back whole)', async () => {
    const id = await sellersCustomer('Posted Back Ltd');
    const finance = await org.tokenFor('FINANCE');
    const res = await server.graphql(UPDATE, { input: { id, name: 'Posted Back Ltd', ownerId: seller.id, creditorDays: 60 } }, finance);
    expect(res.data!.updateCustomer.userErrors).toEqual([]);
    expect(res.data!.updateCustomer.customer).toMatchObject({ name: 'Posted Back Ltd', creditorDays: 60, owner: { id: seller.id } });
  });

  it('names every refused field at once', async () => {
    const id = await sellersCustomer('Many Fields Ltd');
    const res = await server.graphql(
      UPDATE,
      { input: { id, name: 'X', ownerId: managerId, buildingType: 'Flat', creditorDays: 10 } },
      await org.tokenFor('FINANCE'),
    );
    expect(errorCodes(res.data!.updateCustomer.userErrors).sort()).toEqual(
      ['input.buildingType:FIELD_NOT_PERMITTED', 'input.name:FIELD_NOT_PERMITTED', 'input.ownerId:FIELD_NOT_PERMITTED'].sort(),
    );
  });
});

describe('a delegated grant never becomes ownership', () => {
  it('refuses a grantee making itself the owner, and the grantee loses the customer when the grant ends', async () => {
    const id = await sellersCustomer('Granted Not Given Ltd');
    const taken = await server.graphql(UPDATE, { input: { id, ownerId: grantee.id } }, grantee.token);
    expect(errorCodes(taken.data!.updateCustomer.userErrors)).toEqual(['input.ownerId:FIELD_NOT_PERMITTED']);
    expect(taken.data!.updateCustomer.userErrors[0].message).toMatch(/admins, managers and the current owner/);
    // Clearing the owner (so that only the grant remained) is a change of owner too.
    const cleared = await server.graphql(UPDATE, { input: { id, ownerId: null } }, grantee.token);
    expect(errorCodes(cleared.data!.updateCustomer.userErrors)).toEqual(['input.ownerId:FIELD_NOT_PERMITTED']);
    expect((await server.graphql(READ, { id }, org.adminToken)).data!.customer.owner.id).toBe(seller.id);

    // The grant lapses (revoked here; endsAt passing is the same condition in visibility.ts).
    const grants = await server.graphql(`query($id: ID!) { customer(id: $id) { accessGrants { id } } }`, { id }, org.adminToken);
    for (const g of grants.data!.customer.accessGrants) {
      const revoked = await server.graphql(REVOKE, { input: { id: g.id } }, org.adminToken);
      expect(revoked.data!.revokeRecordAccess.userErrors).toEqual([]);
    }
    expect((await server.graphql(READ, { id }, grantee.token)).data!.customer).toBeNull();
  });

  it('lets the current owner hand the customer to someone else', async () => {
    const id = await sellersCustomer('Handed Over Ltd');
    const res = await server.graphql(UPDATE, { input: { id, ownerId: grantee.id } }, seller.token);
    expect(res.data!.updateCustomer.userErrors).toEqual([]);
    expect(res.data!.updateCustomer.customer.owner.id).toBe(grantee.id);
  });

  it("refuses a grantee making itself a lead's owner", async () => {
    const made = await server.graphql(
      `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } userErrors { field code } } }`,
      { input: { name: 'Granted Lead Ltd' } },
      seller.token,
    );
    const leadId = made.data!.createLead.lead.id;
    await server.graphql(GRANT, { input: { recordId: leadId, granteeId: grantee.id, endsAt: inAWeek(), reason: 'Covering' } }, seller.token);
    const UPDATE_LEAD = `mutation($input: UpdateLeadInput!) { updateLead(input: $input) { lead { owner { id } } userErrors { field code } } }`;
    const taken = await server.graphql(UPDATE_LEAD, { input: { id: leadId, ownerId: grantee.id } }, grantee.token);
    expect(errorCodes(taken.data!.updateLead.userErrors)).toEqual(['input.ownerId:FIELD_NOT_PERMITTED']);
    const handed = await server.graphql(UPDATE_LEAD, { input: { id: leadId, ownerId: grantee.id } }, seller.token);
    expect(handed.data!.updateLead.lead.owner.id).toBe(grantee.id);
  });

  it("converting an unowned lead one holds a grant on does not make the grantee the customer's owner", async () => {
    const made = await server.graphql(
      `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } userErrors { field code } } }`,
      { input: { name: 'Unowned Lead Ltd', ownerId: null } },
      org.adminToken,
    );
    const leadId = made.data!.createLead.lead.id;
    await server.graphql(
      `mutation($input: UpdateLeadInput!) { updateLead(input: $input) { userErrors { field code } } }`,
      { input: { id: leadId, ownerId: null } },
      org.adminToken,
    );
    await server.graphql(GRANT, { input: { recordId: leadId, granteeId: grantee.id, endsAt: inAWeek(), reason: 'Covering' } }, org.adminToken);
    const converted = await server.graphql(
      `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { customer { id owner { id } } userErrors { field code } } }`,
      { input: { leadId, typeId: ref.types.Company } },
      grantee.token,
    );
    expect(converted.data!.convertLead.userErrors).toEqual([]);
    const customerId = converted.data!.convertLead.customer.id;
    const seen = (await server.graphql(READ, { id: customerId }, org.adminToken)).data!.customer;
    expect(seen.owner?.id ?? null).not.toBe(grantee.id);
    // The grantee keeps sight of what the lead became, for the time its grant had left.
    expect((await server.graphql(READ, { id: customerId }, grantee.token)).data!.customer).not.toBeNull();
  });
});

describe('createCustomer: the same table', () => {
  it('refuses credit terms from a seller, and writes nothing', async () => {
    const audits = await auditCount();
    const res = await server.graphql(
      CREATE_CUSTOMER,
      { input: customerInput(ref, { name: 'Generous Terms Ltd', creditLimit: { amountMinor: 9_999_900 } }) },
      seller.token,
    );
    expect(errorCodes(res.data!.createCustomer.userErrors)).toEqual(['input.creditLimit:FIELD_NOT_PERMITTED']);
    expect(await auditCount()).toBe(audits);
  });
});

describe('POST /imports/customers: the same table', () => {
  it("refuses a seller's credit terms row by row, naming the column, and imports the rest", async () => {
    const csv = ['Name,Type,Credit Limit,Days,Address 1,Post Code', 'Plain Ltd,Company,,,1 Road,BS1 1AA', 'Terms Ltd,Company,5000.00,60,2 Road,BS1 1AB'].join(
      '\n',
    );
    const mapping = { Name: 'name', Type: 'type', 'Credit Limit': 'creditLimit', Days: 'creditorDays', 'Address 1': 'line1', 'Post Code': 'postcode' };
    const { body } = await importCsv(server, '/imports/customers', seller.token, { mapping, mode: 'COMMIT_VALID_ROWS' }, csv, 'customers.csv');
    expect(body.importJob).toMatchObject({ rowsRead: 2, rowsImported: 1, errorCount: 2 });
    expect(body.importJob!.errors.map((e) => `${e.row}:${e.field}`).sort()).toEqual(['2:creditLimit', '2:creditorDays']);
    expect(body.importJob!.errors[0]!.message).toMatch(/may not change a customer's credit terms/);
  });
});

describe('the table covers every field', () => {
  it('puts every UpdateCustomerInput field (but id and expectedVersion) in exactly one group', () => {
    const sdl = fs.readdirSync(path.join(__dirname, '../../schema')).map((f) => fs.readFileSync(path.join(__dirname, '../../schema', f), 'utf8'));
    const schema = buildSdl(sdl.join('\n'), { assumeValidSDL: true });
    const input = schema.getType('UpdateCustomerInput');
    expect(isInputObjectType(input)).toBe(true);
    const fields = Object.keys((input as GraphQLInputObjectType).getFields()).filter((f) => f !== 'id' && f !== 'expectedVersion');
    const grouped = Object.values(customerFieldGroups).flatMap((g) => g.fields as readonly string[]);
    expect([...grouped].sort()).toEqual([...fields].sort());
  });
});
