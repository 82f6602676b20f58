// Safe retries (src/graph/idempotency.ts), seen through mutations that take an idempotencyKey:
// concurrent calls with one key have one effect, a retry gets the first result even after later
// changes, and a key is bound to its input, its user and its mutation.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { canonicalJson, requestHash } from '../../src/graph/idempotency';
import { parseGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const CHANGE = `mutation($input: ChangeCustomerStatusInput!) {
  changeCustomerStatus(input: $input) {
    customer { id version status { code } updatedAt }
    note { id body }
    followUpTask { id subject }
    userErrors { field code message }
  }
}`;

async function countsFor(customerId: string) {
  const id = parseGlobalId(customerId)!.id;
  const [row] = await selectRows<{ notes: number; tasks: number; audit: number; keys: number; version: number }>(
    server.database.db,
    sql`select (select count(*)::int from notes where customer_id = ${id}) as notes,
               (select count(*)::int from tasks where customer_id = ${id}) as tasks,
               (select count(*)::int from audit_entries) as audit,
               (select count(*)::int from idempotency_keys) as keys,
               (select version from customers where id = ${id}) as version`,
  );
  return row!;
}

it('canonical JSON ignores key order and null members, and the hash ignores the key itself', () => {
  expect(canonicalJson({ b: 1, a: { d: null, c: [2, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[2,{"e":2,"f":1}]},"b":1}');
  expect(requestHash({ a: 1, idempotencyKey: 'x' })).toBe(requestHash({ idempotencyKey: 'y', a: 1, b: null }));
  expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
});

it('ten concurrent calls with one key have one effect, and all return the same result', async () => {
  const id = await createCustomer('Concurrent Ltd');
  const before = await countsFor(id);
  const input = {
    id,
    statusId: ref.statuses.A,
    expectedVersion: 1,
    note: { body: 'Contract signed' },
    followUpTask: { type: 'REMINDER', subject: 'Welcome call', dueAt: '2099-03-01T10:00:00Z' },
    idempotencyKey: 'concurrent-1',
  };
  const results = await Promise.all(Array.from({ length: 10 }, () => server.graphql(CHANGE, { input }, org.adminToken)));
  for (const res of results) {
    expect(res.errors).toBeUndefined();
    expect(res.data!.changeCustomerStatus).toEqual(results[0]!.data!.changeCustomerStatus);
  }
  expect(results[0]!.data!.changeCustomerStatus.userErrors).toEqual([]);
  expect(results[0]!.data!.changeCustomerStatus.customer).toMatchObject({ version: 2, status: { code: 'A' } });
  // One status change, one note, one task, each audited once; one key stored.
  expect(await countsFor(id)).toEqual({ notes: before.notes + 1, tasks: before.tasks + 1, audit: before.audit + 3, keys: before.keys + 1, version: 2 });
});

it('a retry after later changes still returns the first result: the same record at the same version', async () => {
  const id = await createCustomer('Later Changes Ltd');
  const input = { id, statusId: ref.statuses.H, idempotencyKey: 'later-1' };
  const first = await server.graphql(CHANGE, { input }, org.adminToken);
  expect(first.data!.changeCustomerStatus.customer.version).toBe(2);
  const other = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.C } }, org.adminToken);
  expect(other.data!.changeCustomerStatus.customer.version).toBe(3);
  const retry = await server.graphql(CHANGE, { input }, org.adminToken);
  // The stored customer as the first call returned it: version 2, status H, its updatedAt a Date again.
  expect(retry.data!.changeCustomerStatus).toEqual(first.data!.changeCustomerStatus);
  expect((await countsFor(id)).version).toBe(3);
});

it('refuses the key with another input, from another user, and leaves no key behind when the call failed', async () => {
  const id = await createCustomer('Key Rules Ltd');
  const before = await countsFor(id);
  const input = { id, statusId: ref.statuses.A, idempotencyKey: 'rules-1' };
  const first = await server.graphql(CHANGE, { input }, org.adminToken);
  expect(first.data!.changeCustomerStatus.userErrors).toEqual([]);
  const otherInput = await server.graphql(CHANGE, { input: { ...input, note: { body: 'extra' } } }, org.adminToken);
  expect(errorCodes(otherInput.data!.changeCustomerStatus.userErrors)).toEqual(['input.idempotencyKey:IDEMPOTENCY_KEY_REUSED']);
  expect(otherInput.data!.changeCustomerStatus.customer).toBeNull();
  const otherUser = await server.graphql(CHANGE, { input }, await org.tokenFor('MANAGER'));
  expect(errorCodes(otherUser.data!.changeCustomerStatus.userErrors)).toEqual(['input.idempotencyKey:IDEMPOTENCY_KEY_REUSED']);
  expect(await countsFor(id)).toEqual({ ...before, audit: before.audit + 1, keys: before.keys + 1, version: 2 });

  // A call that ends in user errors rolls back with its key: the corrected call may use it.
  const failed = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.H, expectedVersion: 1, idempotencyKey: 'rules-2' } }, org.adminToken);
  expect(errorCodes(failed.data!.changeCustomerStatus.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
  const corrected = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.H, expectedVersion: 2, idempotencyKey: 'rules-2' } }, org.adminToken);
  expect(corrected.data!.changeCustomerStatus.userErrors).toEqual([]);
  expect(corrected.data!.changeCustomerStatus.customer.version).toBe(3);

  // The same key on another mutation is a different key.
  const type = await server.graphql(
    `mutation($input: ChangeCustomerTypeInput!) { changeCustomerType(input: $input) { customer { type { name } } userErrors { field code } } }`,
    { input: { id, typeId: ref.types.Private, idempotencyKey: 'rules-1' } },
    org.adminToken,
  );
  expect(type.data!.changeCustomerType).toEqual({ customer: { type: { name: 'Private' } }, userErrors: [] });
});

it('refuses a blank or overlong key, naming it', async () => {
  const id = await createCustomer('Bad Key Ltd');
  const blank = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.A, idempotencyKey: ' ' } }, org.adminToken);
  expect(errorCodes(blank.data!.changeCustomerStatus.userErrors)).toEqual(['input.idempotencyKey:REQUIRED']);
  const long = await server.graphql(CHANGE, { input: { id, statusId: ref.statuses.A, idempotencyKey: 'k'.repeat(256) } }, org.adminToken);
  expect(errorCodes(long.data!.changeCustomerStatus.userErrors)).toEqual(['input.idempotencyKey:TOO_LONG']);
  expect((await countsFor(id)).version).toBe(1);
});

describe('creating mutations', () => {
  const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id surname createdAt } userErrors { field code message } } }`;

  it('a retried creation with its key returns the first record, with its dates, and creates nothing more', async () => {
    const customerId = await createCustomer('Retried Contact Ltd');
    const input = { ownerId: customerId, contact: { surname: 'Once' }, idempotencyKey: 'contact-once' };
    const first = await server.graphql(CREATE_CONTACT, { input }, org.adminToken);
    expect(first.data!.createContact.userErrors).toEqual([]);
    const retries = await Promise.all(Array.from({ length: 5 }, () => server.graphql(CREATE_CONTACT, { input }, org.adminToken)));
    for (const retry of retries) expect(retry.data!.createContact).toEqual(first.data!.createContact);
    const [row] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from contacts where customer_id = ${parseGlobalId(customerId)!.id}`,
    );
    expect(row!.n).toBe(1);
    // The same key with another input is refused, naming the key.
    const other = await server.graphql(CREATE_CONTACT, { input: { ...input, contact: { surname: 'Twice' } } }, org.adminToken);
    expect(other.data!.createContact).toMatchObject({ contact: null, userErrors: [{ field: ['input', 'idempotencyKey'], code: 'IDEMPOTENCY_KEY_REUSED' }] });
  });

  it('a creation refused with user errors keeps no key: the corrected call with the same key goes through', async () => {
    const customerId = await createCustomer('Corrected Contact Ltd');
    const keysBefore = (await countsFor(customerId)).keys;
    const bad = await server.graphql(
      CREATE_CONTACT,
      { input: { ownerId: customerId, contact: { surname: '' }, idempotencyKey: 'contact-fix' } },
      org.adminToken,
    );
    expect(bad.data!.createContact.userErrors[0].field).toEqual(['input', 'contact', 'surname']);
    expect((await countsFor(customerId)).keys).toBe(keysBefore);
    const good = await server.graphql(
      CREATE_CONTACT,
      { input: { ownerId: customerId, contact: { surname: 'Fixed' }, idempotencyKey: 'contact-fix' } },
      org.adminToken,
    );
    expect(good.data!.createContact.contact.surname).toBe('Fixed');
  });

  it("a new token's plaintext is in the first answer only: a replay returns the token's record without it, and it is not stored", async () => {
    const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } token userErrors { code } } }`;
    const input = { name: 'Integration', idempotencyKey: 'token-once' };
    const first = await server.graphql(CREATE_TOKEN, { input }, org.adminToken);
    expect(first.data!.createApiToken.token).toEqual(expect.any(String));
    const replay = await server.graphql(CREATE_TOKEN, { input }, org.adminToken);
    expect(replay.data!.createApiToken).toEqual({ apiToken: first.data!.createApiToken.apiToken, token: null, userErrors: [] });
    const stored = await selectRows<{ response: unknown }>(server.database.db, sql`select response from idempotency_keys where key = 'token-once'`);
    expect(JSON.stringify(stored)).not.toContain(first.data!.createApiToken.token);
  });
});
