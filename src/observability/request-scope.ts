// What is known about the request being served, wherever the code is: its id, and once Apollo has
// parsed it, the GraphQL operation's name and type and the response it sends. Log lines written while
// serving a request carry `requestId` and `operationName` from here; /metrics reads the rest.
import type { ApolloServerPlugin } from '@apollo/server';
import type express from 'express';
import pino, { type Logger } from 'pino';
import type { Context } from '../graph/context';
import { contextSlot } from './context-slots';

/** The parts of a GraphQL response the signals look at. */
export type GraphQLResult = {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
};

export type RequestScope = {
  requestId: string;
  /** undefined: not (yet) a parsed GraphQL operation; null: an anonymous operation. */
  operationName?: string | null;
  operationType?: string;
  /** Whether the GraphQL request came with a valid token (metrics keep names of such requests only). */
  authenticated?: boolean;
  /** The response Apollo sent; read (and let go, `takeResult`) when the HTTP response has finished, after every plugin ran. */
  result?: GraphQLResult;
};

const slot = contextSlot<RequestScope>();

export function currentRequestScope(): RequestScope | undefined {
  return slot.get();
}

/** Names are GraphQL names (letters, digits, _), but nothing bounds their length. */
const MAX_LOGGED_NAME = 100;

export function operationNameForLog(scope: RequestScope | undefined): string | undefined {
  if (!scope || scope.operationName === undefined) return undefined;
  if (scope.operationName === null) return '(anonymous)';
  return scope.operationName.slice(0, MAX_LOGGED_NAME);
}

/** Express middleware, right after pino-http (which gives `req.id`): opens the scope for the request. */
export function requestScopeMiddleware(req: express.Request, res: express.Response, next: express.NextFunction): void {
  const scope: RequestScope = { requestId: String((req as unknown as { id: unknown }).id) };
  res.locals.requestScope = scope;
  slot.run(scope, next);
}

export function requestScopeOf(res: express.Response): RequestScope | undefined {
  return res.locals.requestScope as RequestScope | undefined;
}

/**
 * The response Apollo sent, handed over once and then let go: the scope outlives the request (the
 * keep-alive connection holds its last request until the next one, and the connection's async
 * context holds the scope), and with it the whole answer of a list page, which the garbage collector
 * then copied into the old generation for every request.
 */
export function takeResult(res: express.Response): GraphQLResult | undefined {
  const scope = requestScopeOf(res);
  const result = scope?.result;
  if (scope) scope.result = undefined;
  return result;
}

/** Apollo plugin: records the operation once resolved, and the response about to be sent. */
export const requestScopePlugin: ApolloServerPlugin<Context> = {
  async requestDidStart({ contextValue }) {
    const scope = slot.get();
    if (scope) scope.authenticated = contextValue.viewer !== null;
    return {
      async didResolveOperation({ operation }) {
        if (!scope || !operation) return;
        scope.operationName = operation.name?.value ?? null;
        scope.operationType = operation.operation;
      },
      async willSendResponse({ response }) {
        if (scope && response.body.kind === 'single') scope.result = response.body.singleResult as GraphQLResult;
      },
    };
  },
};

/**
 * pino-http `customProps`: `requestId` on the request's logger from the start, and the operation's
 * name on the completion line (the scope is not active when the response's 'finish' fires).
 */
export function requestLogProps(req: express.Request, res: express.Response): Record<string, string> {
  const scope = requestScopeOf(res);
  // Called first when the request arrives, before the scope exists, then when the response is done.
  if (!scope) return { requestId: String((req as unknown as { id: unknown }).id) };
  const operationName = operationNameForLog(scope);
  return operationName ? { operationName } : {};
}

/**
 * The app's logger, adding the current request's `operationName` (and `requestId`, unless the logger
 * is a request logger that already carries it) to every line written while serving it — including
 * lines written through the app-level logger, such as resolver errors.
 */
export function withRequestFields(log: Logger): Logger {
  const child = log.child({});
  const chindings = pino.symbols.chindingsSym;
  const parentMixin = (log as unknown as Record<symbol, unknown>)[pino.symbols.mixinSym] as
    ((obj: object, level: number, logger: Logger) => object) | undefined;
  const mixin = (obj: object, level: number, logger: Logger): object => {
    const base = parentMixin ? parentMixin(obj, level, logger) : {};
    const scope = slot.get();
    if (!scope) return base;
    const fields: Record<string, string> = {};
    const bound = String((logger as unknown as Record<symbol, unknown>)[chindings] ?? '');
    if (!bound.includes('"requestId"')) fields.requestId = scope.requestId;
    const operationName = operationNameForLog(scope);
    if (operationName && !bound.includes('"operationName"')) fields.operationName = operationName;
    return { ...base, ...fields };
  };
  // pino has no per-child mixin option; its exported symbols are the documented way to extend it.
  (child as unknown as Record<symbol, unknown>)[pino.symbols.mixinSym] = mixin;
  return child;
}
