// Rate limits per token in cost points (issue 10, item 5), with the in-process buckets: every
// response shows the bucket, a request needs its requested cost available and keeps only what it
// really cost, an empty bucket answers 429 with Retry-After and THROTTLED, and it refills over time
// (a clock the test moves, no sleeping).
import { MemoryBucketStore } from '../../src/rate-limit/bucket';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

type Body = { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }>; extensions?: Record<string, any> };
type Answer = { status: number; retryAfter: string | null; body: Body };

async function post(server: TestServer, query: string, token?: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Body };
}

const throttleStatus = (answer: Answer) => answer.body.extensions?.cost?.throttleStatus;
const ONE_POINT = '{ viewer { __typename } }';

describe('rate limit with in-process buckets', () => {
  let server: TestServer;
  let acme: TestOrganisation;
  let now = 1_000_000;

  beforeAll(async () => {
    server = await startTestServer(
      { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_BUCKET_SIZE: '40', RATE_LIMIT_RESTORE_RATE: '0.5', RATE_LIMIT_HTTP_COST: '25', MAX_QUERY_COST: '50' },
      { rateLimitNow: () => now },
    );
    acme = await createTestOrganisation(server);
  });
  afterAll(() => server.close());

  it('shows the bucket on every response, spends the actual cost and answers 429 THROTTLED with Retry-After when the requested cost is not there', async () => {
    const token = await acme.tokenFor('SALES');
    const list = 'query Users { users(first: 30) { nodes { id } } }';
    const first = await post(server, list, token);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    // A page of 30 users is asked for (1 + 30 points); the organisation has 2 (1 + 2 points).
    const { requestedQueryCost: requested, actualQueryCost: actual } = first.body.extensions?.cost ?? {};
    expect([requested, actual]).toEqual([31, 3]);
    expect(throttleStatus(first)).toEqual({ maximumAvailable: 40, currentlyAvailable: 40 - actual, restoreRate: 0.5 });

    // Spending continues, one actual cost at a time, until less than the requested cost is left.
    let available = 40 - actual;
    let answer = first;
    let served = 1;
    while (available >= requested && served < 100) {
      answer = await post(server, list, token);
      expect(answer.status).toBe(200);
      available -= actual;
      served += 1;
      expect(throttleStatus(answer).currentlyAvailable).toBe(available);
    }
    answer = await post(server, list, token);
    expect(answer.status).toBe(429);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0]!.extensions?.code).toBe('THROTTLED');
    expect(answer.body.errors![0]!.message).toMatch(/^Throttled: this request costs \d+ points/);
    expect(throttleStatus(answer)).toEqual({ maximumAvailable: 40, currentlyAvailable: available, restoreRate: 0.5 });
    expect(answer.retryAfter).toBe(String(Math.ceil((requested - available) / 0.5)));

    // A refused request spends nothing; after Retry-After seconds the same request is served.
    now += Number(answer.retryAfter) * 1000;
    const again = await post(server, list, token);
    expect(again.status).toBe(200);
    expect(again.body.errors).toBeUndefined();
  });

  it('refills at the restore rate up to the bucket size, and keeps each token apart', async () => {
    const token = await acme.tokenFor('MANAGER');
    for (let i = 0; i < 40; i++) expect((await post(server, ONE_POINT, token)).status).toBe(200);
    const empty = await post(server, ONE_POINT, token);
    expect(empty.status).toBe(429);
    expect(empty.retryAfter).toBe('2'); // 1 point at 0.5 a second
    expect(throttleStatus(empty).currentlyAvailable).toBe(0);

    // Another token of the same organisation has its own full bucket.
    const other = await post(server, ONE_POINT, acme.adminToken);
    expect(other.status).toBe(200);

    now += 10_000; // 5 points back
    expect(throttleStatus(await post(server, ONE_POINT, token))).toEqual({ maximumAvailable: 40, currentlyAvailable: 4, restoreRate: 0.5 });
    now += 3_600_000; // never more than the bucket holds
    expect(throttleStatus(await post(server, ONE_POINT, token)).currentlyAvailable).toBe(39);
  });

  it('shows the bucket on errors that spend nothing, and gives callers without a token a bucket by IP address', async () => {
    const token = await acme.tokenFor('FINANCE');
    const broken = await post(server, '{ viewer { ', token);
    expect(broken.status).toBe(400);
    expect(throttleStatus(broken)).toEqual({ maximumAvailable: 40, currentlyAvailable: 40, restoreRate: 0.5 });
    // Over MAX_QUERY_COST: refused before it runs, so it costs nothing either.
    const tooDear = await post(server, '{ users(first: 100) { nodes { id } } }', token);
    expect(tooDear.status).toBe(400);
    expect(tooDear.body.errors?.[0]?.extensions?.code).toBe('MAX_COST_EXCEEDED');
    expect(throttleStatus(tooDear)).toEqual({ maximumAvailable: 40, currentlyAvailable: 40, restoreRate: 0.5 });

    const anonymous = await post(server, '{ __typename }');
    expect(throttleStatus(anonymous)).toMatchObject({ maximumAvailable: 40, restoreRate: 0.5 });
  });

  it('charges the upload, import and export routes a flat cost and refuses them with 429 THROTTLED', async () => {
    const token = await acme.tokenFor('ADMIN');
    const exportAll = () => fetch(server.url.replace('/graphql', '/exports/customers.zip'), { headers: { authorization: `Bearer ${token}` } });
    const first = await exportAll();
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const second = await exportAll(); // 40 - 25 = 15 left, 25 needed
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('20');
    const body = (await second.json()) as Body;
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'THROTTLED',
      cost: { throttleStatus: { maximumAvailable: 40, currentlyAvailable: 15, restoreRate: 0.5 } },
    });

    // GraphQL and the HTTP routes spend from the same bucket.
    expect(throttleStatus(await post(server, ONE_POINT, token)).currentlyAvailable).toBe(14);

    // An upload refused before its body is read does not leave the connection to stall.
    const form = new FormData();
    form.append('recordId', 'x');
    form.append('file', new Blob(['hello']), 'hello.txt');
    const upload = await fetch(server.url.replace('/graphql', '/documents'), { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(upload.status).toBe(429);
    expect(upload.headers.get('connection')).toBe('close');
    await upload.arrayBuffer();
  });
});

describe('refused tokens', () => {
  let server: TestServer;
  let acme: TestOrganisation;
  const now = 5_000_000;

  beforeAll(async () => {
    server = await startTestServer(
      { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_BUCKET_SIZE: '1000', RATE_LIMIT_RESTORE_RATE: '0.5', RATE_LIMIT_REFUSED_TOKEN_COST: '400' },
      { rateLimitNow: () => now },
    );
    acme = await createTestOrganisation(server);
  });
  afterAll(() => server.close());

  it('charges every refused token to the caller address, so guessing tokens is throttled (each guess no longer gets a bucket of its own)', async () => {
    const guesses = ['crm_guess1', 'crm_guess2', 'not-even-a-token', 'crm_guess3'];
    const answers: Answer[] = [];
    for (const guess of guesses) answers.push(await post(server, ONE_POINT, guess));
    // 1000 points, 400 a refusal: two guesses are answered 401, the third and later get 429.
    expect(answers.map((a) => a.status)).toEqual([401, 401, 429, 429]);
    expect(answers.map((a) => a.body.errors?.[0]?.extensions?.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'THROTTLED', 'THROTTLED']);
    // 400 needed, 200 left, 0.5 restored per second: 400 s.
    expect(answers[2]!.retryAfter).toBe('400');
    // A malformed header is a refusal too.
    const malformed = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic abc' },
      body: JSON.stringify({ query: ONE_POINT }),
    });
    expect(malformed.status).toBe(429);
    // A valid token spends from its own bucket, not the address's.
    const valid = await post(server, ONE_POINT, acme.adminToken);
    expect(valid.status).toBe(200);
    expect(valid.body.data?.viewer?.__typename).toBeDefined();
  });
});

describe('in-process bucket store', () => {
  const settings = { maximumAvailable: 10, restoreRate: 1 };

  it('keeps memory bounded: refilled buckets go first, then the least recently used', async () => {
    let now = 0;
    const store = new MemoryBucketStore(settings, { maxKeys: 100, now: () => now });
    for (let i = 0; i < 100; i++) await store.take(`old-${i}`, 10);
    now += 20_000; // all of them have refilled
    await store.take('busy', 5);
    for (let i = 0; i < 50; i++) await store.take(`new-${i}`, 10);
    expect(store.size).toBeLessThanOrEqual(100);
    expect((await store.peek('busy')).currentlyAvailable).toBe(5);
    for (let i = 0; i < 500; i++) await store.take(`flood-${i}`, 10);
    expect(store.size).toBeLessThanOrEqual(100);
  });

  it('slows a request costing more than the bucket holds down instead of locking its caller out for ever', async () => {
    let now = 0;
    const store = new MemoryBucketStore(settings, { now: () => now });
    expect(await store.take('big', 25)).toMatchObject({ allowed: true, status: { currentlyAvailable: 0 } });
    expect(await store.take('big', 25)).toMatchObject({ allowed: false, retryAfterSeconds: 10 });
    now += 10_000;
    expect((await store.take('big', 25)).allowed).toBe(true);
  });
});
