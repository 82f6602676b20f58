// Benchmark of event delivery to integrators (issue 14): N changes through the GraphQL API, each
// writing one event, delivered as signed webhooks to a receiver in this process. Prints the time
// until the last webhook arrived and the end-to-end latency of each (from the change's commit, i.e.
// its mutation's answer, to the webhook's arrival): p50/p95/p99. Every request's signature is
// verified, and duplicates (at-least-once) are counted. The same for subscriptions: a graphql-ws client
// follows every renamed customer (`recordChanged`) over one WebSocket, and each change's message is
// matched to its commit by the customer's version.
//
// How to run (the database is migrated, and the demo organisation created, if needed):
//   psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_events'
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_events npm run bench:events
//   DATABASE_URL=... npm run bench:events -- --changes 2000 --concurrency 8 --poll-ms 100 --skip-build
// The summary goes to stdout; progress and the server's output (prefixed [server]) to stderr.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { bench } from './harness';

const harness = bench('bench:events');
const { log, build, withDemo, startServer, stopServer } = harness;
const fail: (message: string) => never = harness.fail;

function settings() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { changes: { type: 'string' }, concurrency: { type: 'string' }, 'poll-ms': { type: 'string' }, 'skip-build': { type: 'boolean' } },
    strict: true,
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    fail(
      'DATABASE_URL is not set. Benchmarks belong on a real PostgreSQL server:\n' +
        "  psql postgres://postgres@127.0.0.1:5432/postgres -c 'create database crm_bench_events'\n" +
        '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_events npm run bench:events',
    );
  }
  const whole = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) fail(`--${name}: expected a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    databaseUrl,
    changes: whole('changes', values.changes, 10_000, 1),
    concurrency: whole('concurrency', values.concurrency, 8, 1),
    pollMs: whole('poll-ms', values['poll-ms'], 100, 10),
    build: !values['skip-build'],
  };
}

/** Receives webhooks, verifies each signature, and notes when each change's event arrived. */
async function receiver(secret: () => string) {
  const arrivals = new Map<string, number>();
  const ids = new Map<string, number>();
  let requests = 0;
  let unverified = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      requests++;
      const id = String(req.headers['webhook-id']);
      const ts = String(req.headers['webhook-timestamp']);
      const key = Buffer.from(secret().replace(/^whsec_/, ''), 'base64');
      const expected = `v1,${crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
      if (!String(req.headers['webhook-signature']).split(' ').includes(expected)) unverified++;
      ids.set(id, (ids.get(id) ?? 0) + 1);
      const name = (JSON.parse(body) as { data?: { payload?: { after?: { name?: string } } } }).data?.payload?.after?.name;
      if (name?.startsWith('Bench change ') && !arrivals.has(name)) arrivals.set(name, at);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    stats: () => ({ requests, unverified, duplicates: [...ids.values()].filter((n) => n > 1).length }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function main() {
  const s = settings();
  if (s.build) build();
  let secret = '';
  const hooks = await receiver(() => secret);
  const { adminToken } = await withDemo(s.databaseUrl, async (demo) => demo);
  const server = await startServer({
    databaseUrl: s.databaseUrl,
    env: { WEBHOOK_POLL_MS: String(s.pollMs), WEBHOOK_ALLOWED_PRIVATE_TARGETS: '127.0.0.1' },
  });
  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) fail(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
    return body.data;
  };
  try {
    const made = await graphql(
      `
        mutation ($input: CreateWebhookEndpointInput!) {
          createWebhookEndpoint(input: $input) {
            webhookEndpoint {
              id
              version
            }
            secret
            userErrors {
              message
            }
          }
        }
      `,
      {
        input: { url: hooks.url, eventTypes: ['customer.updated'], description: 'bench:events' },
      },
    );
    if (made.createWebhookEndpoint.userErrors.length) fail(JSON.stringify(made.createWebhookEndpoint.userErrors));
    secret = made.createWebhookEndpoint.secret;
    const endpointId: string = made.createWebhookEndpoint.webhookEndpoint.id;
    const customers: string[] = (
      await graphql(
        `
          {
            customers(first: 100) {
              nodes {
                id
              }
            }
          }
        `,
        {},
      )
    ).customers.nodes.map((n: { id: string }) => n.id);
    if (customers.length === 0) fail('the demo organisation has no customers');

    // One subscriber following every customer the changes rename.
    const messages = new Map<string, number>();
    let subscriptionErrors = 0;
    const ws = createClient({
      url: `${server.baseUrl.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${adminToken}` },
      retryAttempts: 0,
    });
    for (const id of customers.slice(0, Math.min(customers.length, s.changes))) {
      ws.subscribe<{ recordChanged: { resourceId: string; version: number } }>(
        { query: `subscription($id: ID!) { recordChanged(id: $id) { resourceId version } }`, variables: { id } },
        {
          next: (m) => {
            const at = performance.now();
            if (m.errors || !m.data) subscriptionErrors++;
            else {
              const key = `${m.data.recordChanged.resourceId}:${m.data.recordChanged.version}`;
              if (!messages.has(key)) messages.set(key, at);
            }
          },
          error: () => subscriptionErrors++,
          complete: () => undefined,
        },
      );
    }
    // The server takes subscriptions as they arrive; a second is plenty before the first change.
    await new Promise((r) => setTimeout(r, 1000));

    log(`${s.changes} changes (customer renames), ${s.concurrency} at a time; webhook poll every ${s.pollMs} ms`);
    const committed = new Map<string, number>();
    const committedVersions = new Map<string, number>();
    const started = performance.now();
    let next = 0;
    // Change i renames customer i mod 100 (up to 100 resources, as changes spread over a real organisation;
    // a resource's webhooks go one at a time, in order). No expectedVersion: renames of one customer queue.
    await Promise.all(
      Array.from({ length: s.concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= s.changes) return;
          const name = `Bench change ${i}`;
          const data = await graphql(
            `
              mutation ($input: UpdateCustomerInput!) {
                updateCustomer(input: $input) {
                  customer {
                    id
                    version
                  }
                  userErrors {
                    message
                  }
                }
              }
            `,
            {
              input: { id: customers[i % customers.length], name },
            },
          );
          if (data.updateCustomer.userErrors.length) fail(JSON.stringify(data.updateCustomer.userErrors));
          const at = performance.now();
          committed.set(name, at);
          committedVersions.set(`${data.updateCustomer.customer.id}:${data.updateCustomer.customer.version}`, at);
        }
      }),
    );
    const changesDone = performance.now();
    const deadline = Date.now() + 300_000;
    while (hooks.arrivals.size < s.changes) {
      if (Date.now() > deadline) fail(`only ${hooks.arrivals.size} of ${s.changes} webhooks arrived within 5 minutes of the last change`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const lastArrival = Math.max(...hooks.arrivals.values());
    while (messages.size < s.changes) {
      if (Date.now() > deadline) fail(`only ${messages.size} of ${s.changes} subscription messages arrived within 5 minutes of the last change`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const lastMessage = Math.max(...messages.values());
    const messageLatencies = [...committedVersions].map(([key, at]) => messages.get(key)! - at).sort((a, b) => a - b);
    await ws.dispose();
    const latencies = [...committed].map(([name, at]) => hooks.arrivals.get(name)! - at).sort((a, b) => a - b);
    const { requests, unverified, duplicates } = hooks.stats();
    await graphql(
      `
        mutation ($input: DeleteWebhookEndpointInput!) {
          deleteWebhookEndpoint(input: $input) {
            userErrors {
              message
            }
          }
        }
      `,
      { input: { id: endpointId } },
    );

    const out = [
      `bench:events on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), PostgreSQL, webhook poll ${s.pollMs} ms`,
      `changes: ${s.changes} renames of ${Math.min(customers.length, s.changes)} customers, ${s.concurrency} at a time: ${((changesDone - started) / 1000).toFixed(1)} s (${(s.changes / ((changesDone - started) / 1000)).toFixed(0)} changes/s)`,
      `webhooks: the last arrived ${((lastArrival - started) / 1000).toFixed(1)} s after the first change, ${((lastArrival - changesDone) / 1000).toFixed(2)} s after the last change committed`,
      `end-to-end latency (commit → webhook received): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`,
      `requests received: ${requests} (${duplicates} event ids more than once), signatures not verified: ${unverified}`,
      `subscriptions (recordChanged over one WebSocket, one per customer): the last message arrived ${((lastMessage - changesDone) / 1000).toFixed(2)} s after the last change committed; errors: ${subscriptionErrors}`,
      `end-to-end latency (commit → subscription message): p50 ${percentile(messageLatencies, 50).toFixed(0)} ms, p95 ${percentile(messageLatencies, 95).toFixed(0)} ms, p99 ${percentile(messageLatencies, 99).toFixed(0)} ms, max ${messageLatencies.at(-1)!.toFixed(0)} ms`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stopServer(server);
    await hooks.close();
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
