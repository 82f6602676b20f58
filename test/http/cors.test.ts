// CORS: browsers on the origins listed in CORS_ORIGINS may call the API (GraphQL and the HTTP routes),
// preflight included; no other origin gets CORS headers, and with none configured no one does.
import { startTestServer, type TestServer } from '../helpers/server';

const allowed = 'https://app.example.com';

function preflight(url: string, origin: string, method = 'POST', headers = 'authorization,content-type,x-request-id'): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

describe('with CORS_ORIGINS set', () => {
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: `${allowed}, https://admin.example.com:8443` });
    base = server.url.replace(/\/graphql$/, '');
  });
  afterAll(() => server.close());

  it.each(['/graphql', '/documents', '/imports/customers', '/exports/customers.zip'])('answers the preflight of %s for an allowed origin', async (route) => {
    const response = await preflight(base + route, allowed);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST']));
    const allowedHeaders = response.headers.get('access-control-allow-headers')?.toLowerCase().split(',') ?? [];
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-request-id']));
    expect(response.headers.get('vary')).toMatch(/Origin/);
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets an allowed origin read the answer and its request id', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { origin: 'https://admin.example.com:8443', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://admin.example.com:8443');
    expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-request-id');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives an origin not on the list no CORS headers', async () => {
    const answer = await preflight(server.url, 'https://evil.example.net');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    const post = await fetch(server.url, {
      method: 'POST',
      headers: { origin: 'https://evil.example.net', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    expect(post.headers.get('vary')).toMatch(/Origin/);
  });
});

describe('by default', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('sends no CORS headers to anyone', async () => {
    const answer = await preflight(server.url, allowed);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    const post = await fetch(server.url, {
      method: 'POST',
      headers: { origin: allowed, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });
});
