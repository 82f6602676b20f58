// Client input that PostgreSQL cannot take (issue 10, item 7) is the client's error, never an
// INTERNAL_SERVER_ERROR: a NUL character in any text argument, a forged cursor, out-of-range values.
// Nothing is written by a refused request.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

async function customerCount(): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customers`);
  return row!.n;
}

function expectBadUserInput(res: { errors?: Array<{ message: string; extensions?: Record<string, any> }> }, mentions: RegExp) {
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
  expect(res.errors![0]!.message).toMatch(mentions);
  // Neither SQL nor its parameters in what the client sees.
  expect(JSON.stringify(res.errors)).not.toMatch(/Failed query|params:|select |insert /i);
}

const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
const SOME_UUID = '7c1d0a52-95a0-4b8e-9e63-1f0d5b6c2a11';

describe('a NUL character (U+0000) in text', () => {
  it('in a variable: BAD_USER_INPUT naming the field, nothing written', async () => {
    const before = await customerCount();
    const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Nul\u0000 Ltd' }) }, org.adminToken);
    expectBadUserInput(res, /\$input\.name: .*NUL/);
    expect(await customerCount()).toBe(before);
  });

  it('deep in a variable (a contact, a custom-field value and key)', async () => {
    const contact = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { contacts: [{ surname: 'Love\u0000lace' }] }) }, org.adminToken);
    expectBadUserInput(contact, /\$input\.contacts\[0\]\.surname/);
    const value = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { customFields: { sector: 'a\u0000' } }) }, org.adminToken);
    expectBadUserInput(value, /\$input\.customFields\.sector/);
    const key = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { customFields: { ['se\u0000ctor']: 'a' } }) }, org.adminToken);
    expectBadUserInput(key, /\$input\.customFields \(a key\)/);
  });

  it('inline in the query: BAD_USER_INPUT naming the argument', async () => {
    const res = await server.graphql(`{ customers(filter: { name: "a\\u0000b" }) { totalCount } }`, {}, org.adminToken);
    expectBadUserInput(res, /customers\(filter\)\.name/);
    const update = await server.graphql(
      `mutation { updateLead(input: { id: "TGVhZDo3YzFkMGE1Mi05NWEwLTRiOGUtOWU2My0xZjBkNWI2YzJhMTE", name: "x\\u0000" }) { userErrors { code } } }`,
      {},
      org.adminToken,
    );
    expectBadUserInput(update, /updateLead\(input\)\.name/);
  });
});

describe('a forged cursor', () => {
  const LIST = `query($after: String, $order: CustomerOrderField!) { customers(first: 5, after: $after, orderBy: { field: $order }) { totalCount } }`;

  beforeAll(async () => {
    await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Cursor Target Ltd' }) }, org.adminToken);
  });

  it.each([
    ['a timestamp that is not one', ['CREATED_AT', 'not-a-time', SOME_UUID], 'CREATED_AT'],
    ['a timestamp out of range', ['CREATED_AT', '2026-13-45 25:61:00+00', SOME_UUID], 'CREATED_AT'],
    ['a year PostgreSQL cannot hold', ['UPDATED_AT', '999999-01-01 00:00:00+00', SOME_UUID], 'UPDATED_AT'],
    ['an id of the right length that is not a uuid', ['NAME', 'acme', '------------------------------------'], 'NAME'],
    ['a NUL in the sort key', ['NAME', 'a\u0000', SOME_UUID], 'NAME'],
    ['a huge sort key', ['NAME', 'x'.repeat(100_000), SOME_UUID], 'NAME'],
  ])('with %s: BAD_USER_INPUT naming `after`', async (_what, parts, order) => {
    const res = await server.graphql(LIST, { after: cursor(parts), order }, org.adminToken);
    expectBadUserInput(res, /after/);
  });

  it('a real cursor still pages', async () => {
    const first = await server.graphql(`{ customers(first: 1, orderBy: { field: CREATED_AT }) { pageInfo { endCursor } } }`, {}, org.adminToken);
    const after = first.data!.customers.pageInfo.endCursor;
    const next = await server.graphql(LIST, { after, order: 'CREATED_AT' }, org.adminToken);
    expect(next.errors).toBeUndefined();
  });
});

describe('other values PostgreSQL would refuse', () => {
  it('a date PostgreSQL cannot hold is refused as input, not an internal error', async () => {
    const lead = await server.graphql(
      `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } userErrors { code } } }`,
      { input: { name: 'Dated Lead Ltd' } },
      org.adminToken,
    );
    const recordId = lead.data!.createLead.lead.id;
    const grantee = await org.userIdFor('SALES');
    const res = await server.graphql(
      `mutation($input: GrantRecordAccessInput!) { grantRecordAccess(input: $input) { accessGrant { id } userErrors { field code } } }`,
      { input: { recordId, granteeId: grantee, endsAt: '9999-12-31T23:59:59Z', startsAt: '0001-01-01T00:00:00Z', reason: 'x' } },
      org.adminToken,
    );
    // Either a user error or a refused variable: never INTERNAL_SERVER_ERROR.
    expect(res.errors?.[0]?.extensions?.code ?? 'none').not.toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('variables with more faults than graphql-js lists', () => {
  it('every error is BAD_USER_INPUT, the last saying the rest went unchecked; nothing is written', async () => {
    const before = await customerCount();
    const ids = Array.from({ length: 60 }, (_, i) => ({ not: `an id ${i}` }));
    const res = await server.graphql('query Many($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }, org.adminToken);
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toHaveLength(51);
    expect(res.errors!.map((e) => e.extensions?.code)).toEqual(Array(51).fill('BAD_USER_INPUT'));
    expect(res.errors![0]!.message).toMatch(/\$ids.*ID cannot represent/);
    expect(res.errors![50]!.message).toMatch(/Too many faults in the variables: the first 50 are listed/);
    expect(await customerCount()).toBe(before);
  });
});
