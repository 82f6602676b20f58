// GraphQL over HTTP conformance: graphql-http's audit of the spec's server requirements, run against
// the real server (Express, Apollo Server, the GraphiQL route in front of GET /graphql), in development
// and in production. The audit's queries use `__type`, which production refuses to anonymous callers
// (test/http/introspection.test.ts), so it runs as a signed-in client.
import { auditServer } from 'graphql-http';
import { createTestOrganisation, startTestServer, type TestServer } from '../helpers/server';

/** Every result that is not "ok", with the start of the response that failed it. */
async function audit(url: string, token: string): Promise<string[]> {
  const fetchFn = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const results = await auditServer({ url, fetchFn });
  const lines = await Promise.all(
    results.map(async (r) =>
      r.status === 'ok' ? null : `${r.status} ${r.id} ${r.name}: ${r.reason} — ${(await r.response.text().catch(() => '')).slice(0, 160)}`,
    ),
  );
  return lines.filter((line): line is string => line !== null);
}

describe.each([
  ['development', {}],
  ['production', { NODE_ENV: 'production' }],
])('in %s', (_name, env: Record<string, string>) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer(env);
    token = (await createTestOrganisation(server)).adminToken;
  });
  afterAll(() => server.close());

  it('passes every MUST of the GraphQL-over-HTTP audit', async () => {
    const failures = await audit(server.url, token);
    // SHOULD and MAY items not met are printed, so a change in them shows in the test output.
    if (failures.length) console.log(failures.join('\n'));
    expect(failures.filter((f) => f.startsWith('error'))).toEqual([]);
  });
});
