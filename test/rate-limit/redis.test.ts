// Rate limits shared through Redis (issue 10, item 5): two server instances with one REDIS_URL spend
// from one bucket per token. And Redis being unreachable neither fails nor hangs a request: each
// instance falls back to its own buckets. Uses REDIS_URL (default redis://127.0.0.1:6379) with a key
// prefix of its own, removed afterwards.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createOrganisation } from '../../src/organisations/service';
import { createApp, type App } from '../../src/server';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PREFIX = `crm:test:${randomUUID()}:`;
const ONE_POINT = '{ viewer { __typename } }';

type Instance = { app: App; url: string };

async function startInstance(database: TestDatabase, env: Record<string, string>): Promise<Instance> {
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', RATE_LIMIT_BUCKET_SIZE: '6', RATE_LIMIT_RESTORE_RATE: '0.5', ...env });
  const app = await createApp({ config, database, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql` };
}

async function post(instance: Instance, token: string) {
  const response = await fetch(instance.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: ONE_POINT }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: Record<string, any> }>; extensions?: Record<string, any> };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body, throttleStatus: body.extensions?.cost?.throttleStatus };
}

describe('rate limit shared through Redis', () => {
  let database: TestDatabase;
  let token: string;
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  const instances: Instance[] = [];

  beforeAll(async () => {
    await redis.connect();
    database = await createTestDatabase();
    token = (await createOrganisation(database.db, { name: 'Shared Bucket Ltd', adminEmail: 'admin@shared.test' })).token;
  });

  afterAll(async () => {
    for (const instance of instances) await instance.app.stop();
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database.drop();
  });

  it('two server instances spend from one bucket per token, refilled by the restore rate', async () => {
    const env = { REDIS_URL, RATE_LIMIT_REDIS_PREFIX: PREFIX };
    const a = await startInstance(database, env);
    const b = await startInstance(database, env);
    instances.push(a, b);

    const seen: number[] = [];
    for (const instance of [a, b, a, b, a, b]) {
      const answer = await post(instance, token);
      expect(answer.status).toBe(200);
      seen.push(answer.throttleStatus.currentlyAvailable);
    }
    // Half a point a second comes back while the requests run: allow for one between them.
    expect(seen[0]).toBe(5);
    expect(seen[5]).toBeLessThanOrEqual(1);

    // Drain what is left through instance A; instance B then refuses too: the bucket is shared.
    let answer = await post(a, token);
    for (let i = 0; i < 20 && answer.status === 200; i++) answer = await post(a, token);
    expect(answer.status).toBe(429);
    const refused = await post(b, token);
    expect(refused.status).toBe(429);
    expect(['1', '2']).toContain(refused.retryAfter);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
    expect(refused.throttleStatus).toEqual({ maximumAvailable: 6, currentlyAvailable: 0, restoreRate: 0.5 });

    // The key is the token's hash, never the token itself, and it expires once the bucket refills.
    const keys = await redis.keys(`${PREFIX}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${PREFIX}token:[0-9a-f]{40}$`));
    expect(keys[0]).not.toContain(token);
    expect(await redis.pttl(keys[0]!)).toBeLessThanOrEqual(13_000);

    // After Retry-After seconds, the other instance serves the request.
    await new Promise((resolve) => setTimeout(resolve, Number(refused.retryAfter) * 1000));
    expect((await post(a, token)).status).toBe(200);
  });

  it('keeps serving, promptly and still limited, when Redis is unreachable', async () => {
    // Nothing listens on port 1: every Redis command fails at once.
    const down = await startInstance(database, { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_REDIS_PREFIX: PREFIX, RATE_LIMIT_RESTORE_RATE: '0.1' });
    instances.push(down);
    const started = Date.now();
    const first = await post(down, token);
    expect(first.status).toBe(200);
    expect(first.throttleStatus).toEqual({ maximumAvailable: 6, currentlyAvailable: 5, restoreRate: 0.1 });
    for (let i = 0; i < 5; i++) expect((await post(down, token)).status).toBe(200);
    const refused = await post(down, token);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
