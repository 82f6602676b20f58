// GraphQL subscriptions over WebSocket at /graphql (the graphql-transport-ws protocol of graphql-ws).
// The token comes in the connection's init payload (`{ "authorization": "Bearer <token>" }`, what a
// browser can send) or in the upgrade request's Authorization header; a connection without a valid
// one is closed with 4401 or 4403. Only subscriptions travel here: queries and mutations go over
// HTTP, where every request guard runs. The same document limits as HTTP apply (depth, aliases,
// directives, tokens), and the same rule tree (the Subscription fields' rules run at subscribe).
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken, viewerForToken } from '../auth/tokens';
import type { Viewer } from '../auth/viewer';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { databaseUnavailable, isDatabaseUnavailable } from '../db/faults';
import type { Composition } from '../graph/area';
import { createContext } from '../graph/context';
import { queryLimitRules, queryParseOptions } from '../limits/plugin';
import type { Realtime } from '../realtime';

type Extra = { viewer?: Viewer; token?: string; sessionId: string; subscriptions: number };

export type SubscriptionServer = { close(): Promise<void> };

function withCode(error: GraphQLError, code: string): GraphQLError {
  const { limitCode: _limitCode, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...extensions, code } });
}

/** The token of a connection: the init payload's `authorization` (or `Authorization`), else the upgrade's header. */
function authorizationOf(params: Record<string, unknown> | undefined, request: http.IncomingMessage): string | undefined {
  const given = params?.authorization ?? params?.Authorization;
  if (typeof given === 'string') return given;
  return request.headers.authorization;
}

export function startSubscriptionServer(options: {
  server: http.Server;
  schema: GraphQLSchema;
  config: Config;
  database: Database;
  composition: Composition;
  realtime: Realtime;
  log: Logger;
  limits: boolean;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}): SubscriptionServer {
  const { server, schema, config, database, composition, realtime, log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const validationRules = [...specifiedRules, ...(options.limits ? queryLimitRules(config) : [])];
  const parseOptions = options.limits ? queryParseOptions(config) : {};

  const onUpgrade = (request: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    // Node leaves an upgraded socket without an error listener: a client that resets it while it is
    // refused below (or mid-handshake) must not become an uncaught error that stops the process.
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    if (wss.clients.size >= config.realtimeMaxConnections) {
      log.warn({ connections: wss.clients.size }, 'subscriptions: connection refused, REALTIME_MAX_CONNECTIONS reached');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 5\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const viewerOf = async (authorization: string | undefined): Promise<{ viewer: Viewer; token: string } | { refusal: string }> => {
    if (authorization === undefined) return { refusal: 'Authentication required: send { "authorization": "Bearer <token>" } in connection_init.' };
    const token = bearerToken(authorization);
    if (!token) return { refusal: 'The authorization is not "Bearer <token>".' };
    const viewer = await viewerForToken(database.db, token, composition.tokens).catch((err: unknown) => {
      throw isDatabaseUnavailable(err) ? databaseUnavailable() : err;
    });
    return viewer ? { viewer, token } : { refusal: 'The token is not valid (unknown, revoked or expired).' };
  };

  const disposable = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        ctx.extra.sessionId = randomUUID();
        ctx.extra.subscriptions = 0;
        let found: Awaited<ReturnType<typeof viewerOf>>;
        try {
          found = await viewerOf(authorizationOf(ctx.connectionParams, ctx.extra.request));
        } catch (err) {
          log.warn({ err }, 'subscriptions: could not authenticate a connection');
          ctx.extra.socket.close(CloseCode.InternalServerError, 'The server could not check the token; try again.');
          return false;
        }
        if ('refusal' in found) {
          ctx.extra.socket.close(CloseCode.Unauthorized, found.refusal);
          return false;
        }
        ctx.extra.viewer = found.viewer;
        ctx.extra.token = found.token;
        return true;
      },
      onSubscribe: (ctx, _id, payload: SubscribePayload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, parseOptions);
        } catch (err) {
          return [withCode(err instanceof GraphQLError ? err : new GraphQLError(String(err)), 'GRAPHQL_PARSE_FAILED')];
        }
        const errors = validate(schema, document, validationRules);
        // As over HTTP: a broken query limit with its own code (MAX_DEPTH_EXCEEDED…), other failures GRAPHQL_VALIDATION_FAILED.
        if (errors.length > 0)
          return errors.map((e) => withCode(e, typeof e.extensions.limitCode === 'string' ? e.extensions.limitCode : 'GRAPHQL_VALIDATION_FAILED'));
        const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
        const operation = payload.operationName
          ? operations.find((o) => o.name?.value === payload.operationName)
          : operations.length === 1
            ? operations[0]
            : undefined;
        // Every refusal carries a code, as over HTTP (the same codes): one without is a server fault.
        if (!operation) {
          const message = payload.operationName
            ? `Unknown operation named ${JSON.stringify(payload.operationName)}.`
            : 'Name the operation to run (operationName): the document has none or several.';
          return [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
        }
        if (operation.operation !== 'subscription') {
          return [
            new GraphQLError(
              `Only subscriptions are served over WebSocket; send ${operation.operation === 'query' ? 'queries' : 'mutations'} to POST /graphql.`,
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        }
        // Variables that do not fit the operation: refused here, before anything runs (graphql-js's
        // own errors for them carry no code).
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 50 });
        if (coerced.errors) return coerced.errors.map((e) => withCode(e, 'BAD_USER_INPUT'));
        if ((ctx.extra.subscriptions ?? 0) >= config.realtimeMaxSubscriptionsPerConnection) {
          return [
            new GraphQLError(`At most ${config.realtimeMaxSubscriptionsPerConnection} subscriptions at once on one connection.`, {
              extensions: { code: 'LIMIT_EXCEEDED' },
            }),
          ];
        }
        ctx.extra.subscriptions = (ctx.extra.subscriptions ?? 0) + 1;
        const { viewer, token, sessionId } = ctx.extra;
        const contextValue = createContext({
          db: database.db,
          composition,
          config,
          log,
          requestId: `${sessionId}:${_id}`,
          viewer: viewer ?? null,
          realtime: {
            hub: realtime,
            sessionId: `${sessionId}:${_id}`,
            reauthenticate: async () => (token ? viewerForToken(database.db, token, composition.tokens) : null),
          },
        });
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? undefined,
          contextValue,
        };
      },
      onComplete: (ctx) => {
        ctx.extra.subscriptions = Math.max(0, (ctx.extra.subscriptions ?? 0) - 1);
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => options.formatError(e.toJSON(), e)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => options.formatError(e.toJSON(), e)) } : undefined,
    },
    wss,
  );

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      // Closes every socket (1001 Going Away) and completes the subscriptions.
      await disposable.dispose();
    },
  };
}
