// GET /metrics: Prometheus text with request durations by operation and outcome, errors by code, cost
// spent, throttled requests, database pool usage and event-loop lag, read back after real requests.
import { sql } from 'drizzle-orm';
import { parsePrometheus, sampleValue, type Sample } from '../helpers/prometheus';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const base = () => server.url.replace(/\/graphql$/, '');

async function scrape(headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await fetch(`${base()}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

describe('GET /metrics', () => {
  it('counts GraphQL requests by operation name, type and outcome, and errors by code', async () => {
    const costs: number[] = [];
    const note = (res: { extensions?: Record<string, any> }) => {
      const actual = res.extensions?.cost?.actualQueryCost;
      if (typeof actual === 'number') costs.push(actual);
    };
    const post = async (query: string, variables?: Record<string, unknown>, token?: string | null) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: any[]; extensions?: Record<string, any> };
      note(body);
      return { status: response.status, ...body };
    };

    const before = await scrape();
    for (let i = 0; i < 3; i += 1) {
      const ok = await post('query MetricsList { customers(first: 2) { nodes { id } } }', undefined, org.adminToken);
      expect(ok.errors).toBeUndefined();
    }
    const anonymous = await post('{ customers(first: 1) { nodes { id } } }', undefined, org.adminToken);
    expect(anonymous.errors).toBeUndefined();
    const badId = await post('query MetricsBadId { node(id: "not-a-global-id") { id } }', undefined, org.adminToken);
    expect(badId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const refused = await post(CREATE_CUSTOMER, { input: customerInput(ref, { name: '  ' }) }, org.adminToken);
    expect(refused.data.createCustomer.userErrors).toHaveLength(1);
    const parseError = await post('query Broken {', undefined, org.adminToken);
    expect(parseError.status).toBe(400);

    const samples = await scrape();
    // Differences from the scrape before: the test organisation's set-up sent requests of its own.
    const delta = (name: string, labels: Record<string, string>) => (sampleValue(samples, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    const count = (labels: Record<string, string>) => delta('graphql_request_duration_seconds_count', labels);
    expect(count({ operation_name: 'MetricsList', operation_type: 'query', outcome: 'success' })).toBe(3);
    expect(count({ operation_name: '(anonymous)', operation_type: 'query', outcome: 'success' })).toBe(1);
    expect(count({ operation_name: 'MetricsBadId', operation_type: 'query', outcome: 'user_error' })).toBe(1);
    expect(count({ operation_name: 'Create', operation_type: 'mutation', outcome: 'user_error' })).toBe(1);
    expect(count({ operation_name: '(unknown)', operation_type: '(unknown)', outcome: 'user_error' })).toBe(1);
    // Durations are real: the histogram's sum is positive and its buckets are cumulative.
    expect(sampleValue(samples, 'graphql_request_duration_seconds_sum', { operation_name: 'MetricsList', outcome: 'success' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'graphql_request_duration_seconds_bucket', { operation_name: 'MetricsList', outcome: 'success', le: '+Inf' })).toBe(3);

    expect(delta('graphql_errors_total', { code: 'BAD_USER_INPUT' })).toBe(1);
    expect(delta('graphql_errors_total', { code: 'GRAPHQL_PARSE_FAILED' })).toBe(1);

    // Cost spent: whatever the responses reported in extensions.cost.actualQueryCost, summed.
    const total = (of: Sample[]) => of.filter((s) => s.name === 'graphql_cost_spent_total').reduce((sum, s) => sum + s.value, 0);
    const spent = total(samples) - total(before);
    expect(spent).toBe(costs.reduce((sum, c) => sum + c, 0));
    expect(samples.filter((s) => s.name === 'throttled_requests_total')).toEqual([]);
  });

  it('times the other routes by their template, never by the concrete path', async () => {
    await fetch(`${base()}/healthz`);
    await fetch(`${base()}/readyz`);
    const missing = await fetch(`${base()}/documents/RG9jdW1lbnQ6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw`, {
      headers: { authorization: `Bearer ${org.adminToken}` },
    });
    expect(missing.status).toBe(404);
    // An unknown path: a 404 in the API's JSON shape, naming what was asked for.
    const unknown = await fetch(`${base()}/no/such/route`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await unknown.json()).toEqual({
      errors: [{ message: expect.stringMatching(/^No such endpoint: GET \/no\/such\/route\./), extensions: { code: 'NOT_FOUND' } }],
    });

    const samples = await scrape();
    const count = (labels: Record<string, string>) => sampleValue(samples, 'http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/healthz', status_code: '200' })).toBe(1);
    expect(count({ method: 'GET', route: '/metrics', status_code: '200' })).toBeGreaterThan(0);
    expect(count({ method: 'GET', route: '/readyz', status_code: '200' })).toBe(1);
    expect(count({ method: 'GET', route: '/documents/:id', status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '(unmatched)', status_code: '404' })).toBe(1);
    expect(count({ method: 'POST', route: '/graphql', status_code: '200' })).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'http_request_duration_seconds_count' && s.labels.route?.includes('RG9jdW1lbnQ'))).toBe(false);
  });

  it('reports the database pool and the event loop', async () => {
    const samples = await scrape();
    expect(sampleValue(samples, 'db_pool_size')).toBe(server.database.kind === 'embedded' ? 1 : 10);
    // The scrape itself runs no SQL: nothing holds a connection while it is answered.
    expect(sampleValue(samples, 'db_pool_connections_in_use')).toBe(0);
    expect(sampleValue(samples, 'db_pool_waiting')).toBe(0);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('shows connections in use while transactions hold them, and what waits for one', async () => {
    const size = sampleValue(await scrape(), 'db_pool_size')!;
    // Every connection held by an open transaction, then two more statements that must wait.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const holders = Array.from({ length: size }, () =>
      server.database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        started += 1;
        await gate;
      }),
    );
    while (started < size) await new Promise((resolve) => setTimeout(resolve, 10));
    // (Drizzle queries are lazy: Promise.resolve sends them now.)
    const waiting = Array.from({ length: 2 }, () => Promise.resolve(server.database.db.execute(sql`select 1`)));
    const during = await scrape();
    release();
    await Promise.all([...holders, ...waiting]);
    expect(sampleValue(during, 'db_pool_connections_in_use')).toBe(size);
    expect(sampleValue(during, 'db_pool_waiting')).toBe(2);
    const after = await scrape();
    expect(sampleValue(after, 'db_pool_connections_in_use')).toBe(0);
    expect(sampleValue(after, 'db_pool_waiting')).toBe(0);
  });

  it('keeps operation names bounded: long names cut, unauthenticated callers and names past the cap bucketed', async () => {
    const long = `Op${'x'.repeat(200)}`;
    await server.graphql(`query ${long} { __typename }`, undefined, org.adminToken);
    await server.graphql('query ChosenByAStranger { __typename }', undefined, null);
    for (let i = 0; i < 210; i += 1) await server.graphql(`query Many${i} { __typename }`, undefined, org.adminToken);

    const samples = await scrape();
    const names = new Set(samples.filter((s) => s.name === 'graphql_request_duration_seconds_count').map((s) => s.labels.operation_name!));
    expect(names.has(long.slice(0, 64))).toBe(true);
    expect(names.has(long)).toBe(false);
    expect(names.has('ChosenByAStranger')).toBe(false);
    expect(names.has('(unauthenticated)')).toBe(true);
    expect(names.has('(other)')).toBe(true);
    expect(names.size).toBeLessThanOrEqual(200 + 5);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ METRICS_TOKEN: 'metrics-secret-0123456789' });
    await createTestOrganisation(guarded);
  });
  afterAll(() => guarded.close());

  it('refuses a scrape without the token and answers one with it', async () => {
    const url = guarded.url.replace(/\/graphql$/, '/metrics');
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: 'Bearer metrics-secret-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# HELP /m);
  });
});

describe('GET /metrics with the rate limit and query cost', () => {
  let limited: TestServer;
  let token: string;
  beforeAll(async () => {
    // A small bucket that does not refill during the test.
    limited = await startTestServer({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_BUCKET_SIZE: '60', RATE_LIMIT_RESTORE_RATE: '0.001' });
    token = (await createTestOrganisation(limited)).adminToken;
  });
  afterAll(() => limited.close());

  it('adds up the cost spent and requested, and counts throttled requests', async () => {
    const metricsUrl = limited.url.replace(/\/graphql$/, '/metrics');
    const before = parsePrometheus(await (await fetch(metricsUrl)).text());
    let actual = 0;
    let requested = 0;
    let throttledCount = 0;
    for (let i = 0; i < 8; i += 1) {
      const response = await fetch(limited.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'query Costly { customers(first: 100) { nodes { id } } }' }),
      });
      const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }>; extensions?: { cost?: Record<string, any> } };
      if (response.status === 429) {
        throttledCount += 1;
        expect(body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
      }
      // Refused requests report what they asked for too (and spend nothing).
      actual += body.extensions?.cost?.actualQueryCost ?? 0;
      requested += body.extensions?.cost?.requestedQueryCost ?? 0;
    }
    expect(throttledCount).toBeGreaterThan(0);
    expect(requested).toBeGreaterThan(0);

    const after = parsePrometheus(await (await fetch(metricsUrl)).text());
    const delta = (name: string, labels: Record<string, string>) => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    expect(delta('throttled_requests_total', { route: '/graphql' })).toBe(throttledCount);
    expect(delta('graphql_errors_total', { code: 'THROTTLED' })).toBe(throttledCount);
    expect(delta('graphql_cost_spent_total', { operation_name: 'Costly' })).toBe(actual);
    expect(delta('graphql_cost_requested_total', { operation_name: 'Costly' })).toBe(requested);
    expect(delta('graphql_request_duration_seconds_count', { operation_name: 'Costly', outcome: 'user_error' })).toBe(throttledCount);
    expect(delta('graphql_request_duration_seconds_count', { operation_name: 'Costly', outcome: 'success' })).toBe(8 - throttledCount);
  });
});
