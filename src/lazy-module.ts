// Large modules that few requests need (the archive writer of exports, the HTML sanitiser of notes,
// the PDF writer, the Redis client when REDIS_URL is set) are loaded on first use rather than with the
// server: a process that never needs them never pays for them, and each test file, which loads the
// whole server anew, saves the time (~0.2 s of CPU per file for archiver, sanitize-html and ioredis).

import type { Redis } from 'ioredis';

/** The value `load` returns, computed on the first call and kept. */
export function lazyModule<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

/** ioredis, for the broker and the rate limiter's buckets: loaded only when REDIS_URL is set. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ioredis = lazyModule(() => require('ioredis') as { Redis: typeof Redis });
