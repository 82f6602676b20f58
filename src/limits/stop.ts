// Requests that must stop: the client went away, the request ran past REQUEST_TIMEOUT_MS, or a
// statement ran past STATEMENT_TIMEOUT_MS. The first two abort the request's signal, so its next
// statement throws (src/db/request-signal.ts) and its transaction rolls back; the third is
// PostgreSQL cancelling the statement (SQLSTATE 57014). Each ends as an error with its own code.
import type { Response } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Config } from '../config';
import { withRequestScope, type RequestScope } from '../db/request-signal';

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
  const onClose = () => {
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
  return withRequestScope(scope, () => handle(controller.signal));
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
