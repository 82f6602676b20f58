// The real thing for webhook delivery: a server process (src/main.ts) killed with SIGKILL while a
// delivery is in flight (the receiver holds the request), then started again on the same database.
// A real receiver verifies every signature and counts deliveries: every event is delivered at least
// once, none is lost, and a duplicate carries the same id and body. A copy of the migrated embedded
// database, or a fresh PostgreSQL database with TEST_DATABASE_URL.
import { createOrganisation } from '../../src/organisations/service';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { createChildDatabase, type ChildDatabase } from '../helpers/database';
import { startReceiver, until, type Receiver } from './receiver';

jest.setTimeout(180_000);

let database: ChildDatabase;
let receiver: Receiver;
const servers: ChildServer[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  database = await createChildDatabase();
});
afterAll(async () => {
  for (const s of servers) await s.kill();
  await receiver.close();
  await database.drop();
});

async function adminToken(): Promise<string> {
  return database.use(async ({ db }) => (await createOrganisation(db, { name: 'Restart Ltd', adminEmail: 'admin@restart.test' })).token);
}

async function gql(server: ChildServer, token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${server.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function makeCustomers(server: ChildServer, token: string, names: string[]): Promise<void> {
  const { customerTypes } = await gql(server, token, `{ customerTypes { id } }`);
  for (const name of names) {
    const data = await gql(server, token, `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { userErrors { code message } } }`, {
      input: { name, typeId: customerTypes[0].id, address: { line1: '1 Quay Street', postcode: 'BS1 4DJ' } },
    });
    expect(data.createCustomer.userErrors).toEqual([]);
  }
}

async function allEvents(server: ChildServer, token: string): Promise<Array<{ id: string; type: string }>> {
  const ids: Array<{ id: string; type: string }> = [];
  let after: string | null = null;
  for (;;) {
    const data = await gql(
      server,
      token,
      `query($after: String) { events(first: 100, after: $after) { nodes { id type } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    ids.push(...data.events.nodes);
    if (!data.events.pageInfo.hasNextPage) return ids;
    after = data.events.pageInfo.endCursor;
  }
}

it('delivers every event at least once across a kill mid-delivery; duplicates carry the same id and body', async () => {
  const token = await adminToken();
  const env = {
    WEBHOOK_DELIVERY: 'true',
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_TIMEOUT_MS: '4000',
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_ALLOWED_PRIVATE_TARGETS: '127.0.0.1',
    ...database.env,
  };
  const first = await startChildServer(env);
  servers.push(first);
  const made = await gql(
    first,
    token,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret userErrors { code } } }`,
    {
      input: { url: receiver.url('/restart') },
    },
  );
  receiver.secrets.push(made.createWebhookEndpoint.secret);

  // The receiver holds the tenth request open: that delivery is in flight when the server dies.
  let count = 0;
  receiver.answer = () => (++count === 10 ? 'hold' : 200);
  await makeCustomers(
    first,
    token,
    Array.from({ length: 15 }, (_, i) => `Before kill ${i} Ltd`),
  );
  await until(
    'a delivery in flight',
    () => receiver.held(),
    (n) => n === 1,
  );
  const inFlight = receiver.received[9]!;
  await first.kill();
  receiver.releaseHeld('destroy');

  const second = await startChildServer(env);
  servers.push(second);
  await makeCustomers(second, token, ['After restart 1 Ltd', 'After restart 2 Ltd']);
  // The endpoint gets what happens from its creation on (the organisation's set-up came before).
  // (An event shows once every older transaction on the server has ended: wait for all 35.)
  const fromEndpoint = (list: Array<{ id: string; type: string }>) => list.slice(list.findIndex((e) => e.type === 'webhookEndpoint.created'));
  const all = await until(
    'every event in the list',
    () => allEvents(second, token),
    (list) => fromEndpoint(list).length >= 1 + 2 * 17,
  );
  const sent = fromEndpoint(all).map((e) => e.id);
  // Delivered: answered 2xx (the held request never was).
  await until(
    'every event accepted by the receiver',
    () => new Set(receiver.received.filter((r) => r.answered === 200).map((r) => r.id)),
    (got) => sent.every((id) => got.has(id)),
    60_000,
  );

  expect(receiver.received.every((r) => r.verified)).toBe(true);
  // Nothing arrived that is not an event, and each id always came with the same body.
  const bodies = new Map<string, Set<string>>();
  for (const r of receiver.received) bodies.set(r.id, (bodies.get(r.id) ?? new Set()).add(r.body));
  expect([...bodies.keys()].every((id) => sent.includes(id))).toBe(true);
  expect([...bodies.values()].every((b) => b.size === 1)).toBe(true);
  // The delivery in flight at the kill was sent again after the restart, with the same id.
  expect(receiver.received.filter((r) => r.id === inFlight.id).length).toBeGreaterThanOrEqual(2);
  expect(sent.length).toBe(1 + 2 * 17);
});
