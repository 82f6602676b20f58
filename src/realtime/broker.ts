// Where instances tell each other what happened: channels of string messages. Without REDIS_URL, one
// process's EventEmitter; with it, Redis pub/sub, so a change made through one instance reaches the
// subscribers of every instance. Also the few shared keys the relay and presence keep (a lease, a
// cursor, who is viewing what): in Redis when there is one, in this process's memory otherwise.
//
// Redis being away never takes the API down: publishing fails quietly (logged, at most once a
// minute) and the subscriber connection reconnects by itself, re-subscribing its channels.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ioredis } from '../lazy-module';

export type Broker = {
  /** `redis` when shared between instances, `local` when only this process hears. */
  readonly kind: 'redis' | 'local';
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `handler` for each message on `channel` until the function it resolves to is called. It
   * resolves once messages published from then on will arrive; it fails when the broker cannot
   * subscribe (Redis away).
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => void>;
  /** Sets `key` to `value` for `ttlMs` if it is unset or already `value` (a lease); true when held. */
  holdLease(key: string, value: string, ttlMs: number): Promise<boolean>;
  releaseLease(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** A hash of entries that expire one by one (presence): put/remove one, read the live ones. */
  putEntry(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  removeEntry(key: string, field: string): Promise<void>;
  liveEntries(key: string): Promise<string[]>;
  close(): Promise<void>;
};

/** One process: an EventEmitter and maps. */
export function localBroker(): Broker {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const values = new Map<string, { value: string; until: number }>();
  const hashes = new Map<string, Map<string, { value: string; until: number }>>();
  const live = (key: string) => {
    const v = values.get(key);
    if (v && v.until < Date.now()) values.delete(key);
    return values.get(key);
  };
  return {
    kind: 'local',
    publish: async (channel, message) => {
      // Listeners run after the publisher's turn, as they would with Redis.
      queueMicrotask(() => emitter.emit(channel, message));
    },
    subscribe: async (channel, handler) => {
      emitter.on(channel, handler);
      return () => emitter.off(channel, handler);
    },
    holdLease: async (key, value, ttlMs) => {
      const held = live(key);
      if (held && held.value !== value) return false;
      values.set(key, { value, until: Date.now() + ttlMs });
      return true;
    },
    releaseLease: async (key, value) => {
      if (live(key)?.value === value) values.delete(key);
    },
    get: async (key) => live(key)?.value ?? null,
    set: async (key, value) => {
      values.set(key, { value, until: Number.POSITIVE_INFINITY });
    },
    putEntry: async (key, field, value, ttlMs) => {
      let hash = hashes.get(key);
      if (!hash) hashes.set(key, (hash = new Map()));
      hash.set(field, { value, until: Date.now() + ttlMs });
    },
    removeEntry: async (key, field) => {
      const hash = hashes.get(key);
      hash?.delete(field);
      if (hash?.size === 0) hashes.delete(key);
    },
    liveEntries: async (key) => {
      const hash = hashes.get(key);
      if (!hash) return [];
      const now = Date.now();
      for (const [field, entry] of hash) if (entry.until < now) hash.delete(field);
      return [...hash.values()].map((e) => e.value);
    },
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

// KEYS[1] the lease, ARGV[1] the holder, ARGV[2] milliseconds.
const HOLD_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`;
// A hash whose fields carry their own expiry ("<until ms> <value>"): KEYS[1], ARGV[1] now in ms.
const LIVE_ENTRIES = `
local all = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #all, 2 do
  local until_ms = tonumber(string.match(all[i + 1], '^(%d+) '))
  if until_ms and until_ms >= tonumber(ARGV[1]) then
    table.insert(live, string.sub(all[i + 1], string.len(tostring(until_ms)) + 2))
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return live
`;

type ScriptClient = Redis & {
  holdLease(key: string, holder: string, ms: number): Promise<number>;
  releaseLease(key: string, holder: string): Promise<number>;
  liveEntries(key: string, now: number): Promise<string[]>;
};

/** Redis: one connection for commands and publishing, one for subscribing. */
export function redisBroker(options: { url: string; prefix: string; log: Logger }): Broker {
  const { prefix, log } = options;
  const connection = {
    // Commands fail at once while Redis is away rather than queueing without end.
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times: number) => Math.min(times * 200, 5000),
    disconnectTimeout: 200,
  };
  const commands = new (ioredis().Redis)(options.url, connection) as ScriptClient;
  commands.defineCommand('holdLease', { numberOfKeys: 1, lua: HOLD_LEASE });
  commands.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE });
  commands.defineCommand('liveEntries', { numberOfKeys: 1, lua: LIVE_ENTRIES });
  // The subscriber connection queues its SUBSCRIBE commands until connected, and re-subscribes after a reconnect.
  const subscriber = new (ioredis().Redis)(options.url, { ...connection, maxRetriesPerRequest: null, commandTimeout: undefined, autoResubscribe: true });
  let lastWarning = 0;
  const warn = (err: unknown, what: string) => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    log.warn({ err }, `realtime: Redis ${what} failed; subscribers on other instances may miss changes until it answers`);
  };
  commands.on('error', (err) => warn(err, 'connection'));
  subscriber.on('error', (err) => warn(err, 'subscriber connection'));

  const handlers = new Map<string, Set<(message: string) => void>>();
  // Per channel: the SUBSCRIBE under way or done (a second subscriber waits for the same one).
  const subscribed = new Map<string, Promise<unknown>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel.slice(prefix.length)) ?? []) handler(message);
  });

  return {
    kind: 'redis',
    publish: async (channel, message) => {
      await commands.publish(prefix + channel, message).catch((err) => warn(err, 'publish'));
    },
    subscribe: async (channel, handler) => {
      let set = handlers.get(channel);
      if (!set) {
        handlers.set(channel, (set = new Set()));
        subscribed.set(channel, subscriber.subscribe(prefix + channel));
      }
      set.add(handler);
      const stop = () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          subscribed.delete(channel);
          subscriber.unsubscribe(prefix + channel).catch((err) => warn(err, 'unsubscribe'));
        }
      };
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          subscribed.get(channel),
          new Promise((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error('Redis did not confirm the subscription within 2 s')), 2000);
          }),
        ]);
      } catch (err) {
        stop();
        warn(err, 'subscribe');
        throw err;
      } finally {
        clearTimeout(timer);
      }
      return stop;
    },
    holdLease: async (key, value, ttlMs) => (await commands.holdLease(prefix + key, value, ttlMs)) === 1,
    releaseLease: async (key, value) => {
      await commands.releaseLease(prefix + key, value);
    },
    get: (key) => commands.get(prefix + key),
    set: async (key, value) => {
      await commands.set(prefix + key, value);
    },
    putEntry: async (key, field, value, ttlMs) => {
      await commands
        .multi()
        .hset(prefix + key, field, `${Date.now() + ttlMs} ${value}`)
        .pexpire(prefix + key, ttlMs * 2)
        .exec();
    },
    removeEntry: async (key, field) => {
      await commands.hdel(prefix + key, field);
    },
    liveEntries: (key) => commands.liveEntries(prefix + key, Date.now()),
    close: async () => {
      handlers.clear();
      subscriber.disconnect();
      commands.disconnect();
    },
  };
}
