// When PostgreSQL is away (a terminated backend, a restart, a refused connection), requests fail
// with one retryable answer, SERVICE_UNAVAILABLE (HTTP 503 when nothing could be answered), instead of
// an internal error carrying the driver's message. The pool reconnects by itself; nothing restarts.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { Db } from './client';
import { pgErrorCode } from './unique';

/**
 * Nothing is half-written (one transaction per mutation), but a connection lost while PostgreSQL was
 * committing leaves the outcome unknown to the server too: the change may have been saved. Measured:
 * backends killed every 150 ms under six writers, 2 of 111 failed creations had been committed.
 */
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable at the moment; try again shortly. Nothing is half-written, but a change whose connection was lost as it was being committed may have been saved: send it again with the same idempotencyKey (the first result comes back) or read the record first.';

/** postgres.js's own connection errors and Node's socket errors (`code`). */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs that mean the session or server went away: class 08, and shutdown/starting up (57P01–57P03), too many connections. */
function isConnectionSqlState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/** Whether `error` (or any error in its `cause`/`originalError` chain) says the database could not be reached. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isConnectionSqlState(code)))) return true;
    if (current instanceof AggregateError && current.errors.some((e) => isDatabaseUnavailable(e))) return true;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Thrown where a request cannot start (e.g. reading the caller's token) because the database is away. */
export function databaseUnavailable(): GraphQLError {
  return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
}

/** For formatError: the client's view of a resolver's database failure, logged without SQL or parameters. */
export function formatDatabaseUnavailable(formatted: GraphQLFormattedError, error: unknown, log: Logger): GraphQLFormattedError | null {
  if (formatted.extensions?.code === 'SERVICE_UNAVAILABLE') return formatted;
  if (!isDatabaseUnavailable(error)) return null;
  log.warn({ path: formatted.path, cause: connectionCause(error) }, 'database unavailable while resolving');
  return { message: DATABASE_UNAVAILABLE_MESSAGE, path: formatted.path, extensions: { code: 'SERVICE_UNAVAILABLE' } };
}

/** The connection error's code and message alone (never the failed query or its parameters). */
export function connectionCause(error: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = error;
  let last = 'unknown';
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') last = code;
    current = (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return last;
}

/** Settles `promise` or rejects after `ms`, for probes that must answer in bounded time. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} took longer than ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A deadlock (40P01) or serialization failure (40001) rolls the whole transaction back and means
 * "try again": PostgreSQL picked this transaction as the victim of a race, not the input as wrong.
 * Up to this many attempts are made before the error reaches the client.
 */
export const TRANSACTION_ATTEMPTS = 3;
const RETRYABLE = new Set(['40P01', '40001']);

export async function retryingTransaction<T>(db: Db, run: (tx: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction((tx) => run(tx));
    } catch (error) {
      if (attempt >= TRANSACTION_ATTEMPTS || !RETRYABLE.has(pgErrorCode(error) ?? '')) throw error;
    }
  }
}
