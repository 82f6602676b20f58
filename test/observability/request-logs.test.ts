// Every log line written while serving a request names the request (requestId, as in X-Request-Id)
// and, for GraphQL, the operation (operationName): the completion line and resolver error lines alike.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

const raw: string[] = [];
const lines = (): Array<Record<string, any> & { raw: string }> => raw.map((line) => ({ ...(JSON.parse(line) as Record<string, any>), raw: line }));
const log = pino({ level: 'info' }, { write: (line: string) => void raw.push(line.trim()) });

let server: TestServer;
let org: TestOrganisation;

beforeAll(async () => {
  server = await startTestServer({}, { log });
  org = await createTestOrganisation(server);
});
afterAll(() => server.close());

async function post(requestId: string, query: string): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}`, 'x-request-id': requestId },
    body: JSON.stringify({ query }),
  });
}

/** Lines of one request; pino-http's completion line is written after the response, so wait for it. */
async function linesOf(requestId: string, count = 1) {
  for (let i = 0; i < 100; i += 1) {
    const found = lines().filter((l) => l.requestId === requestId || l.req?.id === requestId);
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no log lines for ${requestId}`);
}

function occurrences(text: string, key: string): number {
  return text.split(`"${key}":`).length - 1;
}

describe('request log lines', () => {
  it('the completion line of a GraphQL request carries its requestId and operationName, once each', async () => {
    const response = await post('logs-named-1', 'query LogsList { customers(first: 1) { nodes { id } } }');
    expect(response.status).toBe(200);
    const [done] = (await linesOf('logs-named-1')).filter((l) => l.msg === 'request completed');
    expect(done).toMatchObject({ requestId: 'logs-named-1', operationName: 'LogsList' });
    expect(occurrences(done!.raw, 'requestId')).toBe(1);
    expect(occurrences(done!.raw, 'operationName')).toBe(1);
  });

  it('an anonymous operation is logged as such', async () => {
    await post('logs-anonymous-1', '{ customers(first: 1) { nodes { id } } }');
    const [done] = (await linesOf('logs-anonymous-1')).filter((l) => l.msg === 'request completed');
    expect(done).toMatchObject({ requestId: 'logs-anonymous-1', operationName: '(anonymous)' });
  });

  it('an error logged while resolving carries the requestId and operationName of its request', async () => {
    // A fault the client cannot cause: the table is briefly missing.
    await server.database.db.execute(sql`alter table customers rename to customers_hidden`);
    try {
      const response = await post('logs-failing-1', 'query LogsFailing { customers(first: 1) { nodes { id } } }');
      const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect(body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await server.database.db.execute(sql`alter table customers_hidden rename to customers`);
    }
    const found = await linesOf('logs-failing-1', 2);
    const errors = found.filter((l) => l.level >= 50 && l.msg !== 'request completed');
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) {
      expect(line).toMatchObject({ requestId: 'logs-failing-1', operationName: 'LogsFailing' });
      expect(occurrences(line.raw, 'requestId')).toBe(1);
    }
    const [done] = found.filter((l) => l.msg === 'request completed');
    expect(done).toMatchObject({ requestId: 'logs-failing-1', operationName: 'LogsFailing' });
  });

  it('a request that is not GraphQL carries its requestId, and no operationName', async () => {
    await fetch(server.url.replace(/\/graphql$/, '/documents/not-an-id'), {
      headers: { authorization: `Bearer ${org.adminToken}`, 'x-request-id': 'logs-document-1' },
    });
    const [done] = (await linesOf('logs-document-1')).filter((l) => l.msg === 'request completed');
    expect(done!.requestId).toBe('logs-document-1');
    expect(done!.operationName).toBeUndefined();
  });
});
