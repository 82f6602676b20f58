// The event stream (issue 14, capability 1): every audited change writes one event in its own
// transaction, and integrators poll `events(after:)` without missing one. Through HTTP, as a client.
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { readReference, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, type TestOrganisation, type TestServer } from '../helpers/server';
import { until } from '../helpers/until';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { gql, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const EVENTS = `query($after: String, $first: Int, $types: [String!], $resourceId: ID, $customerId: ID) {
  events(after: $after, first: $first, types: $types, resourceId: $resourceId, customerId: $customerId) {
    edges { cursor node { id type action occurredAt resourceType resourceId customerId resourceVersion payload actor { id } requestId } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type EventNode = {
  id: string;
  type: string;
  action: string;
  resourceType: string;
  resourceId: string;
  customerId: string | null;
  resourceVersion: number | null;
  payload: { before: any; after: any };
  actor: { id: string } | null;
};

async function allEvents(variables: Record<string, unknown> = {}): Promise<EventNode[]> {
  const out: EventNode[] = [];
  let after: string | null = null;
  for (;;) {
    const data: Record<string, any> = await gql(EVENTS, { ...variables, after, first: 7 });
    out.push(...data.events.edges.map((e: { node: EventNode }) => e.node));
    if (!data.events.pageInfo.hasNextPage) return out;
    after = data.events.pageInfo.endCursor;
  }
}

async function addContact(customerId: string, surname: string): Promise<string> {
  const data = await gql(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { field code } } }`, {
    input: { ownerId: customerId, contact: { surname } },
  });
  expect(data.createContact.userErrors).toEqual([]);
  return data.createContact.contact.id;
}

describe('every audited change writes one event', () => {
  it('names what happened, to what, whose record, at which version, with the values before and after', async () => {
    const customerId = await createCustomer('Evented Ltd');
    const contactId = await addContact(customerId, 'Hopper');
    const changed = await gql(
      `mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { customer { version } userErrors { code } } }`,
      { input: { id: customerId, statusId: ref.statuses.Z } },
    );
    expect(changed.changeCustomerStatus.userErrors).toEqual([]);

    // An event shows once every older transaction on the server has ended (other test files' too).
    const mine = await until(
      'the customer’s events',
      () => allEvents({ customerId }),
      (list) => list.some((e) => e.type === 'customer.statusChanged'),
    );
    const created = mine.find((e) => e.type === 'customer.created')!;
    expect(created).toMatchObject({ action: 'customer.create', resourceType: 'Customer', resourceId: customerId, customerId, resourceVersion: 1 });
    expect(created.payload.before).toBeNull();
    expect(created.payload.after.name).toBe('Evented Ltd');
    expect(created.actor).toEqual({ id: await org.userIdFor('ADMIN') });

    const contact = mine.find((e) => e.type === 'contact.created')!;
    expect(contact).toMatchObject({ resourceType: 'Contact', resourceId: contactId, customerId });
    expect(contact.payload.after.surname).toBe('Hopper');

    const status = mine.find((e) => e.type === 'customer.statusChanged')!;
    expect(status.resourceVersion).toBe(changed.changeCustomerStatus.customer.version);
    expect(status.payload.before.statusId).not.toBe(status.payload.after.statusId);

    // One event per audit entry, and the same order as the trail.
    const [counts] = await selectRows<{ audit: number; events: number }>(
      server.database.db,
      sql`select (select count(*)::int from audit_entries) as audit, (select count(*)::int from events) as events`,
    );
    expect(counts!.events).toBe(counts!.audit);
  });

  it('a refused change writes no event', async () => {
    const before = await allEvents();
    const customerId = await createCustomer('Refusing Ltd');
    const refused = await server.graphql(
      `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { field code } } }`,
      { input: { id: customerId, expectedVersion: 99, name: 'Not this' } },
      org.adminToken,
    );
    expect(refused.data!.updateCustomer.userErrors.map((e: { code: string }) => e.code)).toEqual(['VERSION_CONFLICT']);
    const after = await until(
      'the creation’s events',
      () => allEvents(),
      (list) => list.length >= before.length + 2,
    );
    // The customer and its address (a customer is made with one), and nothing of the refused update.
    expect(after.slice(before.length).map((e) => e.type)).toEqual(['customer.created', 'address.created']);
  });
});

describe('polling', () => {
  it('pages oldest first; an empty page keeps the cursor, and the next poll starts there', async () => {
    const first = await gql(EVENTS, { first: 2 });
    const second = await gql(EVENTS, { first: 2, after: first.events.pageInfo.endCursor });
    expect(second.events.edges[0].node.id).not.toBe(first.events.edges[1].node.id);

    let after: string | null = null;
    for (;;) {
      const page: Record<string, any> = await gql(EVENTS, { first: 100, after });
      after = page.events.pageInfo.endCursor;
      if (!page.events.pageInfo.hasNextPage) break;
    }
    const empty = await gql(EVENTS, { first: 10, after });
    expect(empty.events.edges).toEqual([]);
    expect(empty.events.pageInfo.endCursor).toBe(after);

    const customerId = await createCustomer('Later Ltd');
    const next = await until(
      'the new events',
      () => gql(EVENTS, { first: 10, after }),
      (page) => page.events.edges.length >= 2,
    );
    expect(next.events.edges.map((e: { node: EventNode }) => [e.node.type, e.node.customerId])).toEqual([
      ['customer.created', customerId],
      ['address.created', customerId],
    ]);
  });

  it('filters by type (exact or all of a kind), by resource and by customer', async () => {
    const customerId = await createCustomer('Filtered Ltd');
    const contactId = await addContact(customerId, 'Lovelace');
    await until(
      'the contact’s event',
      () => allEvents({ resourceId: contactId }),
      (list) => list.length === 1,
    );
    expect((await allEvents({ types: ['contact.created'] })).every((e) => e.type === 'contact.created')).toBe(true);
    const ofKind = await allEvents({ types: ['contact.*'], customerId });
    expect(ofKind.map((e) => e.resourceId)).toEqual([contactId]);
    expect((await allEvents({ resourceId: contactId })).map((e) => e.type)).toEqual(['contact.created']);
    expect((await allEvents({ customerId })).map((e) => e.type)).toEqual(['customer.created', 'address.created', 'contact.created']);
  });

  it('refuses a forged cursor, a malformed type and a bad ID, naming the argument', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
      [{ types: ['customer created'] }, 'types'],
      [{ resourceId: 'nonsense' }, 'resourceId'],
      [{ customerId: toGlobalId('Contact', '00000000-0000-4000-8000-000000000000') }, 'customerId'],
      [{ first: 1000 }, 'first'],
      [{ types: Array.from({ length: 101 }, () => 'customer.created') }, 'types'],
    ];
    for (const [variables, argument] of cases) {
      const res = await server.graphql(EVENTS, variables, org.adminToken);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  });

  it('is for admins: others are refused', async () => {
    const res = await server.graphql(EVENTS, {}, await org.tokenFor('MANAGER'));
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows no other organisation’s events', async () => {
    const other = await startTestOrganisationIn(server);
    const theirs = await other.createCustomer('Theirs Ltd');
    const ids = (await allEvents()).map((e) => e.resourceId);
    expect(ids).not.toContain(theirs);
  });
});

describe('a cursor never passes an event still to commit', () => {
  const onServer = process.env.TEST_DATABASE_URL ? it : it.skip;
  onServer('an event of an older transaction that commits late comes after the cursor, not behind it', async () => {
    const slowCustomer = await createCustomer('Slow Ltd');
    const customerId = parseGlobalId(slowCustomer)!.id;
    // Its events visible first (other test files' transactions on the server can hold them back a moment).
    await until(
      'the customer’s events',
      () => allEvents({ customerId: slowCustomer }),
      (list) => list.length === 2,
    );
    let after: string | null = null;
    for (;;) {
      const page: Record<string, any> = await gql(EVENTS, { first: 100, after });
      after = page.events.pageInfo.endCursor;
      if (!page.events.pageInfo.hasNextPage) break;
    }
    // A second connection opens a transaction that writes an event and holds it open.
    const slow = postgres(server.database.url!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const transaction = slow.begin(async (tx) => {
      await tx`insert into events (organisation_id, type, action, resource_type, resource_id, customer_id, payload)
               values (${org.organisationId}, 'customer.updated', 'customer.update', 'Customer', ${customerId}, ${customerId}, '{"before":null,"after":null}')`;
      written();
      await held;
    });
    try {
      await wrote;
      // A change committed after the slow transaction started, while it is still open.
      const later = await createCustomer('Quick Ltd');
      const during = await gql(EVENTS, { first: 100, after });
      expect(during.events.edges).toEqual([]);
      expect(during.events.pageInfo.endCursor).toBe(after);
      release();
      await transaction;
      const settled = await until(
        'both transactions’ events',
        () => gql(EVENTS, { first: 100, after }),
        (page) => page.events.edges.length >= 3,
      );
      expect(settled.events.edges.map((e: { node: EventNode }) => [e.node.type, e.node.customerId])).toEqual([
        ['customer.updated', toGlobalId('Customer', customerId)],
        ['customer.created', later],
        ['address.created', later],
      ]);
    } finally {
      release();
      await transaction.catch(() => undefined);
      await slow.end();
    }
  });
});

describe('updatedSince', () => {
  it('lists customers and leads changed at or after a time', async () => {
    const old = await createCustomer('Unchanged Ltd');
    const [clock] = await selectRows<{ now: string }>(
      server.database.db,
      sql`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now`,
    );
    const fresh = await createCustomer('Changed Ltd');
    const since = clock!.now;
    const customers = await gql(`query($since: DateTime) { customers(first: 100, filter: { updatedSince: $since }) { nodes { id } } }`, { since });
    const ids = customers.customers.nodes.map((n: { id: string }) => n.id);
    expect(ids).toContain(fresh);
    expect(ids).not.toContain(old);
    const leads = await gql(`query($since: DateTime) { leads(first: 100, filter: { updatedSince: $since }) { nodes { id } } }`, {
      since: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(leads.leads.nodes).toEqual([]);
  });
});

async function startTestOrganisationIn(s: TestServer) {
  const o = await createTestOrganisation(s, 'Other Org');
  const r = await readReference(s, o.adminToken);
  const f = flows(() => ({ server: s, token: o.adminToken, ref: r }));
  return { org: o, createCustomer: (name: string) => f.createCustomer(name) };
}
