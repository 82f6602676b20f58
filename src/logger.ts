// Structured JSON logs (pino). The server logs to stdout; command-line tools log to stderr so their
// stdout stays clean for output (`--json`).
//
// Three guards on every line: errors are serialised without SQL parameters (src/db/errors.ts: the
// SQLSTATE, constraint and a query fingerprint instead of Drizzle's "params: …" with names and
// emails), no line carries a payment card number or a card security code's value (masked as the line
// is written, src/graph/card-data.ts), and no line is longer than MAX_LOG_LINE_BYTES (long strings
// and arrays are cut, and a line still too long is replaced by a short one that says so).
import pino, { type DestinationStream, type Logger } from 'pino';
import { databaseFailureOf, describeDatabaseFailure, isFailedQuery } from './db/errors';
import { maskCardDataInJson } from './graph/card-data';

export const MAX_LOG_LINE_BYTES = 16 * 1024;
const MAX_STRING = 2048;
const MAX_STACK = 4096;
const MAX_ITEMS = 20;
const MAX_KEYS = 50;
const MAX_DEPTH = 6;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** The stack's frames, under a message that is safe to show. */
export function safeStack(error: Error, message: string): string | undefined {
  if (typeof error.stack !== 'string') return undefined;
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return cut([`${error.name}: ${message}`, ...frames].join('\n'), MAX_STACK);
}

/** The message of an error, without SQL parameters or values PostgreSQL quoted. */
export function safeErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return cut(String(error), MAX_STRING);
  const failure = databaseFailureOf(error);
  if (failure && (isFailedQuery(error) || failure.sqlstate !== 'unknown')) return describeDatabaseFailure(failure);
  return cut(error.message, MAX_STRING);
}

/** An error as a log field: type, safe message, SQLSTATE and friends, stack frames, cause. Never `params`, `query`, `detail`. */
export function serializeError(value: unknown, depth = 0): unknown {
  // pino-http hands over its own serialised copy; the original is on `raw`.
  const raw = (value && typeof value === 'object' && 'raw' in value ? (value as { raw: unknown }).raw : value) ?? value;
  if (!(raw instanceof Error)) return typeof raw === 'object' && raw !== null ? shrink(raw, 1) : raw;
  const message = safeErrorMessage(raw);
  const failure = databaseFailureOf(raw);
  const code = (raw as unknown as { code?: unknown }).code;
  const out: Record<string, unknown> = { type: raw.constructor?.name ?? raw.name, message };
  if (failure) {
    out.sqlstate = failure.sqlstate;
    if (failure.constraint) out.constraint = failure.constraint;
    if (failure.table) out.table = failure.table;
    if (failure.column) out.column = failure.column;
    if (failure.queryFingerprint) out.queryFingerprint = failure.queryFingerprint;
  } else if (typeof code === 'string' || typeof code === 'number') {
    out.code = typeof code === 'string' ? cut(code, 100) : code;
  }
  const stack = safeStack(raw, message);
  if (stack) out.stack = stack;
  // A database failure's cause is the driver's error: already described above.
  if (!failure && raw.cause !== undefined && depth < 3) out.cause = serializeError(raw.cause, depth + 1);
  return out;
}

/** A copy of `value` with long strings, arrays and objects cut, for a line that came out too long. */
function shrink(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cut(value, MAX_STRING);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => shrink(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… (${value.length - MAX_ITEMS} more items)`);
    return items;
  }
  const entries = Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, MAX_KEYS)) out[cut(k, 100)] = shrink(v, depth + 1);
  if (entries.length > MAX_KEYS) out['…'] = `${entries.length - MAX_KEYS} more keys`;
  return out;
}

/** Keeps one log line under MAX_LOG_LINE_BYTES: shrinks it, or replaces it by a line that says it was cut. */
export function capLogLine(line: string): string {
  if (Buffer.byteLength(line) <= MAX_LOG_LINE_BYTES) return line;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${JSON.stringify({ level: 50, time: Date.now(), msg: 'log line cut: not JSON', truncated: true, originalBytes: Buffer.byteLength(line) })}\n`;
  }
  const shrunk = `${JSON.stringify({ ...(shrink(parsed) as object), truncated: true, originalBytes: Buffer.byteLength(line) })}\n`;
  if (Buffer.byteLength(shrunk) <= MAX_LOG_LINE_BYTES) return shrunk;
  const { level, time, msg, reqId, req, requestId } = parsed;
  const minimal = {
    level,
    time,
    msg: typeof msg === 'string' ? cut(msg, 1024) : msg,
    reqId,
    requestId,
    req: shrink(req, MAX_DEPTH - 2),
    truncated: true,
    originalBytes: Buffer.byteLength(line),
  };
  const fallback = `${JSON.stringify(minimal)}\n`;
  return Buffer.byteLength(fallback) <= MAX_LOG_LINE_BYTES ? fallback : `${JSON.stringify({ level, time, msg: 'log line cut', truncated: true })}\n`;
}

export const safeSerializers = { err: serializeError, error: serializeError };

/** What every line goes through before it is written: card data masked, then the length capped. */
function safeLogLine(line: string): string {
  return capLogLine(maskCardDataInJson(line));
}

type StreamWriteHook = (line: string) => string;

/**
 * A child of `log` whose errors are serialised safely and whose lines have card data masked: for
 * loggers made elsewhere (tests, embedders), whose own options cannot be changed. Its children (a
 * request's logger) write through it too.
 */
export function withSafeErrors(log: Logger): Logger {
  const child = log.child({}, { serializers: safeSerializers });
  // pino takes a stream-write hook only at the root; its exported symbols are the documented way to
  // extend an instance (as src/observability/request-scope.ts sets a child's mixin).
  const slot = child as unknown as Record<symbol, { streamWrite?: StreamWriteHook } | undefined>;
  const hooks = slot[pino.symbols.hooksSym] ?? {};
  const parent = hooks.streamWrite;
  slot[pino.symbols.hooksSym] = {
    ...hooks,
    streamWrite: parent ? (line) => parent(maskCardDataInJson(line)) : maskCardDataInJson,
  };
  return child;
}

export function createLogger(level: string, destination: 1 | 2 | DestinationStream = 1): Logger {
  return pino(
    { level, base: { service: 'customer-records-api' }, serializers: safeSerializers, hooks: { streamWrite: safeLogLine } },
    typeof destination === 'number' ? pino.destination(destination) : destination,
  );
}
