// Issue 10, item 11: SIGTERM. /readyz answers 503 first, then the server stops accepting connections;
// every request it had received (running, queued behind others, or arriving on a kept-alive
// connection while it drains) gets a complete response, the writes that committed are exactly those
// the clients were told about, and the process exits 0 after closing the database. On the suite's
// database: a copy of the migrated embedded one, or a fresh PostgreSQL database with TEST_DATABASE_URL.
import http from 'node:http';
import { startChildServer, type ChildServer } from '../helpers/child-server';
import { createChildDatabase, type ChildDatabase } from '../helpers/database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request on a given agent (so it can reuse a kept-alive connection), resolving with the full response. */
function request(base: string, agent: http.Agent, method: string, urlPath: string, body?: unknown, token?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${base}${urlPath}`,
      {
        method,
        agent,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('SIGTERM', () => {
  let database: ChildDatabase;
  let server: ChildServer | undefined;

  beforeAll(async () => {
    database = await createChildDatabase();
  });
  afterAll(async () => {
    await server?.kill();
    await database.drop();
  });

  it('answers every request it received, commits what it said it did, then exits 0', async () => {
    const env = { ...database.env, DEMO_DATA: 'true', PORT: '0', SHUTDOWN_READINESS_DELAY_MS: '300' };
    server = await startChildServer(env);
    const base = server.baseUrl;
    for (let i = 0; i < 100 && !/ADMIN\s+\S+\s+crm_/.test(server.stderr()); i++) await sleep(50);
    const token = /ADMIN\s+\S+\s+(crm_\S+)/.exec(server.stderr())![1]!;

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const others = new http.Agent({ keepAlive: false });
    const gql = (query: string, variables?: unknown, via = others) => request(base, via, 'POST', '/graphql', { query, variables }, token);

    const types = JSON.parse((await gql('{ customerTypes { id } customers { totalCount } }')).body).data;
    const before: number = types.customers.totalCount;
    // A kept-alive connection, idle when SIGTERM arrives.
    expect((await request(base, agent, 'GET', '/healthz')).status).toBe(200);

    const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }`;
    const SLOW = `{ customers(first: 100) { nodes { name contacts { nodes { fullName emails { address } } } addresses { nodes { formatted } } } } }`;
    const sent = [
      ...Array.from({ length: 16 }, (_, i) =>
        gql(CREATE, {
          input: {
            name: `Sigterm ${i}`,
            typeId: types.customerTypes[0].id,
            address: { line1: `${i} Dock Road`, postcode: 'BS1 4DJ' },
            contacts: [{ surname: `S${i}` }],
          },
        }),
      ),
      ...Array.from({ length: 4 }, () => gql(SLOW)),
    ].map((p) =>
      p.then(
        (r) => ({ ok: true as const, ...r }),
        (e: Error) => ({ ok: false as const, error: String(e) }),
      ),
    );
    await sleep(30);
    server.child.kill('SIGTERM');
    await sleep(50);

    // Readiness says "stopping" at once, while requests are still answered.
    const ready = await request(base, others, 'GET', '/readyz').catch((e) =>
      Promise.reject(new Error(`/readyz after SIGTERM: ${e}\n${server!.stdout().slice(-2000)}`)),
    );
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'stopping' });
    // A request on the kept-alive connection while draining is answered, and told to close.
    await sleep(400);
    const late = await request(base, agent, 'GET', '/healthz').catch((e) => Promise.reject(new Error(`kept-alive request while draining: ${e}`)));
    expect(late.status).toBe(200);
    expect(late.headers.connection).toBe('close');

    const results = await Promise.all(sent);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const answered = results.map((r) => (r.ok ? r : null)!);
    expect(answered.map((r) => r.status)).toEqual(answered.map(() => 200));
    const created = answered
      .slice(0, 16)
      .map((r) => JSON.parse(r.body).data?.createCustomer?.customer?.id)
      .filter(Boolean);
    expect(created).toHaveLength(16);

    expect(await server.exited).toBe(0);
    expect(server.stdout()).toMatch(/"msg":"stopped"/);
    agent.destroy();

    // After a restart on the same data: exactly the writes the clients were told about.
    // Each start issues new demo tokens (and revokes the previous start's): take this start's.
    server = await startChildServer(env);
    for (let i = 0; i < 100 && !/ADMIN\s+\S+\s+crm_/.test(server.stderr()); i++) await sleep(50);
    const newToken = /ADMIN\s+\S+\s+(crm_\S+)/.exec(server.stderr())![1]!;
    const after = JSON.parse((await request(server.baseUrl, others, 'POST', '/graphql', { query: '{ customers { totalCount } }' }, newToken)).body);
    expect(after.data.customers.totalCount).toBe(before + created.length);
  }, 90_000);
});
