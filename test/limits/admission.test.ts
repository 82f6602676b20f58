// GraphQL requests in turns (src/limits/admission.ts): at most MAX_CONCURRENT_REQUESTS execute at
// once, the others wait first come first served, in their own request scope; a request whose
// client leaves while it waits never runs; one that waits longer than REQUEST_TIMEOUT_MS, or that
// finds MAX_QUEUED_REQUESTS already waiting (or their bodies holding MAX_QUEUED_BODY_BYTES), is
// refused with 503 SERVER_BUSY.
//
// First the gate itself, in front of handlers the test finishes when it likes (so every ordering
// is exact); then the server, where requests held by a row lock fill the turns (PostgreSQL server).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../../src/config';
import { currentRequestScope } from '../../src/db/request-signal';
import { createAdmission, type Admission } from '../../src/limits/admission';
import { runStoppable } from '../../src/limits/stop';
import { testDatabaseUrl } from '../helpers/database';
import { lockedCustomer } from '../helpers/row-lock';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

/** Waits until `holds` (checked every 5 ms), failing after 10 s with what was awaited. */
async function until(holds: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${holds.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type Held = { id: string; finish(): void; scopeIsOwn: boolean };

/** An HTTP server whose requests (`/?id=…`) pass the gate, then wait until the test finishes them. */
async function gatedServer(settings: { maxConcurrentRequests: number; maxQueuedRequests: number; requestTimeoutMs: number; maxQueuedBodyBytes?: number }) {
  const admission: Admission = createAdmission({ maxQueuedBodyBytes: 64 * 1_048_576, ...settings });
  const running: Held[] = [];
  const started: string[] = [];
  const app = express();
  app.all('/', (req, res) => {
    const id = String(req.query.id);
    runStoppable(res, settings, (signal) =>
      admission.admit(res, signal, () => {
        started.push(id);
        const scope = currentRequestScope();
        return new Promise<void>((resolve) => {
          running.push({
            id,
            // The scope a request runs in is the one runStoppable made for it, even when the turn
            // was handed over by another request's end.
            scopeIsOwn: scope?.signal === signal,
            finish() {
              res.json({ id });
              resolve();
            },
          });
        });
      }),
    );
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const finish = (id: string) => {
    const at = running.findIndex((h) => h.id === id);
    if (at < 0) throw new Error(`${id} is not running`);
    const [held] = running.splice(at, 1);
    held!.finish();
  };
  return {
    admission,
    running,
    started,
    finish,
    request: (id: string, signal?: AbortSignal, body?: string) => fetch(`${url}?id=${id}`, { signal, ...(body === undefined ? {} : { method: 'POST', body }) }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('the admission gate', () => {
  it('runs at most MAX_CONCURRENT_REQUESTS at once and the rest in their order of arrival, each in its own scope', async () => {
    const gate = await gatedServer({ maxConcurrentRequests: 2, maxQueuedRequests: 100, requestTimeoutMs: 0 });
    try {
      const answers: Array<Promise<Response>> = [];
      for (const id of ['a', 'b', 'c', 'd', 'e']) {
        answers.push(gate.request(id));
        // Arrival order is the order the server sees them in.
        await until(() => gate.admission.running + gate.admission.queued === answers.length);
      }
      expect(gate.started).toEqual(['a', 'b']);
      expect(gate.admission.queued).toBe(3);

      gate.finish('b');
      await until(() => gate.started.length === 3);
      expect(gate.started).toEqual(['a', 'b', 'c']);
      expect(gate.admission.running).toBe(2);

      gate.finish('a');
      gate.finish('c');
      await until(() => gate.started.length === 5);
      expect(gate.started).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(gate.admission.running).toBe(2);
      gate.finish('d');
      gate.finish('e');

      const bodies = await Promise.all(answers.map(async (a) => ((await a).status === 200 ? ((await (await a).json()) as { id: string }).id : null)));
      expect(bodies).toEqual(['a', 'b', 'c', 'd', 'e']);
      await until(() => gate.admission.running === 0);
      expect(gate.running).toEqual([]);
    } finally {
      await gate.close();
    }
  });

  it('gives each queued request its own scope when another request ends its turn', async () => {
    const gate = await gatedServer({ maxConcurrentRequests: 1, maxQueuedRequests: 100, requestTimeoutMs: 0 });
    const seen: boolean[] = [];
    try {
      const first = gate.request('first');
      await until(() => gate.started.length === 1);
      const second = gate.request('second');
      await until(() => gate.admission.queued === 1);
      seen.push(gate.running[0]!.scopeIsOwn);
      gate.finish('first');
      await until(() => gate.started.length === 2);
      seen.push(gate.running[0]!.scopeIsOwn);
      gate.finish('second');
      await Promise.all([first, second]);
      expect(seen).toEqual([true, true]);
    } finally {
      await gate.close();
    }
  });

  it('refuses at once with 503 SERVER_BUSY when MAX_QUEUED_REQUESTS are already waiting', async () => {
    const gate = await gatedServer({ maxConcurrentRequests: 1, maxQueuedRequests: 1, requestTimeoutMs: 0 });
    try {
      const running = gate.request('running');
      await until(() => gate.started.length === 1);
      const waiting = gate.request('waiting');
      await until(() => gate.admission.queued === 1);

      const refused = await gate.request('refused');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      const body = (await refused.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]!.extensions.code).toBe('SERVER_BUSY');
      expect(body.errors[0]!.message).toMatch(/busy: 1 requests are already waiting/);

      gate.finish('running');
      await until(() => gate.started.length === 2);
      gate.finish('waiting');
      expect((await running).status).toBe(200);
      expect((await waiting).status).toBe(200);
      expect(gate.started).toEqual(['running', 'waiting']);
    } finally {
      await gate.close();
    }
  });

  it('refuses at once with 503 SERVER_BUSY a request whose body would take the waiting ones past MAX_QUEUED_BODY_BYTES', async () => {
    const gate = await gatedServer({ maxConcurrentRequests: 1, maxQueuedRequests: 100, requestTimeoutMs: 0, maxQueuedBodyBytes: 1000 });
    try {
      const running = gate.request('running', undefined, 'x'.repeat(5000));
      await until(() => gate.started.length === 1);
      const waiting = gate.request('waiting', undefined, 'x'.repeat(600));
      await until(() => gate.admission.queued === 1);
      expect(gate.admission.queuedBytes).toBe(600);

      const refused = await gate.request('refused', undefined, 'x'.repeat(401));
      expect(refused.status).toBe(503);
      const body = (await refused.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]).toEqual({
        message: 'The server is busy: the requests already waiting hold 600 bytes of request bodies. Try again shortly.',
        extensions: { code: 'SERVER_BUSY' },
      });
      // One that fits still waits its turn.
      const fits = gate.request('fits', undefined, 'x'.repeat(400));
      await until(() => gate.admission.queued === 2);
      expect(gate.admission.queuedBytes).toBe(1000);

      gate.finish('running');
      await until(() => gate.started.length === 2);
      expect(gate.admission.queuedBytes).toBe(400);
      gate.finish('waiting');
      await until(() => gate.started.length === 3);
      gate.finish('fits');
      expect((await running).status).toBe(200);
      expect((await waiting).status).toBe(200);
      expect((await fits).status).toBe(200);
      expect(gate.admission.queuedBytes).toBe(0);
      expect(gate.started).toEqual(['running', 'waiting', 'fits']);
    } finally {
      await gate.close();
    }
  });

  it('refuses with 503 SERVER_BUSY a request that waited REQUEST_TIMEOUT_MS for a turn, without running it', async () => {
    // One turn, each at most 300 ms: the third request waits behind two turns, longer than 300 ms.
    const gate = await gatedServer({ maxConcurrentRequests: 1, maxQueuedRequests: 10, requestTimeoutMs: 300 });
    try {
      void gate.request('first').catch(() => undefined);
      await until(() => gate.started.length === 1);
      const second = gate.request('second');
      await until(() => gate.admission.queued === 1);
      const late = await gate.request('late');
      expect(late.status).toBe(503);
      const body = (await late.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]!.extensions.code).toBe('SERVER_BUSY');
      expect(body.errors[0]!.message).toMatch(/waited 300 ms for a turn and was not run/);
      // 'first' never answered: its turn ended at 300 ms and went to 'second', not to the refused one.
      expect(gate.started).toEqual(['first', 'second']);
      expect(gate.admission.queued).toBe(0);

      gate.finish('second');
      expect((await second).status).toBe(200);
      // The turn was not handed to the refused request: the next one runs at once.
      const next = gate.request('next');
      await until(() => gate.started.length === 3);
      gate.finish('next');
      expect((await next).status).toBe(200);
      expect(gate.started).toEqual(['first', 'second', 'next']);
    } finally {
      await gate.close();
    }
  });

  it('drops a waiting request whose client leaves: it never runs and the turn goes to the next', async () => {
    const gate = await gatedServer({ maxConcurrentRequests: 1, maxQueuedRequests: 10, requestTimeoutMs: 0 });
    try {
      const running = gate.request('running');
      await until(() => gate.started.length === 1);
      const leaving = new AbortController();
      const left = gate.request('left', leaving.signal).catch((error: Error) => error.name);
      await until(() => gate.admission.queued === 1);
      const after = gate.request('after');
      await until(() => gate.admission.queued === 2);

      leaving.abort();
      expect(await left).toBe('AbortError');
      await until(() => gate.admission.queued === 1);

      gate.finish('running');
      await until(() => gate.started.length === 2);
      gate.finish('after');
      expect((await running).status).toBe(200);
      expect((await after).status).toBe(200);
      expect(gate.started).toEqual(['running', 'after']);
      await until(() => gate.admission.running === 0);
    } finally {
      await gate.close();
    }
  });

  it('ends the turn of a request whose client left while it ran, though its handler has not finished', async () => {
    const gate = await gatedServer({ maxConcurrentRequests: 1, maxQueuedRequests: 10, requestTimeoutMs: 0 });
    try {
      const leaving = new AbortController();
      const left = gate.request('left', leaving.signal).catch((error: Error) => error.name);
      await until(() => gate.started.length === 1);
      const next = gate.request('next');
      await until(() => gate.admission.queued === 1);

      leaving.abort();
      expect(await left).toBe('AbortError');
      // 'left' is still held by the test (its handler never settles), yet 'next' gets the turn.
      await until(() => gate.started.length === 2);
      gate.finish('next');
      expect((await next).status).toBe(200);
      expect(gate.started).toEqual(['left', 'next']);
    } finally {
      await gate.close();
    }
  });

  it('ends the turn of a handler that never settles after REQUEST_TIMEOUT_MS, so the server goes on', async () => {
    const gate = await gatedServer({ maxConcurrentRequests: 1, maxQueuedRequests: 10, requestTimeoutMs: 400 });
    try {
      void gate.request('stuck').catch(() => undefined);
      await until(() => gate.started.length === 1);
      const next = gate.request('next');
      await until(() => gate.admission.queued === 1);
      // 'stuck' never answers; its turn ends at 400 ms, before 'next' has waited 400 ms itself.
      await until(() => gate.started.length === 2);
      gate.finish('next');
      expect((await next).status).toBe(200);
      expect(gate.started).toEqual(['stuck', 'next']);
    } finally {
      await gate.close();
    }
  });

  it('is configured by MAX_CONCURRENT_REQUESTS, MAX_QUEUED_REQUESTS and MAX_QUEUED_BODY_BYTES, with errors naming them', () => {
    const defaults = loadConfig({ NODE_ENV: 'test' });
    expect(defaults.maxConcurrentRequests).toBe(8);
    expect(defaults.maxQueuedRequests).toBe(1000);
    expect(loadConfig({ NODE_ENV: 'test', MAX_CONCURRENT_REQUESTS: '3', MAX_QUEUED_REQUESTS: '0' })).toMatchObject({
      maxConcurrentRequests: 3,
      maxQueuedRequests: 0,
    });
    expect(() => loadConfig({ NODE_ENV: 'test', MAX_CONCURRENT_REQUESTS: '0' })).toThrow(/MAX_CONCURRENT_REQUESTS/);
    expect(() => loadConfig({ NODE_ENV: 'test', MAX_QUEUED_REQUESTS: 'many' })).toThrow(/MAX_QUEUED_REQUESTS/);
    expect(defaults.maxQueuedBodyBytes).toBe(64 * 1_048_576);
    expect(loadConfig({ NODE_ENV: 'test', MAX_QUEUED_BODY_BYTES: '2097152' }).maxQueuedBodyBytes).toBe(2_097_152);
    // Less than one body of the largest size would refuse every request that has to wait.
    expect(() => loadConfig({ NODE_ENV: 'test', MAX_QUEUED_BODY_BYTES: '1000' })).toThrow(/MAX_QUEUED_BODY_BYTES.*at least 1048576/);
    expect(() => loadConfig({ NODE_ENV: 'test', MAX_QUEUED_BODY_BYTES: 'lots' })).toThrow(/MAX_QUEUED_BODY_BYTES/);
  });
});

// A request that waits for a row lock held elsewhere keeps its turn: on the PostgreSQL server only
// (the embedded database has one connection, so nothing else can hold the lock).
(testDatabaseUrl() ? describe : describe.skip)('the server in turns', () => {
  let server: TestServer;
  let org: TestOrganisation;
  beforeAll(async () => {
    server = await startTestServer({ MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUED_REQUESTS: '1' });
    org = await createTestOrganisation(server);
  });
  afterAll(() => server.close());

  it('queues a request behind a running one, refuses one more with SERVER_BUSY, and answers both in turn; the metrics show the gate', async () => {
    const lock = await lockedCustomer(server, org.adminToken, 'Locked Ltd');
    try {
      // Held by the lock: it keeps the only turn.
      const renaming = server.graphql(
        'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { name } userErrors { code } } }',
        { input: { id: lock.id, name: 'Renamed Ltd' } },
        org.adminToken,
      );
      await until(() => server.app.admission!.running === 1);
      const reading = server.graphql('{ customers(first: 5) { nodes { name } } }', {}, org.adminToken);
      await until(() => server.app.admission!.queued === 1);

      const refused = await server.graphql('{ customers(first: 5) { nodes { name } } }', {}, org.adminToken);
      expect(refused.status).toBe(503);
      expect(refused.errors![0]!.extensions!.code).toBe('SERVER_BUSY');

      const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/^graphql_requests_running 1$/m);
      expect(metrics).toMatch(/^graphql_requests_queued 1$/m);

      await lock.release();
      const renamed = await renaming;
      expect(renamed.data!.updateCustomer.customer.name).toBe('Renamed Ltd');
      const read = await reading;
      expect(read.status).toBe(200);
      expect(read.data!.customers.nodes.map((n: { name: string }) => n.name)).toContain('Renamed Ltd');
    } finally {
      await lock.release();
    }
  });
});
