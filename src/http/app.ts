// The HTTP server: POST/GET /graphql (Apollo Server), GraphiQL for browsers, /healthz and /readyz,
// a request id on every request, and structured logs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { readLogPlugin } from '../audit/read-log-plugin';
import { viewerForToken } from '../auth/tokens';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { currentStatementCount, withStatementCounter } from '../db/statement-count';
import { createContext, type Context } from '../graph/context';
import { unauthenticated } from '../graph/errors';
import { buildSchema } from '../graph/schema';
import { graphiqlRouter } from './graphiql';
import { documentsRouter } from '../documents/http';
import { importExportRouter } from '../import-export/http';
import { createMetrics } from '../observability/metrics';
import { requestLogProps, requestScopeMiddleware, requestScopePlugin, withRequestFields } from '../observability/request-scope';
import { createRateLimiter, rateLimitKeyOf } from '../rate-limit';
import { queryLimitRules, queryLimitsPlugin, queryParseOptions } from '../limits/plugin';

export type App = {
  server: http.Server;
  apollo: ApolloServer<Context>;
  /** Stops taking requests, lets running ones finish, then closes. */
  stop(): Promise<void>;
};

/** In production, errors that are not ours to explain (bugs) leave the server as a bare message. */
function formatError(config: Config, log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      // The GraphQL wrapper hides the thrown error (and its cause, e.g. PostgreSQL's message).
      const thrown = error instanceof GraphQLError && error.originalError ? error.originalError : error;
      log.error({ err: thrown, path: formatted.path }, 'unexpected error while resolving');
      if (config.env === 'production') {
        return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    }
    return formatted;
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

export async function createApp(options: {
  config: Config;
  database: Database;
  log: Logger;
  demoToken?: () => string | null;
  /** Authorisation rules around the resolvers; off only in the benchmark that measures their cost. */
  shield?: boolean;
  /** The in-process rate-limit buckets' clock (tests). */
  rateLimitNow?: () => number;
}): Promise<App> {
  const { config, database } = options;
  // Every line logged while serving a request carries its requestId and GraphQL operationName.
  const log = withRequestFields(options.log);
  const metrics = createMetrics({ config, database });
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);

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
      serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }), res: (res) => ({ statusCode: res.statusCode }) },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
      customProps: requestLogProps,
    }),
  );
  app.use(requestScopeMiddleware, metrics.middleware);
  app.get('/metrics', metrics.handler);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
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
  if (rateLimiter) app.use(['/documents', '/imports', '/exports'], rateLimiter.httpRoutes);
  app.use(documentsRouter({ config, database }));
  app.use(importExportRouter({ database, config, log }));

  const apollo = new ApolloServer<Context>({
    schema: buildSchema({ shield: options.shield }),
    introspection: true,
    validationRules: queryLimitRules(config),
    parseOptions: queryParseOptions(config),
    // main.ts owns SIGTERM/SIGINT and stops Apollo itself; two handlers deadlocked the shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.env !== 'production',
    formatError: formatError(config, log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginLandingPageDisabled(),
      // No @cacheControl hints in this schema; the default plugin would still wrap every field.
      ApolloServerPluginCacheControlDisabled(),
      // Writes the customer read log once per request, before the response leaves.
      readLogPlugin,
      requestScopePlugin,
      queryLimitsPlugin(config),
      ...(config.exposeSqlCount ? [statementCountPlugin] : []),
      ...(rateLimiter ? [rateLimiter.plugin] : []),
    ],
  });
  await apollo.start();

  const inFlight = new Set<Promise<unknown>>();
  const graphql = expressMiddleware(apollo, {
    context: async ({ req }) => {
      const requestId = String((req as unknown as { id: string }).id);
      const reqLog = (req as unknown as { log: Logger }).log;
      const header = req.headers.authorization;
      let viewer = null;
      if (header !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!match) throw unauthenticated('The Authorization header must be `Bearer <token>`.');
        viewer = await viewerForToken(database.db, match[1]!);
        if (!viewer) throw unauthenticated('The token is not valid: unknown, revoked or expired.');
      }
      return createContext({ db: database.db, config, log: reqLog, requestId, viewer, rateLimitKey: rateLimitKeyOf(req) });
    },
  });

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    // Counting starts after the body is read, so every statement the request causes is counted.
    (req, res, next) => {
      const handled = config.exposeSqlCount ? withStatementCounter(() => graphql(req, res, next)) : graphql(req, res, next);
      // Tracked until done, even when the client has hung up: stop() waits for these before the
      // database closes under them.
      const tracked = Promise.resolve(handled).catch(() => undefined);
      inFlight.add(tracked);
      void tracked.finally(() => inFlight.delete(tracked));
    },
  );

  // Malformed JSON and other body errors: a GraphQL-shaped 400, never a stack trace.
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err }, 'unhandled error');
    const message = status === 500 ? 'Internal server error' : `Bad request: ${err.message}`;
    res.status(status).json({ errors: [new GraphQLError(message, { extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } })] });
  });

  return {
    server,
    apollo,
    stop: async () => {
      await apollo.stop();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      // The drain above waits for open connections; operations whose client has gone are awaited here.
      await Promise.all(inFlight);
      await rateLimiter?.close();
    },
  };
}
