// GraphQL over HTTP conformance: graphql-http's audit of the spec's server requirements, run against
// the real server (Express, Apollo Server, the GraphiQL route in front of GET /graphql).
import { auditServer } from 'graphql-http';
import { createTestOrganisation, startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  token = (await createTestOrganisation(server)).adminToken;
});
afterAll(() => server.close());

/** The audit's requests, as a signed-in client sends them. */
function authorised(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

it('passes every MUST of the GraphQL-over-HTTP audit', async () => {
  const results = await auditServer({ url: server.url, fetchFn: authorised });
  const failures = await Promise.all(
    results
      .filter((r) => r.status !== 'ok')
      .map(async (r) => `${r.status} ${r.id} ${r.name}: ${r.status === 'ok' ? '' : r.reason}${r.status === 'ok' ? '' : ` — ${(await r.response.text().catch(() => '')).slice(0, 200)}`}`),
  );
  // SHOULD and MAY items that are not met are printed, so a change in them shows in the test output.
  if (failures.length) console.log(failures.join('\n'));
  expect(failures.filter((f) => f.startsWith('error'))).toEqual([]);
});
