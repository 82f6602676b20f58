// Requests that must stop: the client went away, the request ran past REQUEST_TIMEOUT_MS, or a
// statement ran past STATEMENT_TIMEOUT_MS. The first two abort the request's signal, so its next
// statement throws (src/db/request-signal.ts) and its transaction rolls back; the third is
// PostgreSQL cancelling the statement (SQLSTATE 57014). Each ends as an error with its own code.
//
// The deadline stops a request at its next statement; one stuck inside a statement that never
// answers (a database connection lost in a way the driver does not report) would never reach it. So
// the client is answered regardless, a moment after the deadline (`UNFINISHED_GRACE_MS`): 503
// REQUEST_TIMEOUT, saying that a change in progress may or may not have been kept. A request whose
// mutation has already made its change gets one more REQUEST_TIMEOUT_MS first, so that its answer
// can report that change.
import type { Response } from 'express';
import { defaultFieldResolver, GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { currentRequestScope, withRequestScope, type RequestScope } from '../db/request-signal';

export class RequestStopped extends GraphQLError {}

function stopped(code: 'REQUEST_TIMEOUT' | 'CLIENT_CLOSED_REQUEST', message: string): RequestStopped {
  return new RequestStopped(message, { extensions: { code } });
}

/**
 * Runs `handle` for one HTTP request in a scope that stops it when the client closes the
 * connection before the response is sent, or once `requestTimeoutMs` (0: never) has passed.
 */
export function runStoppable<T>(res: Response, config: Pick<Config, 'requestTimeoutMs'>, handle: (signal: AbortSignal) => T): T {
  const controller = new AbortController();
  let unfinished: NodeJS.Timeout | undefined;
  const onClose = () => {
    clearTimeout(unfinished);
    if (!res.writableFinished) controller.abort(stopped('CLIENT_CLOSED_REQUEST', 'The client closed the connection; the request was stopped.'));
  };
  res.once('close', onClose);
  const scope: RequestScope = {
    signal: controller.signal,
    deadline: config.requestTimeoutMs > 0 ? Date.now() + config.requestTimeoutMs : Infinity,
    expire: () =>
      controller.abort(
        stopped('REQUEST_TIMEOUT', `The request ran longer than ${config.requestTimeoutMs} ms and was stopped; changes it was still making were not kept.`),
      ),
  };
  if (config.requestTimeoutMs > 0) {
    let extended = false;
    const answerUnfinished = () => {
      if (res.headersSent || res.writableEnded) return;
      if (scope.settled && !extended) {
        extended = true;
        unfinished = setTimeout(answerUnfinished, config.requestTimeoutMs).unref();
        return;
      }
      if (!controller.signal.aborted) scope.expire();
      (res.req as { log?: { error(o: object, m: string): void } } | undefined)?.log?.error(
        { requestTimeoutMs: config.requestTimeoutMs },
        'request still running after its deadline (stuck on a statement or other work): answered REQUEST_TIMEOUT without its result',
      );
      res.status(503).setHeader('retry-after', '1');
      res.json({ errors: [{ message: unfinishedMessage(config.requestTimeoutMs), extensions: { code: 'REQUEST_TIMEOUT' } }] });
    };
    unfinished = setTimeout(answerUnfinished, config.requestTimeoutMs + UNFINISHED_GRACE_MS).unref();
  }
  return withRequestScope(scope, () => handle(controller.signal));
}

/**
 * Mutation fields run one after another, and a payload is never null: stopping the second would null
 * the whole answer and hide that the first was kept. So a request's deadline stops it only until its
 * first mutation field has made its change (`settled`); the rest then run to the end (at most
 * MAX_QUERY_ALIASES of them, each statement under statement_timeout).
 *
 * Each root mutation field's resolver is wrapped once, here, rather than through an Apollo plugin's
 * `willResolveField`: a plugin with that hook makes Apollo wrap every field of the whole schema, from
 * the first mutation on, so every field of every item of every later page paid a call and two
 * lookups on the context.
 */
export function settleRequestsAfterFirstMutation(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) => {
      const scope = currentRequestScope();
      if (!scope || scope.settled || info.path.prev !== undefined) return resolve(source, args, context, info);
      const result = resolve(source, args, context, info);
      if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
        return (result as PromiseLike<unknown>).then((value) => {
          scope.settled = true;
          return value;
        });
      }
      scope.settled = true;
      return result;
    };
  }
  return schema;
}

/** How long after its deadline a request that has not answered is answered for it. */
export const UNFINISHED_GRACE_MS = 1_000;

export function unfinishedMessage(requestTimeoutMs: number): string {
  return (
    `The request did not finish within ${requestTimeoutMs} ms and was stopped without its result. ` +
    'A change it was making may or may not have been kept: read the record back, or repeat the mutation with the same idempotencyKey, before trying again.'
  );
}

/** PostgreSQL's "canceling statement due to statement timeout", wherever in the error's causes. */
function isStatementTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth += 1) {
    if (typeof e === 'object' && (e as { code?: unknown }).code === '57014') return true;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The client's view of a request stopped by a timeout, or undefined for any other error. Replaces
 * the driver's error, whose message carries the SQL, with one that names the limit.
 */
export function formatStoppedError(
  formatted: GraphQLFormattedError,
  error: unknown,
  config: Pick<Config, 'statementTimeoutMs'>,
): GraphQLFormattedError | undefined {
  if (!isStatementTimeout(error)) return undefined;
  return {
    message: `A database statement ran longer than ${config.statementTimeoutMs} ms and was cancelled; the changes this field was making were not kept.`,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'STATEMENT_TIMEOUT' },
  };
}
