// Work stops when nobody waits for it (issue 10, item 4): a statement past STATEMENT_TIMEOUT_MS is
// cancelled by PostgreSQL, a request past REQUEST_TIMEOUT_MS issues no more SQL, and neither does
// one whose client went away. What a stopped mutation was writing is rolled back.
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { isObjectType } from 'graphql';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { selectRows } from '../../src/db/client';
import { unfinishedMessage } from '../../src/limits/stop';
import { createApp } from '../../src/server';
import { testDatabaseUrl } from '../helpers/database';
import { customerInput, readReference, type Reference } from '../helpers/reference';
import { lockedCustomer } from '../helpers/row-lock';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function countNamed(server: TestServer, prefix: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customers where name like ${`${prefix}%`}`);
  return row!.n;
}

/** One request of 30 createCustomer mutations, which GraphQL runs one after another. */
function thirtyCreates(ref: Reference, prefix: string) {
  const names = Array.from({ length: 30 }, (_, i) => `${prefix} ${String(i).padStart(2, '0')}`);
  const query = `mutation(${names.map((_, i) => `$i${i}: CreateCustomerInput!`).join(', ')}) {
    ${names.map((_, i) => `c${i}: createCustomer(input: $i${i}) { customer { id name } userErrors { code } }`).join('\n')}
  }`;
  const variables = Object.fromEntries(names.map((name, i) => [`i${i}`, customerInput(ref, { name })]));
  return { names, body: JSON.stringify({ query, variables }) };
}

describe('statement timeout', () => {
  let server: TestServer;
  let org: TestOrganisation;
  beforeAll(async () => {
    server = await startTestServer({ STATEMENT_TIMEOUT_MS: '300' }, { statementTimeoutMs: 300 });
    org = await createTestOrganisation(server);
  });
  afterAll(() => server.close());

  it('is set on the database connections', async () => {
    const [row] = await selectRows<{ statement_timeout: string }>(server.database.db, sql`show statement_timeout`);
    expect(row!.statement_timeout).toBe('300ms');
  });

  // A statement that waits for a lock is the one a test can make slow; PGlite has one connection.
  (testDatabaseUrl() ? it : it.skip)('cancels a statement that runs too long, rolls its change back and says so without SQL', async () => {
    const lock = await lockedCustomer(server, org.adminToken, 'Locked Ltd');
    try {
      const started = Date.now();
      const response = await server.graphql(
        'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { name } userErrors { code } } }',
        { input: { id: lock.id, name: 'Renamed Ltd' } },
        org.adminToken,
      );
      expect(Date.now() - started).toBeLessThan(1400);
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.extensions!.code).toBe('STATEMENT_TIMEOUT');
      expect(response.errors![0]!.message).toMatch(/longer than 300 ms and was cancelled/);
      expect(JSON.stringify(response.errors)).not.toMatch(/select|update "|\$1/i);
    } finally {
      await lock.release();
    }
    expect(await countNamed(server, 'Renamed Ltd')).toBe(0);
    expect(await countNamed(server, 'Locked Ltd')).toBe(1);
  });
});

/** A second server on the same database, with other settings; stopped by the caller. */
async function serverWith(database: TestServer['database'], env: Record<string, string>) {
  const app = await createApp({ config: loadConfig({ NODE_ENV: 'test', PORT: '0', ...env }), database, log: pino({ level: 'silent' }) });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const address = app.server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`, stop: () => app.stop(), app };
}

/** Node's timer that checks an HTTP server's connections for their timeouts (started when it listens). */
function connectionsCheck(server: http.Server): { _destroyed: boolean } | undefined {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  return key ? (server as unknown as Record<symbol, { _destroyed: boolean }>)[key] : undefined;
}

describe('request timeout and abandoned requests', () => {
  let server: TestServer;
  let org: TestOrganisation;
  let ref: Reference;
  beforeAll(async () => {
    server = await startTestServer();
    org = await createTestOrganisation(server);
    ref = await readReference(server, org.adminToken);
  });
  afterAll(() => server.close());

  it('leaves nothing of a stopped server running: its connections check ends with it (left running, it kept the server and all it reaches alive)', async () => {
    const stopped = await serverWith(server.database, {});
    expect((await fetch(stopped.url.replace('/graphql', '/healthz'))).status).toBe(200);
    expect(connectionsCheck(stopped.app.server)?._destroyed).toBe(false);
    await stopped.stop();
    expect(stopped.app.server.listening).toBe(false);
    expect(connectionsCheck(stopped.app.server)?._destroyed).toBe(true);
  });

  it('stops a request that runs past REQUEST_TIMEOUT_MS: REQUEST_TIMEOUT, and nothing of the change it was making is written', async () => {
    const { body } = thirtyCreates(ref, 'Timeout');
    // The deadline passes before the first mutation's first statement.
    const impatient = await serverWith(server.database, { REQUEST_TIMEOUT_MS: '1' });
    const response = await fetch(impatient.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body,
    });
    const result = (await response.json()) as { data: Record<string, any> | null; errors?: Array<{ message: string; extensions: { code: string } }> };
    await impatient.stop();
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors!) {
      expect(error.extensions.code).toBe('REQUEST_TIMEOUT');
      expect(error.message).toBe('The request ran longer than 1 ms and was stopped; changes it was still making were not kept.');
    }
    expect(await countNamed(server, 'Timeout')).toBe(0);
  });

  it('never hides a kept change: once a mutation field has made its change, the request runs to the end', async () => {
    // Mutation payloads are non-null: stopping the second of thirty would null the whole answer
    // and hide the first, which was kept. Whether the first finishes inside 60 ms or not, what the
    // client is told matches what was written.
    const { names, body } = thirtyCreates(ref, 'Deadline');
    const impatient = await serverWith(server.database, { REQUEST_TIMEOUT_MS: '60' });
    const response = await fetch(impatient.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body,
    });
    const result = (await response.json()) as { data: Record<string, any> | null; errors?: Array<{ extensions: { code: string } }> };
    await impatient.stop();
    const done = names.filter((_, i) => result.data?.[`c${i}`]?.customer);
    expect(done.length === 0 || done.length === 30).toBe(true);
    if (done.length === 0) expect(result.errors!.map((e) => e.extensions.code)).toEqual(['REQUEST_TIMEOUT']);
    expect(await countNamed(server, 'Deadline')).toBe(done.length);
  });

  it("keeps a mutation's deadline without Apollo wrapping every field of the schema: after a mutation, every field's resolver is as it was", async () => {
    const impatient = await serverWith(server.database, { REQUEST_TIMEOUT_MS: '5000' });
    const resolvers = () => {
      const all = new Map<string, unknown>();
      for (const type of Object.values(impatient.app.schema.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__')) continue;
        for (const [name, field] of Object.entries(type.getFields())) all.set(`${type.name}.${name}`, field.resolve);
      }
      return all;
    };
    try {
      const before = resolvers();
      const { body } = thirtyCreates(ref, 'Unwrapped');
      const response = await fetch(impatient.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
        body,
      });
      const result = (await response.json()) as { data: Record<string, { customer: { name: string } }> | null; errors?: unknown };
      expect(result.errors).toBeUndefined();
      expect(result.data!.c29!.customer.name).toBe('Unwrapped 29');
      const changed = [...resolvers()].filter(([key, resolve]) => before.get(key) !== resolve).map(([key]) => key);
      expect(changed).toEqual([]);
    } finally {
      await impatient.stop();
    }
  });

  // A statement that does not answer: a row another connection holds locked, with no statement
  // timeout (the test database sets none). PGlite has one connection, so PostgreSQL only.
  (testDatabaseUrl() ? it : it.skip)(
    'answers a request stuck on the database soon after REQUEST_TIMEOUT_MS, keeps nothing of it, and serves the next',
    async () => {
      const lock = await lockedCustomer(server, org.adminToken, 'Stuck Ltd');
      const impatient = await serverWith(server.database, { REQUEST_TIMEOUT_MS: '400' });
      const post = (query: string, variables: Record<string, unknown> = {}) =>
        fetch(impatient.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(10_000),
        });
      try {
        const response = await post('mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { name } userErrors { code } } }', {
          input: { id: lock.id, name: 'Unstuck Ltd' },
        });
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('1');
        expect(await response.json()).toEqual({ errors: [{ message: unfinishedMessage(400), extensions: { code: 'REQUEST_TIMEOUT' } }] });
        // The lock goes: the stuck statement ends, the request's next one is refused, and its
        // transaction rolls back. Its late result is dropped without harm to the connection.
        await lock.release();
        await sleep(500);
        expect(await countNamed(server, 'Unstuck Ltd')).toBe(0);
        expect(await countNamed(server, 'Stuck Ltd')).toBe(1);
        const next = await post('{ customers(first: 1) { totalCount } }');
        expect(next.status).toBe(200);
        expect(((await next.json()) as { errors?: unknown }).errors).toBeUndefined();
      } finally {
        await lock.release();
        await impatient.stop();
      }
    },
  );

  it('issues no more SQL for a request whose client went away', async () => {
    const { body } = thirtyCreates(ref, 'Gone');
    // A client that sends the request, then closes the connection without waiting for the answer.
    const request = http.request(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` } });
    const failed = new Promise<Error>((resolve) => request.on('error', resolve));
    request.end(body);
    while ((await countNamed(server, 'Gone')) === 0) await sleep(2);
    request.destroy();
    expect((await failed).message).toMatch(/socket hang up|aborted/);
    await sleep(500);
    const after = await countNamed(server, 'Gone');
    expect(after).toBeLessThan(30);
    await sleep(500);
    expect(await countNamed(server, 'Gone')).toBe(after);
    // The server is fine and answers the next request.
    expect((await server.graphql('{ customers(first: 1) { totalCount } }', {}, org.adminToken)).errors).toBeUndefined();
  });
});
