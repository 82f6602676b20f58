// GraphQL subscriptions over WebSocket, as a graphql-ws client sees them: a record's changes, a
// customer record's changes, presence; the same authorisation as queries (checked at subscribe and
// again before every message); and two server instances on one database and Redis, where a change
// made through one reaches a subscriber on the other.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/client';
import { createApp, type App } from '../../src/server';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, type TestOrganisation, type TestServer } from '../helpers/server';
import { until } from '../helpers/until';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const clients: Client[] = [];

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await server.close();
});

const wsUrl = (url: string) => url.replace(/^http/, 'ws');

type Closed = { code: number; reason: string };

/** A graphql-ws client with the token in connection_init; `closed` records how the server closed it. */
function connect(token: string | null, url = server.url) {
  const closed: Closed[] = [];
  const client = createClient({
    url: wsUrl(url),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => closed.push({ code: (event as Closed).code, reason: (event as Closed).reason }) },
  });
  clients.push(client);
  return { client, closed };
}

type Received = { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

/** Subscribes and collects what arrives: messages, the end, or an error (a closed socket). */
function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const state = { messages: [] as Received[], completed: false, error: null as unknown };
  const stop = client.subscribe<any>(
    { query, variables },
    {
      next: (message) => state.messages.push(message as Received),
      error: (error) => {
        state.error = error;
      },
      complete: () => {
        state.completed = true;
      },
    },
  );
  return { state, stop };
}

async function createCustomer(name: string, token = org.adminToken) {
  const res = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name }) }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.createCustomer.customer as { id: string; version: number };
}

/** Renames a customer through the test server, or through another instance at `url`. */
async function rename(id: string, name: string, url = server.url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
    body: JSON.stringify({
      query: `mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { userErrors { message } } }`,
      variables: { i: { id, name } },
    }),
  });
  const body = (await response.json()) as { data?: { updateCustomer: { userErrors: unknown[] } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  expect(body.data!.updateCustomer.userErrors).toEqual([]);
}

async function addContact(customerId: string, surname: string) {
  const res = await server.graphql(
    `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } userErrors { message } } }`,
    { i: { ownerId: customerId, contact: { surname } } },
    org.adminToken,
  );
  expect(res.data!.createContact.userErrors).toEqual([]);
  return res.data!.createContact.contact.id as string;
}

/**
 * A subscription is live once the server has taken it; the client is not told when. So: change the
 * record until a first message shows the subscription live (on PostgreSQL shared with other test files, a
 * change also waits for their older transactions to end before it is relayed).
 */
async function untilLive(state: { messages: Received[] }, change: (i: number) => Promise<void>) {
  let i = 0;
  await until(
    'the subscription to deliver a first message',
    async () => {
      if (state.messages.length === 0) await change(i++);
      return state.messages.length;
    },
    (n) => n > 0,
  );
  await new Promise((r) => setTimeout(r, 300));
  state.messages.length = 0;
}

const RECORD_CHANGED = `subscription($id: ID!) { recordChanged(id: $id) { eventId type resourceType resourceId version actor { id } record { id ... on Customer { name version } } } }`;

describe('recordChanged', () => {
  it("delivers each committed change to the record with the record as it is now, and the event's id", async () => {
    const customer = await createCustomer('Live Ltd');
    const { client } = connect(org.adminToken);
    const { state } = subscribe(client, RECORD_CHANGED, { id: customer.id });
    await untilLive(state, (i) => rename(customer.id, `Live Warm-up ${i}`));

    await rename(customer.id, 'Live Renamed Ltd');
    // On a busy machine a warm-up rename's message can still arrive after the warm-up: the rename's
    // own is the one whose event carries the record's version (the record as it is now).
    const isRename = (m: Received) =>
      m.data?.recordChanged?.record?.name === 'Live Renamed Ltd' && m.data.recordChanged.version === m.data.recordChanged.record.version;
    const messages = await until(
      'the rename',
      () => state.messages,
      (m) => m.some(isRename),
    );
    const message = messages.find(isRename);
    expect(message!.errors).toBeUndefined();
    const change = message!.data.recordChanged;
    expect(change).toMatchObject({ type: 'customer.updated', resourceType: 'Customer', resourceId: customer.id, actor: { id: expect.any(String) } });
    expect(change.record).toEqual({ id: customer.id, name: 'Live Renamed Ltd', version: change.version });
    // The same event as the events list shows.
    const listed = await server.graphql(`query($id: ID) { events(resourceId: $id, first: 100) { nodes { id type } } }`, { id: customer.id }, org.adminToken);
    expect(listed.data!.events.nodes.map((e: { id: string }) => e.id)).toContain(change.eventId);

    // Another record's change, or a change under it, is not this record's.
    const other = await createCustomer('Other Ltd');
    await rename(other.id, 'Other Renamed Ltd');
    await addContact(customer.id, 'Under');
    await rename(customer.id, 'Live Third Ltd');
    const all = await until(
      'the third name',
      () => state.messages,
      (m) => m.some((x) => x.data?.recordChanged.record?.name === 'Live Third Ltd'),
    );
    expect(all.map((m) => m.data.recordChanged.record.name)).toEqual(['Live Renamed Ltd', 'Live Third Ltd']);
  });

  it('refuses over WebSocket what the same token could not read by query: no token, a bad token, another organisation, a record out of sight', async () => {
    const customer = await createCustomer('Private Ltd');

    const anonymous = connect(null);
    const a = subscribe(anonymous.client, RECORD_CHANGED, { id: customer.id });
    await until(
      'the anonymous connection to close',
      () => anonymous.closed,
      (c) => c.length > 0,
    );
    expect(anonymous.closed[0]!.code).toBe(4401);
    expect(anonymous.closed[0]!.reason).toMatch(/Authentication required/);
    expect(a.state.messages).toEqual([]);

    const badToken = connect('not-a-token-at-all');
    subscribe(badToken.client, RECORD_CHANGED, { id: customer.id });
    await until(
      'the bad token connection to close',
      () => badToken.closed,
      (c) => c.length > 0,
    );
    expect(badToken.closed[0]).toMatchObject({ code: 4401, reason: expect.stringMatching(/not valid/) });

    const otherOrg = await createTestOrganisation(server, 'Elsewhere Ltd');
    const stranger = connect(otherOrg.adminToken);
    const s = subscribe(stranger.client, RECORD_CHANGED, { id: customer.id });
    const [refused] = await until(
      'the refusal',
      () => s.state.messages,
      (m) => m.length > 0,
    );
    expect(refused!.errors![0]!.extensions!.code).toBe('NOT_FOUND');

    // A salesperson sees only the customers they own.
    const seller = connect(await org.tokenFor('SALES'));
    const sale = subscribe(seller.client, RECORD_CHANGED, { id: customer.id });
    const [notYours] = await until(
      'the refusal',
      () => sale.state.messages,
      (m) => m.length > 0,
    );
    expect(notYours!.errors![0]!.extensions!.code).toBe('NOT_FOUND');

    // Nothing but refusals reached them when the record changed.
    await rename(customer.id, 'Private Renamed Ltd');
    await new Promise((r) => setTimeout(r, 500));
    expect(s.state.messages).toHaveLength(1);
    expect(sale.state.messages).toHaveLength(1);
  });

  it('ends with UNAUTHENTICATED at the next change once the token stops working', async () => {
    const customer = await createCustomer('Revoked Ltd');
    // A finance user (who sees every customer); deactivated below, so no other test uses the role.
    const financeId = await org.userIdFor('FINANCE');
    const { client } = connect(await org.tokenFor('FINANCE'));
    const { state } = subscribe(client, RECORD_CHANGED, { id: customer.id });
    await untilLive(state, (i) => rename(customer.id, `Revoked Warm-up ${i}`));
    const res = await server.graphql(
      `mutation($i: UpdateUserInput!) { updateUser(input: $i) { userErrors { message } } }`,
      { i: { id: financeId, active: false } },
      org.adminToken,
    );
    expect(res.data!.updateUser.userErrors).toEqual([]);
    await rename(customer.id, 'Revoked Renamed Ltd');
    const [last] = await until(
      'the end',
      () => state.messages,
      (m) => m.length > 0,
    );
    expect(last!.data).toBeFalsy();
    expect(last!.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(state.messages)).not.toContain('Revoked Renamed Ltd');
  });

  it("ends after the record's deletion, whose message is the last, with the record null", async () => {
    const customer = await createCustomer('Deleting Ltd');
    const contactId = await addContact(customer.id, 'Soon Gone');
    const { client } = connect(org.adminToken);
    const { state } = subscribe(client, `subscription($id: ID!) { recordChanged(id: $id) { type resourceId record { id } } }`, { id: contactId });
    const renameContact = async (surname: string) => {
      const res = await server.graphql(
        `mutation($i: UpdateContactInput!) { updateContact(input: $i) { userErrors { message } } }`,
        { i: { id: contactId, surname } },
        org.adminToken,
      );
      expect(res.data!.updateContact.userErrors).toEqual([]);
    };
    await untilLive(state, (i) => renameContact(`Warm-up ${i}`));
    const res = await server.graphql(
      `mutation($i: DeleteContactInput!) { deleteContact(input: $i) { userErrors { message } } }`,
      { i: { id: contactId } },
      org.adminToken,
    );
    expect(res.data!.deleteContact.userErrors).toEqual([]);
    await until(
      'the end of the subscription',
      () => state,
      (x) => x.completed,
    );
    expect(state.messages.map((m) => m.data.recordChanged)).toEqual([{ type: 'contact.deleted', resourceId: contactId, record: null }]);
  });

  it('serves only subscriptions over WebSocket, with the same document limits as HTTP', async () => {
    const { client } = connect(org.adminToken);
    const q = subscribe(client, `{ __typename }`);
    await until(
      'the answer',
      () => q.state,
      (s) => s.error !== null || s.messages.length > 0,
    );
    expect(JSON.stringify(q.state.error ?? q.state.messages)).toMatch(/Only subscriptions are served over WebSocket; send queries to POST \/graphql/);

    const deep = subscribe(
      client,
      `subscription($id: ID!) { recordChanged(id: $id) { record { id ${'... on Customer { parentCustomer { id '.repeat(14)}${'} }'.repeat(14)} } } }`,
      {
        id: (await createCustomer('Deep Ltd')).id,
      },
    );
    await until(
      'the answer',
      () => deep.state,
      (s) => s.error !== null || s.messages.length > 0,
    );
    expect(JSON.stringify(deep.state.error ?? deep.state.messages)).toMatch(/levels of nesting/);
  });

  it('refuses with the client’s codes, as HTTP does: a query, an unknown operation, variables that do not fit', async () => {
    const { client } = connect(org.adminToken);
    const refusal = async (query: string, variables: Record<string, unknown>, operationName?: string) => {
      const state = { error: null as unknown, messages: [] as Received[] };
      client.subscribe(
        { query, variables, operationName },
        { next: (m) => state.messages.push(m as Received), error: (e) => (state.error = e), complete: () => undefined },
      );
      await until(
        'the refusal',
        () => state,
        (s) => s.error !== null || s.messages.length > 0,
      );
      expect(state.messages).toEqual([]);
      return state.error as Array<{ message: string; extensions?: { code?: string } }>;
    };
    const codes = (errors: Array<{ extensions?: { code?: string } }>) => [...new Set(errors.map((e) => e.extensions?.code))];
    const ON_RECORD = 'subscription Watch($id: ID!) { recordChanged(id: $id) { type } }';

    expect(codes(await refusal('query Q { __typename }', {}))).toEqual(['BAD_REQUEST']);
    const unknown = await refusal(ON_RECORD, { id: 'x' }, 'Other');
    expect(codes(unknown)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(unknown[0]!.message).toBe('Unknown operation named "Other".');
    const missing = await refusal(ON_RECORD, {});
    expect(codes(missing)).toEqual(['BAD_USER_INPUT']);
    expect(missing[0]!.message).toMatch(/Variable "\$id" of required type "ID!" was not provided/);
    expect(codes(await refusal(ON_RECORD, { id: { not: 'an id' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('over HTTP, a subscription is refused as the client’s mistake, naming where subscriptions are served', async () => {
    const id = (await createCustomer('Polled Ltd')).id;
    const DOC = `subscription Watch($id: ID!) { recordChanged(id: $id) { type } } query Name($id: ID!) { node(id: $id) { id } }`;
    const refused = await server.graphql(DOC.replace(/ query Name.*$/, ''), { id }, org.adminToken);
    expect(refused.status).toBe(400);
    expect(refused.errors).toEqual([
      {
        message: 'Subscriptions are served over WebSocket at /graphql (protocol graphql-transport-ws); this HTTP endpoint answers queries and mutations.',
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    const chosen = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body: JSON.stringify({ query: DOC, variables: { id }, operationName: 'Name' }),
    });
    expect(chosen.status).toBe(200);
    expect(((await chosen.json()) as { data: { node: { id: string } } }).data.node.id).toBe(id);
  });
});

describe('hostile upgrades', () => {
  it('answers an upgrade elsewhere than /graphql with 404, survives a client that resets mid-handshake, and goes on serving', async () => {
    const { port } = new URL(server.url);
    const raw = (request: string, reset: boolean) =>
      new Promise<string>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.write(request);
          if (reset) socket.resetAndDestroy();
        });
        let answer = '';
        socket.on('data', (d) => (answer += d.toString()));
        socket.on('error', () => resolve(answer));
        socket.on('close', () => resolve(answer));
      });
    const upgrade = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`;
    expect(await raw(upgrade('/elsewhere'), false)).toMatch(/^HTTP\/1.1 404/);
    for (let i = 0; i < 20; i++) await raw(i % 2 ? upgrade('/elsewhere') : upgrade('/graphql'), true);
    // A broken handshake (no key) is refused by the WebSocket server itself.
    expect(await raw('GET /graphql HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', false)).toMatch(/^HTTP\/1.1 400/);
    const res = await server.graphql('{ __typename }', {}, org.adminToken);
    expect(res.data).toEqual({ __typename: 'Query' });
  });
});

describe('customerRecordChanged', () => {
  it("delivers changes anywhere in the customer's record: the customer, a new contact", async () => {
    const customer = await createCustomer('Whole Record Ltd');
    const { client } = connect(org.adminToken);
    const { state } = subscribe(
      client,
      `subscription($id: ID!) { customerRecordChanged(customerId: $id) { type resourceType record { id ... on Contact { surname } ... on Customer { name } } } }`,
      {
        id: customer.id,
      },
    );
    await untilLive(state, (i) => rename(customer.id, `Whole Warm-up ${i}`));
    const contactId = await addContact(customer.id, 'Newcomer');
    await rename(customer.id, 'Whole Record Renamed Ltd');
    await createCustomer('Unrelated Ltd');
    const got = await until(
      'both changes',
      () => state.messages,
      (m) => m.length >= 2,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(state.messages.map((m) => m.data.customerRecordChanged)).toEqual([
      { type: 'contact.created', resourceType: 'Contact', record: { id: contactId, surname: 'Newcomer' } },
      { type: 'customer.updated', resourceType: 'Customer', record: { id: customer.id, name: 'Whole Record Renamed Ltd' } },
    ]);
    expect(got).toHaveLength(2);
  });
});

const PRESENCE = `subscription($id: ID!) { presence(id: $id) { recordId viewers { user { id } name isYou } } }`;

describe('presence', () => {
  it('shows who is viewing a record, and updates as viewers come and go', async () => {
    const customer = await createCustomer('Busy Ltd');
    const first = connect(org.adminToken);
    const a = subscribe(first.client, PRESENCE, { id: customer.id });
    await until(
      'the first list',
      () => a.state.messages,
      (m) => m.length >= 1,
    );
    expect(a.state.messages[0]!.data.presence).toEqual({
      recordId: customer.id,
      viewers: [{ user: { id: expect.any(String) }, name: expect.any(String), isYou: true }],
    });

    const manager = connect(await org.tokenFor('MANAGER'));
    const b = subscribe(manager.client, PRESENCE, { id: customer.id });
    const [both] = await until(
      'the second viewer',
      () => b.state.messages,
      (m) => m.length >= 1,
    );
    expect(both!.data.presence.viewers.map((v: { name: string; isYou: boolean }) => [v.name, v.isYou])).toEqual([
      [expect.any(String), false],
      ['MANAGER user', true],
    ]);
    await until(
      'the first to see the second',
      () => a.state.messages,
      (m) => m.length >= 2,
    );
    expect(a.state.messages[1]!.data.presence.viewers.map((v: { isYou: boolean }) => v.isYou)).toEqual([true, false]);

    b.stop();
    await until(
      'the first to see the second leave',
      () => a.state.messages,
      (m) => m.length >= 3,
    );
    expect(a.state.messages[2]!.data.presence.viewers).toHaveLength(1);

    // A viewer who may not see the record is refused, not counted.
    const seller = connect(await org.tokenFor('SALES'));
    const c = subscribe(seller.client, PRESENCE, { id: customer.id });
    const [refused] = await until(
      'the refusal',
      () => c.state.messages,
      (m) => m.length > 0,
    );
    expect(refused!.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.state.messages).toHaveLength(3);
  });
});

describe('two instances on one database and Redis', () => {
  it('a change made through one instance reaches a subscriber on the other; presence is shared', async () => {
    // Both instances share one Redis (its own prefix, so other runs on this Redis do not interfere).
    const redis = { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', REALTIME_REDIS_PREFIX: `crm:test:${randomUUID()}:` };
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', RATE_LIMIT_ENABLED: 'false', WEBHOOK_DELIVERY: 'false', ...redis });
    const instances: Array<{ app: App; url: string; database: Database | null }> = [];
    try {
      for (let i = 0; i < 2; i++) {
        // On PostgreSQL each instance has its own pool; the embedded database is one process's, shared.
        const database = server.database.url ? await openDatabase({ kind: 'postgres', url: server.database.url, poolSize: 4 }) : null;
        const app = await createApp({ config, database: database ?? server.database, log: pino({ level: 'silent' }) });
        await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
        const address = app.server.address();
        instances.push({ app, database, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql` });
      }
      const [one, two] = instances as [(typeof instances)[0], (typeof instances)[0]];
      const customer = await createCustomer('Shared Ltd');
      const { client } = connect(org.adminToken, two.url);
      const { state } = subscribe(client, RECORD_CHANGED, { id: customer.id });
      await untilLive(state, (i) => rename(customer.id, `Shared Warm-up ${i}`, one.url));
      await rename(customer.id, 'Shared Through One Ltd', one.url);
      const [message] = await until(
        'the change made through the other instance',
        () => state.messages,
        (m) => m.length >= 1,
      );
      expect(message!.data.recordChanged.record.name).toBe('Shared Through One Ltd');

      const onOne = subscribe(connect(org.adminToken, one.url).client, PRESENCE, { id: customer.id });
      await until(
        'the first list',
        () => onOne.state.messages,
        (m) => m.length >= 1,
      );
      const onTwo = subscribe(connect(await org.tokenFor('MANAGER'), two.url).client, PRESENCE, { id: customer.id });
      const [seen] = await until(
        'both viewers, on the second instance',
        () => onTwo.state.messages,
        (m) => m.length >= 1,
      );
      expect(seen!.data.presence.viewers).toHaveLength(2);
      await until(
        'the second viewer, on the first instance',
        () => onOne.state.messages,
        (m) => m.length >= 2,
      );
      expect(onOne.state.messages[1]!.data.presence.viewers).toHaveLength(2);
    } finally {
      for (const instance of instances) {
        await instance.app.stop();
        await instance.database?.close();
      }
    }
  });
});
