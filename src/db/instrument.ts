// What the database driver is doing, for operators: how much of the connection pool is in use (a
// gauge on /metrics) and, when tracing is on, one span per SQL statement. Works by wrapping the few
// driver methods Drizzle calls (postgres.js `unsafe`/`begin`, PGlite `query`/`transaction`); Drizzle's
// own tracing hooks are inert in its build and would put parameter values on spans.
import type { Span, Tracer } from '@opentelemetry/api';

/** Statements and transactions holding a connection, against the pool's size. */
export type PoolUsage = {
  /** Connections the pool may open (1 for the embedded database). */
  size: number;
  /** Statements outside a transaction plus open transactions: what wants a connection now. */
  active(): number;
};

// Set by the tracing module when tracing is on; this module never loads the OpenTelemetry SDK itself.
let tracer: Tracer | undefined;
let spanKindClient = 2; // SpanKind.CLIENT, without importing the API's runtime when tracing is off
let statusError = 2; // SpanStatusCode.ERROR

export function traceDatabaseStatements(t: Tracer, kinds: { client: number; error: number }): void {
  tracer = t;
  spanKindClient = kinds.client;
  statusError = kinds.error;
}

// A statement is traced with its text (placeholders, never the parameter values), cut to a size a
// tracing backend accepts.
const MAX_STATEMENT_CHARS = 2048;

function startSpan(statement: string): Span | undefined {
  if (!tracer) return undefined;
  const text = statement.length > MAX_STATEMENT_CHARS ? `${statement.slice(0, MAX_STATEMENT_CHARS)}…` : statement;
  const operation = /^\s*(\w+)/.exec(statement)?.[1]?.toUpperCase() ?? 'SQL';
  return tracer.startSpan(`db ${operation}`, {
    kind: spanKindClient,
    attributes: { 'db.system.name': 'postgresql', 'db.system': 'postgresql', 'db.operation.name': operation, 'db.query.text': text },
  });
}

function endSpan(span: Span | undefined, error?: unknown): void {
  if (!span) return;
  if (error !== undefined) {
    // The error's class and SQLSTATE only: PostgreSQL's messages can quote the values.
    const code = (error as { code?: unknown }).code;
    span.setStatus({ code: statusError, message: typeof code === 'string' ? `SQLSTATE ${code}` : 'error' });
  }
  span.end();
}

class Counter {
  value = 0;
}

/** postgres.js: runs when a statement is awaited, ends when it settles; counts it if it holds a connection of its own. */
function observe<T>(promise: PromiseLike<T>, statement: string, counter: Counter | null): void {
  const original = promise.then;
  // postgres.js queries are lazy: they are sent when first awaited, so that is where timing starts.
  (promise as { then: unknown }).then = function (this: PromiseLike<T>, onFulfilled?: (v: T) => unknown, onRejected?: (e: unknown) => unknown) {
    if (counter) counter.value += 1;
    const span = startSpan(statement);
    const done = (error?: unknown) => {
      if (counter) counter.value -= 1;
      endSpan(span, error);
    };
    return original.call(
      this,
      (value: T) => {
        done();
        return onFulfilled ? onFulfilled(value) : value;
      },
      (error: unknown) => {
        done(error ?? new Error('rejected'));
        if (onRejected) return onRejected(error);
        throw error;
      },
    );
  };
}

type PostgresLike = {
  unsafe: (query: string, ...rest: unknown[]) => PromiseLike<unknown>;
  begin?: (...args: unknown[]) => Promise<unknown>;
  savepoint?: (...args: unknown[]) => Promise<unknown>;
};

/** Wraps a postgres.js `sql` (or a transaction's) in place. `counter` null: inside a transaction, already counted. */
function wrapPostgres(sql: PostgresLike, counter: Counter | null): void {
  const unsafe = sql.unsafe;
  sql.unsafe = (query: string, ...rest: unknown[]) => {
    const pending = unsafe(query, ...rest);
    observe(pending, query, counter);
    return pending;
  };
  for (const method of ['begin', 'savepoint'] as const) {
    const original = sql[method];
    if (!original) continue;
    sql[method] = (...args: unknown[]) => {
      // begin(fn) or begin(options, fn): the callback is the last argument.
      const fn = args[args.length - 1] as (tx: PostgresLike) => unknown;
      args[args.length - 1] = (tx: PostgresLike) => {
        wrapPostgres(tx, null);
        return fn(tx);
      };
      const result = original(...args);
      if (counter && method === 'begin') {
        counter.value += 1;
        void result.then(
          () => (counter.value -= 1),
          () => (counter.value -= 1),
        );
      }
      return result;
    };
  }
}

export function instrumentPostgres<T extends object>(sql: T, size: number): { client: T; pool: PoolUsage } {
  const counter = new Counter();
  wrapPostgres(sql as unknown as PostgresLike, counter);
  return { client: sql, pool: { size, active: () => counter.value } };
}

type PgliteLike = {
  query: (query: string, ...rest: unknown[]) => Promise<unknown>;
  transaction?: (fn: (tx: PgliteLike) => unknown) => Promise<unknown>;
};

function wrapPglite(client: PgliteLike, counter: Counter | null): void {
  const query = client.query.bind(client);
  client.query = (statement: string, ...rest: unknown[]) => {
    // PGlite's queries are plain promises, already under way (and `await` would not call an own `then`).
    if (counter) counter.value += 1;
    const span = startSpan(statement);
    const pending = query(statement, ...rest);
    void pending.then(
      () => {
        if (counter) counter.value -= 1;
        endSpan(span);
      },
      (error: unknown) => {
        if (counter) counter.value -= 1;
        endSpan(span, error ?? new Error('rejected'));
      },
    );
    return pending;
  };
  const transaction = client.transaction?.bind(client);
  if (!transaction) return;
  client.transaction = (fn) => {
    const result = transaction((tx) => {
      wrapPglite(tx, null);
      return fn(tx);
    });
    if (counter) {
      counter.value += 1;
      void result.then(
        () => (counter.value -= 1),
        () => (counter.value -= 1),
      );
    }
    return result;
  };
}

/** The embedded database has one connection: everything else waits for it. */
export function instrumentPglite<T extends object>(client: T): { client: T; pool: PoolUsage } {
  const counter = new Counter();
  wrapPglite(client as unknown as PgliteLike, counter);
  return { client, pool: { size: 1, active: () => counter.value } };
}
