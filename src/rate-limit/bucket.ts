// Cost buckets, Shopify's model: each caller has a bucket of `maximumAvailable` points that refills at
// `restoreRate` points a second. A request needs its requested cost available, spends it, and gets
// back what it did not use once it has run. Two stores keep the buckets: this process's memory, or
// Redis so that several server instances share one bucket per caller (redis-store.ts).

export type BucketSettings = {
  /** The bucket's size: the most points a caller can spend in a burst. */
  maximumAvailable: number;
  /** Points restored per second. */
  restoreRate: number;
};

/** What `extensions.cost.throttleStatus` shows a client. */
export type ThrottleStatus = BucketSettings & {
  /** Points in the bucket now (after this request's spending, and its refund once it has run). */
  currentlyAvailable: number;
};

export type TakeResult =
  | { allowed: true; status: ThrottleStatus }
  | { allowed: false; status: ThrottleStatus; /** Whole seconds until the cost is available. */ retryAfterSeconds: number };

export interface CostBucketStore {
  /** Spends `cost` points from the caller's bucket if they are there; spends nothing otherwise. */
  take(key: string, cost: number): Promise<TakeResult>;
  /** Gives back points a request reserved but did not use. */
  refund(key: string, points: number): Promise<ThrottleStatus>;
  /** The bucket as it is, spending nothing. */
  peek(key: string): Promise<ThrottleStatus>;
  close(): Promise<void>;
}

type BucketState = { available: number; updatedAt: number };

/** The level of a bucket at `now`, after refilling since it was last touched. */
export function restored(state: BucketState | undefined, settings: BucketSettings, now: number): number {
  if (!state) return settings.maximumAvailable;
  const elapsed = Math.max(0, now - state.updatedAt) / 1000;
  return Math.min(settings.maximumAvailable, state.available + elapsed * settings.restoreRate);
}

/**
 * A cost above the bucket's size could never be served: it needs (and spends) a full bucket instead,
 * so the caller is slowed down, not locked out. The per-request maximum cost refuses such queries first.
 */
export function neededFor(cost: number, settings: BucketSettings): number {
  return Math.min(Math.max(0, cost), settings.maximumAvailable);
}

export function retryAfterSeconds(missing: number, settings: BucketSettings): number {
  return Math.max(1, Math.ceil(missing / settings.restoreRate));
}

/** Points are shown as whole numbers, as Shopify does; the bucket itself keeps fractions. */
export function statusOf(available: number, settings: BucketSettings): ThrottleStatus {
  return { maximumAvailable: settings.maximumAvailable, currentlyAvailable: Math.floor(available), restoreRate: settings.restoreRate };
}

/**
 * Buckets in this process's memory. Memory stays bounded: past `maxKeys` buckets, those that have
 * refilled (indistinguishable from a new one) are dropped first, then the least recently used.
 */
export class MemoryBucketStore implements CostBucketStore {
  private readonly buckets = new Map<string, BucketState>();

  constructor(
    private readonly settings: BucketSettings,
    private readonly options: { maxKeys?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private store(key: string, available: number, now: number): void {
    // Re-inserting keeps the Map in least-recently-used order.
    this.buckets.delete(key);
    this.buckets.set(key, { available, updatedAt: now });
    const maxKeys = this.options.maxKeys ?? 100_000;
    if (this.buckets.size > maxKeys) this.evict(now, maxKeys);
  }

  private evict(now: number, maxKeys: number): void {
    for (const [key, state] of this.buckets) {
      if (restored(state, this.settings, now) >= this.settings.maximumAvailable) this.buckets.delete(key);
    }
    // Still full of busy callers: forget the least recently seen tenth at once, so this stays rare.
    const target = Math.floor(maxKeys * 0.9);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }

  async take(key: string, cost: number): Promise<TakeResult> {
    const now = this.now();
    const available = restored(this.buckets.get(key), this.settings, now);
    const needed = neededFor(cost, this.settings);
    if (available < needed) {
      return { allowed: false, status: statusOf(available, this.settings), retryAfterSeconds: retryAfterSeconds(needed - available, this.settings) };
    }
    this.store(key, available - needed, now);
    return { allowed: true, status: statusOf(available - needed, this.settings) };
  }

  async refund(key: string, points: number): Promise<ThrottleStatus> {
    const now = this.now();
    const available = Math.min(this.settings.maximumAvailable, restored(this.buckets.get(key), this.settings, now) + Math.max(0, points));
    if (available >= this.settings.maximumAvailable) this.buckets.delete(key);
    else this.store(key, available, now);
    return statusOf(available, this.settings);
  }

  async peek(key: string): Promise<ThrottleStatus> {
    return statusOf(restored(this.buckets.get(key), this.settings, this.now()), this.settings);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}
