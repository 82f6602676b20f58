// Signed webhooks (issue 14, capability 2), through the API and a real receiver that verifies every
// signature with the Standard Webhooks reference library: registration (secret shown once, private
// targets refused), delivery with the event's id, type filters, retries with the same id, order per
// resource, disabling after repeated failures, the delivery log, redelivery and secret rotation.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { selectRows } from '../../src/db/client';
import { createApp } from '../../src/server';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';
import { startReceiver, until, type Receiver } from './receiver';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let receiver: Receiver;

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation({
    WEBHOOK_DELIVERY: 'true',
    WEBHOOK_POLL_MS: '25',
    WEBHOOK_RETRY_BASE_MS: '100',
    WEBHOOK_MAX_ATTEMPTS: '3',
    WEBHOOK_DISABLE_AFTER_FAILURES: '4',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_ALLOWED_PRIVATE_TARGETS: '127.0.0.1',
  }));
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await server.close();
});

const { gql, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const ENDPOINT_FIELDS = `id url eventTypes enabled disabledReason consecutiveFailures version`;
const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  webhookEndpoint { ${ENDPOINT_FIELDS} } secret userErrors { field code message } } }`;
const DELIVERIES = `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { ${ENDPOINT_FIELDS}
  deliveries(first: 100) { totalCount nodes { id status attempts lastResponseStatus lastError deliveredAt nextAttemptAt event { id type resourceId } } } } } }`;

async function register(path: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const data = await gql(CREATE, { input: { url: receiver.url(path), ...(eventTypes ? { eventTypes } : {}) } });
  expect(data.createWebhookEndpoint.userErrors).toEqual([]);
  receiver.secrets.push(data.createWebhookEndpoint.secret);
  return { id: data.createWebhookEndpoint.webhookEndpoint.id, secret: data.createWebhookEndpoint.secret };
}

const at = (path: string) => receiver.received.filter((r) => r.path === path);

async function deliveriesOf(endpointId: string) {
  return (await gql(DELIVERIES, { id: endpointId })).node;
}

async function renameCustomer(id: string, name: string) {
  const data = await gql(`mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { userErrors { code } } }`, { input: { id, name } });
  expect(data.updateCustomer.userErrors).toEqual([]);
}

describe('registering', () => {
  it('shows the secret once: not in the endpoint, the audit trail or the events', async () => {
    const { id, secret } = await register('/secret');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await gql(`{ webhookEndpoints { id url eventTypes enabled } }`);
    expect(listed.webhookEndpoints).toContainEqual({ id, url: receiver.url('/secret'), eventTypes: [], enabled: true });
    const [found] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select (select count(*) from audit_entries where after::text like ${`%${secret.slice(6, 30)}%`})
            + (select count(*) from events where payload::text like ${`%${secret.slice(6, 30)}%`}) as n`,
    );
    expect(Number(found!.n)).toBe(0);
    await gql(`mutation($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedWebhookEndpointId } }`, { input: { id } });
  });

  it('refuses private, loopback and metadata addresses the server does not allow, and bad URLs, naming the field', async () => {
    for (const url of [
      'http://10.0.0.5/hook',
      'http://169.254.169.254/latest',
      'http://[::1]/hook',
      'http://127.0.0.2/hook',
      'ftp://hooks.example.com/x',
      'not a url',
      'https://user:pw@hooks.example.com/',
    ]) {
      const data = await gql(CREATE, { input: { url } });
      expect([url, data.createWebhookEndpoint.userErrors.map((e: { field: string[]; code: string }) => `${e.field.join('.')}:${e.code}`)]).toEqual([
        url,
        ['input.url:INVALID'],
      ]);
    }
    const badType = await gql(CREATE, { input: { url: 'https://hooks.example.com/x', eventTypes: ['customer created'] } });
    expect(badType.createWebhookEndpoint.userErrors.map((e: { field: string[] }) => e.field.join('.'))).toEqual(['input.eventTypes.0']);
    const [{ n }] = (await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from webhook_endpoints where url not like 'http://127.0.0.1%'`,
    )) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('lists endpoints with their deliveries in statements that do not grow with the number of endpoints', async () => {
    const LIST = `{ webhookEndpoints { id deliveries(first: 5) { totalCount nodes { id status event { id type } } } } }`;
    const listed = async (name: string) => {
      await createCustomer(name);
      return until(
        'every endpoint to have a delivery',
        () => server.graphql(LIST, {}, org.adminToken),
        // Deliveries on the page, not only counted: the page and its count are two statements, and
        // a delivery dispatched between them left the page empty (no event lookup: one statement fewer).
        (r) => r.data!.webhookEndpoints.every((e: any) => e.deliveries.nodes.length > 0),
      );
    };
    for (let i = 1; i <= 2; i++) await register(`/count-${i}`);
    const few = await listed('Counted Ltd');
    for (let i = 3; i <= 6; i++) await register(`/count-${i}`);
    const many = await listed('Counted Again Ltd');
    expect(many.data!.webhookEndpoints.length).toBe(few.data!.webhookEndpoints.length + 4);
    expect(many.statements).toBe(few.statements);
  });

  it('is for admins', async () => {
    const res = await server.graphql(CREATE, { input: { url: 'https://hooks.example.com/x' } }, await org.tokenFor('MANAGER'));
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('delivering', () => {
  it('POSTs each new event, signed, with the event id as webhook-id, and logs the delivery', async () => {
    const { id } = await register('/all');
    const customerId = await createCustomer('Hooked Ltd');
    const got = await until(
      'the customer.created webhook',
      () => at('/all'),
      (list) => list.some((r) => r.message.type === 'customer.created'),
    );
    const created = got.find((r) => r.message.type === 'customer.created')!;
    expect(created.verified).toBe(true);
    expect(created.id).toBe(created.message.id);
    expect(created.message.data).toMatchObject({ resourceType: 'Customer', resourceId: customerId, customerId, resourceVersion: 1 });
    expect(created.message.data.payload.after.name).toBe('Hooked Ltd');
    expect(Math.abs(created.timestamp - Date.now() / 1000)).toBeLessThan(60);

    const events = await gql(`query($c: ID) { events(customerId: $c, first: 10) { nodes { id type } } }`, { c: customerId });
    expect(events.events.nodes.find((e: { type: string }) => e.type === 'customer.created').id).toBe(created.id);
    const endpoint = await until(
      'the delivery log',
      () => deliveriesOf(id),
      (e) => e.deliveries.nodes.some((d: any) => d.event.id === created.id && d.status === 'DELIVERED'),
    );
    expect(endpoint.deliveries.nodes.find((d: any) => d.event.id === created.id)).toMatchObject({
      status: 'DELIVERED',
      attempts: 1,
      lastResponseStatus: 200,
      lastError: null,
      nextAttemptAt: null,
    });
  });

  it('sends only the types asked for', async () => {
    await register('/contacts', ['contact.*']);
    const customerId = await createCustomer('Typed Ltd');
    await gql(`mutation($input: CreateContactInput!) { createContact(input: $input) { userErrors { code } } }`, {
      input: { ownerId: customerId, contact: { surname: 'Curie' } },
    });
    await until(
      'the contact webhook',
      () => at('/contacts'),
      (list) => list.length > 0,
    );
    await createCustomer('After Ltd');
    await until(
      'the /all receiver to see the later customer',
      () => at('/all'),
      (list) => list.some((r) => r.message.data.payload?.after?.name === 'After Ltd'),
    );
    expect(at('/contacts').map((r) => r.message.type)).toEqual(['contact.created']);
  });

  it('retries a failed delivery with the same id, and keeps each resource’s events in order', async () => {
    const { id } = await register('/flaky');
    const failuresLeft = new Map<string, number>();
    receiver.answer = (r) => {
      if (r.path !== '/flaky' || r.message.type !== 'customer.created') return 200;
      const left = failuresLeft.get(r.id) ?? 2;
      failuresLeft.set(r.id, left - 1);
      return left > 0 ? 503 : 200;
    };
    try {
      const customerId = await createCustomer('Flaky Ltd');
      await renameCustomer(customerId, 'Flaky Renamed Ltd');
      const got = await until(
        'the rename webhook',
        () => at('/flaky'),
        (list) => list.some((r) => r.message.type === 'customer.updated' && r.message.data.resourceId === customerId),
      );
      const mine = got.filter((r) => r.message.data.resourceId === customerId);
      // Three tries of the creation (two refused), all with one id; the update only after it.
      expect(mine.map((r) => r.message.type)).toEqual(['customer.created', 'customer.created', 'customer.created', 'customer.updated']);
      expect(new Set(mine.slice(0, 3).map((r) => r.id)).size).toBe(1);
      expect(mine.every((r) => r.verified)).toBe(true);
      // Another resource's event (the address) went ahead while the customer's waited.
      const addressAt = got.findIndex((r) => r.message.type === 'address.created' && r.message.data.customerId === customerId);
      expect(addressAt).toBeGreaterThanOrEqual(0);
      expect(addressAt).toBeLessThan(got.indexOf(mine[2]!));
      const endpoint = await until(
        'the log',
        () => deliveriesOf(id),
        (e) => e.deliveries.nodes.filter((d: any) => d.status === 'DELIVERED').length >= 3,
      );
      const creation = endpoint.deliveries.nodes.find((d: any) => d.event.type === 'customer.created' && d.event.resourceId === customerId);
      expect(creation).toMatchObject({ status: 'DELIVERED', attempts: 3, lastResponseStatus: 200 });
      expect(endpoint.consecutiveFailures).toBe(0);
    } finally {
      receiver.answer = () => 200;
    }
  });

  it('gives up after the last attempt, disables the endpoint after failures in a row, and redelivers on request', async () => {
    const { id } = await register('/down', ['customer.created']);
    receiver.answer = (r) => (r.path === '/down' ? 500 : 200);
    try {
      // Three attempts, then FAILED (the server's WEBHOOK_MAX_ATTEMPTS here); the endpoint stays enabled.
      await createCustomer('Unlucky Ltd');
      const gaveUp = await until(
        'the delivery to fail',
        () => deliveriesOf(id),
        // (The endpoint and its deliveries are read by separate statements: wait for both.)
        (e) => e.deliveries.nodes.some((d: any) => d.status === 'FAILED') && e.consecutiveFailures === 3,
      );
      expect(gaveUp).toMatchObject({ enabled: true, consecutiveFailures: 3 });
      // The fourth failure in a row (WEBHOOK_DISABLE_AFTER_FAILURES) disables it.
      await createCustomer('Unluckier Ltd');
      const endpoint = await until(
        'the endpoint to be disabled',
        () => deliveriesOf(id),
        (e) => !e.enabled,
      );
      expect(endpoint.disabledReason).toMatch(/^Disabled after 4 failed attempts in a row; the last: The receiver answered HTTP 500/);
      const failed = endpoint.deliveries.nodes.filter((d: any) => d.status === 'FAILED');
      expect(failed.length).toBeGreaterThanOrEqual(1);
      expect(failed[0]).toMatchObject({ attempts: 3, lastResponseStatus: 500, lastError: 'The receiver answered HTTP 500.' });
      const sentBefore = at('/down').length;

      // Nothing goes to a disabled endpoint; enabling it again and redelivering sends with the same id.
      receiver.answer = () => 200;
      const enabled = await gql(
        `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { enabled consecutiveFailures disabledReason } userErrors { code } } }`,
        {
          input: { id, enabled: true },
        },
      );
      expect(enabled.updateWebhookEndpoint.webhookEndpoint).toEqual({ enabled: true, consecutiveFailures: 0, disabledReason: null });
      const again = await gql(
        `mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { delivery { status event { id } } userErrors { code } } }`,
        {
          input: { deliveryId: failed[0].id },
        },
      );
      expect(again.redeliverWebhook.delivery.status).toBe('PENDING');
      const eventId = again.redeliverWebhook.delivery.event.id;
      await until(
        'the redelivery',
        () => at('/down').slice(sentBefore),
        (list) => list.some((r) => r.id === eventId),
      );
      const after = await until(
        'the log',
        () => deliveriesOf(id),
        (e) => e.deliveries.nodes.find((d: any) => d.id === failed[0].id).status === 'DELIVERED',
      );
      expect(after.deliveries.nodes.find((d: any) => d.id === failed[0].id)).toMatchObject({ attempts: 4, lastResponseStatus: 200 });
    } finally {
      receiver.answer = () => 200;
    }
  });

  it('gives a receiver that trickles an endless answer the timeout, and records the attempt as failed', async () => {
    const trickle = http.createServer((_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}/slow`;
      const made = await gql(CREATE, { input: { url, eventTypes: ['customer.created'] } });
      const id = made.createWebhookEndpoint.webhookEndpoint.id;
      await createCustomer('Trickled Ltd');
      const endpoint = await until(
        'the attempt to be recorded',
        () => deliveriesOf(id),
        (e) => e.deliveries.nodes.some((d: any) => d.lastError),
        15_000,
      );
      // Retries come 100 ms after a failure here: on a busy machine a second attempt may have failed too.
      expect(endpoint.deliveries.nodes[0].attempts).toBeGreaterThanOrEqual(1);
      expect(endpoint.deliveries.nodes[0]).toMatchObject({
        status: 'PENDING',
        // The headers came; the answer never did.
        lastResponseStatus: null,
        lastError: 'No complete answer within 2000 ms.',
      });
      await gql(`mutation($input: DeleteWebhookEndpointInput!) { deleteWebhookEndpoint(input: $input) { deletedWebhookEndpointId } }`, { input: { id } });
    } finally {
      trickle.closeAllConnections();
      await new Promise<void>((resolve) => trickle.close(() => resolve()));
    }
  });

  it('signs with the new secret once it is rotated', async () => {
    const { id, secret } = await register('/rotate');
    const rotated = await gql(
      `mutation($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { secret webhookEndpoint { version } userErrors { code } } }`,
      {
        input: { id },
      },
    );
    const fresh: string = rotated.rotateWebhookSecret.secret;
    expect(fresh).not.toBe(secret);
    receiver.secrets = receiver.secrets.filter((s) => s !== secret).concat(fresh);
    await createCustomer('Rotated Ltd');
    const got = await until(
      'a webhook after the rotation',
      () => at('/rotate'),
      (list) => list.some((r) => r.message.type === 'customer.created'),
    );
    expect(got.every((r) => r.verified)).toBe(true);
  });
});

describe('several instances', () => {
  // Two delivery loops on one PostgreSQL database (each instance runs one): they share the work
  // through FOR UPDATE SKIP LOCKED and send nothing twice. (The embedded database is one process's.)
  const onServer = process.env.TEST_DATABASE_URL ? it : it.skip;
  onServer('share the deliveries without sending any twice', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      RATE_LIMIT_ENABLED: 'false',
      WEBHOOK_POLL_MS: '10',
      WEBHOOK_ALLOWED_PRIVATE_TARGETS: '127.0.0.1',
    });
    const other = await createApp({ config, database: server.database, log: pino({ level: 'silent' }) });
    try {
      await register('/shared');
      const names = Array.from({ length: 20 }, (_, i) => `Shared ${i} Ltd`);
      for (const name of names) await createCustomer(name);
      const got = await until(
        'every customer at the receiver',
        () => at('/shared'),
        (list) => names.every((n) => list.some((r) => r.message.data.payload?.after?.name === n)),
      );
      await new Promise((r) => setTimeout(r, 300));
      const ids = at('/shared').map((r) => r.id);
      expect(got.length).toBeGreaterThanOrEqual(40);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await other.stop();
    }
  });
});
