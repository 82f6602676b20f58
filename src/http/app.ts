// The HTTP server: POST/GET /graphql (Apollo Server), GraphiQL for browsers, /healthz and /readyz,
// a request id on every request, and structured logs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { httpAuthentication } from '../auth/http';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { databaseFailureOf, isClientDataError } from '../db/errors';
import { formatDatabaseUnavailable } from '../db/faults';
import { currentStatementCount, withStatementCounter } from '../db/statement-count';
import type { AreaServices, Composition } from '../graph/area';
import { maskCardData, maskCardDataIn } from '../graph/card-data';
import { createContext, type Context } from '../graph/context';
import { buildSchema } from '../graph/schema';
import { textInputGuardPlugin } from '../graph/text-input-guard';
import { createAdmission, MAX_BODY_BYTES, type Admission } from '../limits/admission';
import { queryLimitRules, queryLimitsPlugin, queryParseOptions } from '../limits/plugin';
import { formatStoppedError, runStoppable, settleRequestsAfterFirstMutation } from '../limits/stop';
import { serializeError, withSafeErrors } from '../logger';
import { createMetrics } from '../observability/metrics';
import { requestLogProps, requestScopeMiddleware, requestScopePlugin, withRequestFields } from '../observability/request-scope';
import { createRateLimiter, rateLimitKeyOf } from '../rate-limit';
import { startRealtime, type Realtime } from '../realtime';
import { startingUpResponder } from '../startup';
import { corsMiddleware } from './cors';
import { graphiqlRouter } from './graphiql';
import { schemaDisclosurePlugin } from './schema-disclosure';
import { httpDrain } from './shutdown';
import { startSubscriptionServer } from './websocket';

export type App = {
  server: http.Server;
  apollo: ApolloServer<Context>;
  /** The executable schema /graphql and the WebSocket endpoint run (rule tree included). */
  schema: GraphQLSchema;
  /** The GraphQL requests' turns (null when query limits are off, in the benchmark that measures them). */
  admission: Admission | null;
  /**
   * Readiness 503 at once; after `readinessDelayMs` answers every request sent to the server, stops
   * accepting once nothing is pending, waits for operations whose client left, then stops Apollo.
   * The database stays open (the caller closes it).
   */
  stop(options?: { readinessDelayMs?: number; timeoutMs?: number; idleGraceMs?: number }): Promise<void>;
};

/**
 * In production, errors that are not ours to explain (bugs) leave the server as a bare message; in
 * development with the SQLSTATE, constraint, query fingerprint and stack, but never the SQL's
 * parameters (src/db/errors.ts). A value the database refused as data (SQLSTATE class 22) got past
 * validation: it is the client's to fix, so BAD_USER_INPUT. Last, whatever the error, card data is
 * masked: no message leaves with a card number or a security code's value (GraphQL's own messages
 * quote what the client sent, e.g. a variable's whole value when one field of it is wrong).
 */
function formatError(config: Config, log: Logger) {
  const explain = explainError(config, log);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => maskCardDataIn(explain(formatted, error));
}

function explainError(config: Config, log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const stopped = formatStoppedError(formatted, error, config);
    if (stopped) return stopped;
    const unavailable = formatDatabaseUnavailable(formatted, error, log);
    if (unavailable) return unavailable;
    const tooMany = formatVariableErrorLimit(formatted, error);
    if (tooMany) return tooMany;
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      // The GraphQL wrapper hides the thrown error (and its cause, e.g. PostgreSQL's message).
      const thrown = error instanceof GraphQLError && error.originalError ? error.originalError : error;
      const failure = databaseFailureOf(thrown);
      const { path, locations } = formatted;
      if (failure && isClientDataError(failure)) {
        log.warn({ err: thrown, path }, 'the database refused a value from the request');
        return {
          message: `A value in the request is not valid: ${failure.message} (SQLSTATE ${failure.sqlstate}).`,
          locations,
          path,
          extensions: { code: 'BAD_USER_INPUT', sqlstate: failure.sqlstate },
        };
      }
      log.error({ err: thrown, path }, 'unexpected error while resolving');
      if (config.env === 'production') {
        return { message: 'Internal server error', path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
      const safe = serializeError(thrown) as { message?: string; stack?: string };
      const { sqlstate, constraint, queryFingerprint } = failure ?? {};
      return {
        message: safe.message ?? 'Internal server error',
        locations,
        path,
        extensions: {
          code: 'INTERNAL_SERVER_ERROR',
          ...(failure ? { sqlstate, constraint, queryFingerprint } : {}),
          ...(formatted.extensions?.stacktrace && safe.stack ? { stacktrace: safe.stack.split('\n') } : {}),
        },
      };
    }
    return withoutStack(formatted);
  };
}

/**
 * A stack trace (development mode) helps with a fault of the server, not with the client's own
 * mistake: a refused token, a misspelt field or a bad argument gets its message and code alone,
 * so GraphiQL shows what to fix and no caller learns the server's file paths from its own errors.
 */
function withoutStack(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _stack, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

/** What graphql-js adds, with no code, when it stops checking variables at its limit of errors. */
const VARIABLE_ERROR_LIMIT = 'Too many errors processing variables, error limit reached. Execution aborted.';

/**
 * Variables with more faults than graphql-js lists (50): the faults before it are BAD_USER_INPUT,
 * and so is the note that the rest went unchecked. It is the client's input, not a server fault.
 */
function formatVariableErrorLimit(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | null {
  if (!(error instanceof GraphQLError) || error.originalError || error.message !== VARIABLE_ERROR_LIMIT) return null;
  return {
    message: 'Too many faults in the variables: the first 50 are listed; the rest were not checked. Correct these and send the request again.',
    extensions: { code: 'BAD_USER_INPUT' },
  };
}

/**
 * A subscription needs a connection that stays open: over HTTP, graphql-js would run it as a query
 * and answer INTERNAL_SERVER_ERROR ("Cannot return null for non-nullable field"). It is the
 * client's to fix, so it is told where subscriptions are served, as the WebSocket endpoint tells a
 * query or mutation to come over HTTP.
 */
const subscriptionsOverWebSocketPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation !== 'subscription') return;
        throw new GraphQLError(
          'Subscriptions are served over WebSocket at /graphql (protocol graphql-transport-ws); this HTTP endpoint answers queries and mutations.',
          { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
        );
      },
    };
  },
};

/** After a mutation, the change relay reads the event stream at once (src/realtime/changes.ts), not at its next poll. */
function nudgeChangesPlugin(realtime: Realtime): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation === 'mutation') realtime.changes.nudge();
        },
      };
    },
  };
}

const statementCountPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const count = currentStatementCount();
        if (count !== undefined) response.http.headers.set('x-sql-statements', String(count));
      },
    };
  },
};

/**
 * EXPOSE_SQL_COUNT on the areas' HTTP routes (PDFs, exports): the statements the request caused until
 * its headers went out, in the same header as GraphQL's. A streamed body's later statements are not
 * in it.
 */
const countRouteStatements: express.RequestHandler = (_req, res, next) => {
  withStatementCounter((counter) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      if (!this.headersSent) this.setHeader('x-sql-statements', String(counter.statements));
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  });
};

export type AppOptions = {
  config: Config;
  database: Database;
  log: Logger;
  demoToken?: () => string | null;
  /** Authorisation rules around the resolvers; off only in the benchmark that measures their cost. */
  shield?: boolean;
  /** The in-process rate-limit buckets' clock (tests). */
  rateLimitNow?: () => number;
  /** Query limits, cost and request stopping (src/limits); off only in the benchmark that measures their cost. */
  limits?: boolean;
  /** A server already listening (main binds the port before opening the database); its start-up responder is replaced. */
  server?: http.Server;
};

/**
 * The HTTP server around the areas (src/areas.ts gives them; src/server.ts puts the two together):
 * probes, metrics, GraphiQL, the areas' routes and /graphql.
 */
export async function createHttpApp(
  options: AppOptions & {
    composition: Composition;
    /** Routes of the server itself beside the areas' (the local command endpoint of `npm run admin`). */
    routes?: ReadonlyArray<(services: AreaServices & { server: http.Server }) => express.RequestHandler>;
  },
): Promise<App> {
  const limits = options.limits !== false;
  const { config, database } = options;
  // Every line logged while serving a request carries its requestId and GraphQL operationName, and
  // errors are serialised without SQL parameters (src/logger.ts).
  const log = withRequestFields(withSafeErrors(options.log));
  // GraphQL requests in turns (MAX_CONCURRENT_REQUESTS at once; src/limits/admission.ts).
  const admission = limits ? createAdmission(config) : null;
  const metrics = createMetrics({ config, database, admission });
  const app = express();
  app.disable('x-powered-by');
  // No ETag computed over every response body (a hash of each 50 KB page): GraphQL answers are
  // POSTs a cache does not revalidate. Routes that serve files set their own.
  app.set('etag', false);
  const server = options.server ?? http.createServer();
  // A kept-alive connection stays open longer than the idle timeout of the proxies and load
  // balancers in front (60 s is common). With Node's 5 s, a client or proxy that reuses a connection
  // just as the server closes it loses that request (a dropped socket, not an answer): undici's 1 s
  // margin was not enough for a test client on a busy machine. The drain on stop closes idle ones.
  server.keepAliveTimeout = 65_000;
  const drain = httpDrain(server);

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      // The path only: a GET request's query string carries the GraphQL variables (names, emails).
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: typeof req.url === 'string' ? req.url.split('?')[0] : req.url }),
        res: (res) => ({ statusCode: res.statusCode }),
        err: serializeError,
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
      customProps: requestLogProps,
    }),
  );
  app.use(requestScopeMiddleware, metrics.middleware);
  app.get('/metrics', metrics.handler);

  // Before every route, so preflights are answered for /graphql and the HTTP routes alike (CORS_ORIGINS).
  const cors = corsMiddleware(config.corsOrigins);
  if (cors) app.use(cors);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (drain.draining) {
      res.status(503).json({ status: 'stopping', database: database.kind });
      return;
    }
    try {
      await database.ping();
      res.json({ status: 'ok', database: database.kind });
    } catch (err) {
      log.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', database: database.kind });
    }
  });
  app.use(graphiqlRouter(options.demoToken ?? (() => null)));
  const rateLimiter = config.rateLimitEnabled ? await createRateLimiter({ config, log, now: options.rateLimitNow }) : null;
  // One authentication for /graphql and the HTTP routes: the same refusals, the same charge for a refused token.
  const authentication = httpAuthentication({ database, config, log, composition: options.composition, refusedToken: rateLimiter?.refusedToken });
  const services: AreaServices = { config, database, log, composition: options.composition, authentication };
  for (const area of options.composition.areas) {
    if (!area.routes) continue;
    if (rateLimiter) app.use([...area.routes.paths], rateLimiter.httpRoutes);
    if (config.exposeSqlCount) app.use([...area.routes.paths], countRouteStatements);
    app.use(area.routes.router(services));
  }
  for (const route of options.routes ?? []) app.use(route({ ...services, server }));
  // The areas' background work (e.g. sweeping import jobs left RUNNING by a process that died).
  const background: Array<{ stop(): void }> = [];
  for (const area of options.composition.areas) if (area.start) background.push(await area.start(services));

  const schema = settleRequestsAfterFirstMutation(buildSchema(options.composition, { shield: options.shield }));
  // Subscriptions' hub: the change feed and presence, shared with other instances through Redis when REDIS_URL is set.
  const realtime = startRealtime({ config, database, log, stream: options.composition.changeStream });
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: true,
    validationRules: limits ? queryLimitRules(config) : [],
    parseOptions: limits ? queryParseOptions(config) : {},
    // main.ts owns SIGTERM/SIGINT and stops Apollo itself; two handlers deadlocked the shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.env !== 'production',
    // Compact JSON: Apollo indents by default, which costs time and bytes on every list page.
    stringifyResult: (result) => JSON.stringify(result),
    formatError: formatError(config, log),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // No @cacheControl hints in this schema; the default plugin would still wrap every field.
      ApolloServerPluginCacheControlDisabled(),
      // The areas' own (e.g. the customer read log, written once per request).
      ...options.composition.plugins,
      requestScopePlugin,
      // Introspection and "Did you mean" hints per caller (INTROSPECTION, FIELD_SUGGESTIONS).
      schemaDisclosurePlugin(config),
      subscriptionsOverWebSocketPlugin,
      ...(limits ? [queryLimitsPlugin(config)] : []),
      // NUL characters in any argument: BAD_USER_INPUT before anything runs.
      textInputGuardPlugin,
      ...(config.exposeSqlCount ? [statementCountPlugin] : []),
      ...(rateLimiter ? [rateLimiter.plugin] : []),
      nudgeChangesPlugin(realtime),
    ],
  });
  await apollo.start();
  const subscriptions = startSubscriptionServer({
    server,
    schema,
    config,
    database,
    composition: options.composition,
    realtime,
    log,
    limits,
    formatError: formatError(config, log),
  });

  const inFlight = new Set<Promise<unknown>>();
  const graphql = expressMiddleware(apollo, {
    context: async ({ req }) => {
      const requestId = String((req as unknown as { id: string }).id);
      const reqLog = (req as unknown as { log: Logger }).log;
      const viewer = await authentication.viewerOf(req);
      return createContext({ db: database.db, composition: options.composition, config, log: reqLog, requestId, viewer, rateLimitKey: rateLimitKeyOf(req) });
    },
  });

  app.use(
    '/graphql',
    express.json({ limit: MAX_BODY_BYTES }),
    // Counting starts after the body is read, so every statement the request causes is counted.
    (req, res, next) => {
      // Stopped (no more SQL) when the client goes away or REQUEST_TIMEOUT_MS passes.
      const run = () => (config.exposeSqlCount ? withStatementCounter(() => graphql(req, res, next)) : graphql(req, res, next));
      const handled = admission ? runStoppable(res, config, (signal) => admission.admit(res, signal, run)) : run();
      // Tracked until done, even when the client has hung up: stop() waits for these before the
      // database closes under them.
      const tracked = Promise.resolve(handled).catch(() => undefined);
      inFlight.add(tracked);
      void tracked.finally(() => inFlight.delete(tracked));
    },
  );

  // Any other path: a 404 in the shape of every other answer, naming what was asked for (not
  // Express's HTML page).
  app.use((req: express.Request, res: express.Response) => {
    const asked = maskCardData(`${req.method} ${req.path}`).slice(0, 300);
    res.status(404).json({
      errors: [{ message: `No such endpoint: ${asked}. The API is POST /graphql (GraphiQL at GET /graphql in a browser).`, extensions: { code: 'NOT_FOUND' } }],
    });
  });

  // Malformed JSON and other body errors: a GraphQL-shaped 400, never a stack trace.
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err }, 'unhandled error');
    // JSON.parse's message quotes the body around the fault.
    const message = status === 500 ? 'Internal server error' : `Bad request: ${maskCardData(err.message)}`;
    res.status(status).json({ errors: [new GraphQLError(message, { extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } })] });
  });

  // Only now, with every route in place, does the server hand requests to the app.
  server.removeListener('request', startingUpResponder);
  server.on('request', app);

  return {
    server,
    apollo,
    schema,
    admission,
    stop: async ({ readinessDelayMs = 0, timeoutMs = 25_000, idleGraceMs = 0 } = {}) => {
      drain.begin();
      for (const work of background) work.stop();
      // WebSocket connections are not requests to drain: closed at once (1001), their subscriptions ended.
      await subscriptions.close();
      await realtime.stop();
      if (readinessDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, readinessDelayMs));
      const drained = await drain.drain({ idleGraceMs, timeoutMs });
      if (!drained) log.error({ timeoutMs }, 'requests still running after the shutdown timeout; their connections were closed');
      // Operations whose client has gone are awaited here, before the database closes under them.
      await Promise.all(inFlight);
      await apollo.stop();
      await rateLimiter?.close();
    },
  };
}
