// Cost buckets in Redis, so that every server instance given the same REDIS_URL spends from one
// bucket per caller. Each operation is one Lua script (atomic on the Redis server, timed by Redis's
// own clock, so instances' clocks do not matter). A bucket that has refilled expires by itself.
//
// Redis being down never takes the API down or hangs a request: commands time out after
// `commandTimeoutMs` and are not queued while disconnected, and meanwhile each instance falls back
// to its own in-process buckets (a warning is logged), until Redis answers again.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ioredis } from '../lazy-module';
import {
  MemoryBucketStore,
  neededFor,
  retryAfterSeconds,
  statusOf,
  type BucketSettings,
  type CostBucketStore,
  type TakeResult,
  type ThrottleStatus,
} from './bucket';

const SCRIPT = `
local max = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
local mode = ARGV[4]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'a', 't')
local available = max
if state[1] then
  local elapsed = math.max(0, now - tonumber(state[2])) / 1000
  available = math.min(max, tonumber(state[1]) + elapsed * rate)
end
local allowed = 1
if mode == 'take' then
  if available < points then allowed = 0 else available = available - points end
elseif mode == 'refund' then
  available = math.min(max, available + points)
end
if mode ~= 'peek' and allowed == 1 then
  if available >= max then
    redis.call('DEL', KEYS[1])
  else
    redis.call('HSET', KEYS[1], 'a', tostring(available), 't', tostring(now))
    redis.call('PEXPIRE', KEYS[1], math.ceil((max - available) / rate * 1000) + 1000)
  end
end
return {allowed, tostring(available)}
`;

type Mode = 'take' | 'refund' | 'peek';
type ScriptClient = Redis & { costBucket(key: string, max: number, rate: number, points: number, mode: Mode): Promise<[number, string]> };

export type RedisBucketStoreOptions = {
  url: string;
  /** Prefix of every key this store writes, e.g. `crm:cost:`. */
  keyPrefix: string;
  commandTimeoutMs: number;
  log: Logger;
};

export class RedisBucketStore implements CostBucketStore {
  private readonly redis: ScriptClient;
  private readonly fallback: MemoryBucketStore;
  private lastWarning = 0;

  constructor(
    private readonly settings: BucketSettings,
    private readonly options: RedisBucketStoreOptions,
  ) {
    this.fallback = new MemoryBucketStore(settings);
    const redis = new (ioredis().Redis)(options.url, {
      // Never wait for a Redis that is not there: fail at once and use the local buckets.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: Math.max(1000, options.commandTimeoutMs * 4),
      retryStrategy: (times) => Math.min(times * 200, 5000),
      // A socket to a Redis that never answered is not waited for at shutdown.
      disconnectTimeout: 200,
    });
    // Without a listener ioredis reports every reconnection failure as an unhandled error.
    redis.on('error', (err) => this.warn(err));
    redis.defineCommand('costBucket', { numberOfKeys: 1, lua: SCRIPT });
    this.redis = redis as ScriptClient;
  }

  /** Waits (a bounded time) for the first connection, so the first requests use the shared buckets. */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.redis.on('ready', onReady);
    });
  }

  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 30_000) return;
    this.lastWarning = now;
    this.options.log.warn(
      { err: { message: err instanceof Error ? err.message : String(err) } },
      "rate limit: Redis unavailable, using this instance's own buckets until it answers",
    );
  }

  private async run(key: string, points: number, mode: Mode): Promise<{ allowed: boolean; available: number } | null> {
    try {
      const [allowed, available] = await this.redis.costBucket(
        this.options.keyPrefix + key,
        this.settings.maximumAvailable,
        this.settings.restoreRate,
        points,
        mode,
      );
      return { allowed: allowed === 1, available: Number(available) };
    } catch (err) {
      this.warn(err);
      return null;
    }
  }

  async take(key: string, cost: number): Promise<TakeResult> {
    const needed = neededFor(cost, this.settings);
    const result = await this.run(key, needed, 'take');
    if (!result) return this.fallback.take(key, cost);
    const status = statusOf(result.available, this.settings);
    if (result.allowed) return { allowed: true, status };
    return { allowed: false, status, retryAfterSeconds: retryAfterSeconds(needed - result.available, this.settings) };
  }

  async refund(key: string, points: number): Promise<ThrottleStatus> {
    const result = await this.run(key, Math.max(0, points), 'refund');
    if (!result) return this.fallback.refund(key, points);
    return statusOf(result.available, this.settings);
  }

  async peek(key: string): Promise<ThrottleStatus> {
    const result = await this.run(key, 0, 'peek');
    if (!result) return this.fallback.peek(key);
    return statusOf(result.available, this.settings);
  }

  async close(): Promise<void> {
    await this.fallback.close();
    if (this.redis.status === 'ready') {
      try {
        await Promise.race([this.redis.quit(), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      } catch {
        // The connection went away meanwhile.
      }
    }
    // Also stops reconnecting to a Redis that is down.
    this.redis.disconnect();
  }
}
