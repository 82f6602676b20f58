// GET /metrics in the Prometheus text format (prom-client): HTTP and GraphQL request durations, errors
// by code, query cost spent, throttled requests, database pool usage, and Node's own metrics (event-loop
// lag, heap, GC). One registry per app, so several servers in one process (tests) keep apart.
import { timingSafeEqual, createHash } from 'node:crypto';
import type express from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sendRefusal } from '../auth/http';
import { bearerToken } from '../auth/tokens';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { unauthenticated } from '../graph/errors';
import type { Admission } from '../limits/admission';
import { requestScopeOf, takeResult, type GraphQLResult, type RequestScope } from './request-scope';

/** Error codes that mean the server failed, not the client. */
const SERVER_ERROR_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'DATABASE_UNAVAILABLE', 'TIMEOUT', 'REQUEST_TIMEOUT']);

// Label values come from clients (operation names, error codes): both are bounded, so that no caller
// can grow the series without limit.
const MAX_OPERATION_NAMES = 200;
const MAX_NAME_LENGTH = 64;
const MAX_ERROR_CODES = 50;

class BoundedLabels {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  label(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return '(other)';
    this.seen.add(value);
    return value;
  }
}

/** Routes by their template (`/documents/:id`), never by the concrete path. */
function routeOf(req: express.Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl ?? ''}${route.path}`;
  const path = req.originalUrl.split('?')[0] ?? '';
  if (path === '/graphql') return '/graphql';
  return '(unmatched)';
}

export type Metrics = {
  registry: Registry;
  /** Times every request and, for GraphQL, records its outcome; mount before the routes. */
  middleware: express.RequestHandler;
  /** GET /metrics. */
  handler: express.RequestHandler;
};

export function createMetrics(options: { config: Config; database: Database; admission?: Admission | null }): Metrics {
  const { config, database } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const graphqlDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL requests by operation name, operation type and outcome (success, user_error, error)',
    labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const graphqlErrors = new Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors in responses, by extensions.code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const costSpent = new Counter({
    name: 'graphql_cost_spent_total',
    help: 'Query cost points spent (extensions.cost.actualQueryCost), by operation name',
    labelNames: ['operation_name'] as const,
    registers: [registry],
  });
  const costRequested = new Counter({
    name: 'graphql_cost_requested_total',
    help: 'Query cost points requested before execution (extensions.cost.requestedQueryCost), by operation name',
    labelNames: ['operation_name'] as const,
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'throttled_requests_total',
    help: 'Requests refused by the rate limit (HTTP 429, or a GraphQL error with extensions.code THROTTLED), by route template',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const { admission } = options;
  if (admission) {
    new Gauge({
      name: 'graphql_requests_running',
      help: 'GraphQL requests executing now (at most MAX_CONCURRENT_REQUESTS)',
      registers: [registry],
      collect() {
        this.set(admission.running);
      },
    });
    new Gauge({
      name: 'graphql_requests_queued',
      help: 'GraphQL requests waiting for a turn (at most MAX_QUEUED_REQUESTS; more are refused with 503 SERVER_BUSY)',
      registers: [registry],
      collect() {
        this.set(admission.queued);
      },
    });
    new Gauge({
      name: 'graphql_requests_queued_body_bytes',
      help: 'Bytes of request bodies held by the requests waiting for a turn (at most MAX_QUEUED_BODY_BYTES)',
      registers: [registry],
      collect() {
        this.set(admission.queuedBytes);
      },
    });
  }
  new Gauge({
    name: 'db_pool_size',
    help: 'Connections the database pool may open (1 for the embedded database)',
    registers: [registry],
    collect() {
      this.set(database.pool.size);
    },
  });
  new Gauge({
    name: 'db_pool_connections_in_use',
    help: 'Pool connections busy with a statement or a transaction',
    registers: [registry],
    collect() {
      this.set(Math.min(database.pool.active(), database.pool.size));
    },
  });
  new Gauge({
    name: 'db_pool_waiting',
    help: 'Statements and transactions waiting for a connection',
    registers: [registry],
    collect() {
      this.set(Math.max(0, database.pool.active() - database.pool.size));
    },
  });

  const operationNames = new BoundedLabels(MAX_OPERATION_NAMES);
  const errorCodes = new BoundedLabels(MAX_ERROR_CODES);

  const operationLabel = (scope: RequestScope | undefined): string => {
    if (!scope || scope.operationName === undefined) return '(unknown)';
    if (scope.operationName === null) return '(anonymous)';
    // Names chosen by callers without a valid token do not get a series of their own.
    if (!scope.authenticated) return '(unauthenticated)';
    return operationNames.label(scope.operationName.slice(0, MAX_NAME_LENGTH));
  };

  /** Records a GraphQL request; answers whether the rate limit refused it. */
  const recordGraphQL = (res: express.Response, seconds: number): boolean => {
    const scope = requestScopeOf(res);
    const result: GraphQLResult | undefined = takeResult(res);
    const codes = (result?.errors ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'UNKNOWN'));
    for (const code of codes) graphqlErrors.inc({ code: errorCodes.label(code.slice(0, MAX_NAME_LENGTH)) });

    let outcome: 'success' | 'user_error' | 'error';
    if (res.statusCode >= 500 || codes.some((c) => SERVER_ERROR_CODES.has(c) || c === 'UNKNOWN')) outcome = 'error';
    else if (codes.length > 0 || res.statusCode >= 400 || hasUserErrors(result?.data)) outcome = 'user_error';
    else outcome = 'success';

    const operationName = operationLabel(scope);
    graphqlDuration.observe({ operation_name: operationName, operation_type: scope?.operationType ?? '(unknown)', outcome }, seconds);

    const cost = result?.extensions?.cost as { actualQueryCost?: unknown; requestedQueryCost?: unknown } | undefined;
    if (typeof cost?.actualQueryCost === 'number' && cost.actualQueryCost > 0) costSpent.inc({ operation_name: operationName }, cost.actualQueryCost);
    if (typeof cost?.requestedQueryCost === 'number' && cost.requestedQueryCost > 0)
      costRequested.inc({ operation_name: operationName }, cost.requestedQueryCost);
    return codes.includes('THROTTLED');
  };

  const middleware: express.RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      // A client that hung up is counted with the status it would have had; 499 as nginx does if none.
      const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
      httpDuration.observe({ method: req.method, route, status_code: String(status) }, seconds);
      const graphql = route === '/graphql' && (requestScopeOf(res)?.result !== undefined || req.method === 'POST');
      const refused = graphql ? recordGraphQL(res, seconds) : false;
      if (status === 429 || refused) throttled.inc({ route });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };

  const expected = config.metricsToken ? createHash('sha256').update(config.metricsToken).digest() : null;
  const handler: express.RequestHandler = async (req, res) => {
    if (expected) {
      const token = bearerToken(req.headers.authorization);
      const given = token ? createHash('sha256').update(token).digest() : null;
      if (!given || !timingSafeEqual(given, expected)) {
        // The one refusal shape of the HTTP routes (src/auth/http.ts), though the token is METRICS_TOKEN, not a viewer's.
        sendRefusal(req, res, unauthenticated('METRICS_TOKEN required: send `Authorization: Bearer <METRICS_TOKEN>`.'));
        return;
      }
    }
    res.set('content-type', registry.contentType);
    res.set('cache-control', 'no-store');
    res.send(await registry.metrics());
  };

  return { registry, middleware, handler };
}

/** A mutation payload (a root field) with non-empty `userErrors`: the request was refused politely. */
function hasUserErrors(data: Record<string, unknown> | null | undefined): boolean {
  if (!data) return false;
  for (const value of Object.values(data)) {
    if (value && typeof value === 'object' && Array.isArray((value as { userErrors?: unknown }).userErrors)) {
      if ((value as { userErrors: unknown[] }).userErrors.length > 0) return true;
    }
  }
  return false;
}
