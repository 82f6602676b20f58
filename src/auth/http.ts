// One authentication for every HTTP entrance: /graphql's context and the plain HTTP routes
// (documents, imports, exports) resolve the viewer from the `Authorization: Bearer <token>` header
// here, charge a refused token to the caller's address (src/rate-limit: RATE_LIMIT_REFUSED_TOKEN_COST),
// and refuse with the same codes and messages as the rule tree (src/auth/requirements.ts).
//
// The HTTP routes answer a refusal in GraphQL's error shape:
//   401 (with `WWW-Authenticate: Bearer`)  { "errors": [{ "message": "…", "extensions": { "code": "UNAUTHENTICATED" } }] }
//   403                                     { "errors": [{ "message": "…", "extensions": { "code": "FORBIDDEN" } }] }
//   429 (with `Retry-After`)                { "errors": [{ "message": "…", "extensions": { "code": "THROTTLED" } }] }
import { randomUUID } from 'node:crypto';
import type express from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { databaseUnavailable, isDatabaseUnavailable } from '../db/faults';
import type { Composition } from '../graph/area';
import { createContext, type Context } from '../graph/context';
import { unauthenticated } from '../graph/errors';
import { releaseBody } from '../http/multipart';
import { authenticationRefusals, refusalFor, type Requirement } from './requirements';
import { bearerToken, viewerForToken } from './tokens';
import type { Viewer } from './viewer';

export type { Requirement } from './requirements';

export type HttpAuthentication = {
  /**
   * The viewer of a request: null without an Authorization header. Throws the refusal (a GraphQLError:
   * UNAUTHENTICATED, or THROTTLED once the caller's address has spent its refused-token allowance)
   * for a malformed header or a token that authenticates no one.
   */
  viewerOf(req: express.Request): Promise<Viewer | null>;
  /**
   * Express middleware: resolves the viewer, refuses (401/403/429, GraphQL's error shape) unless it
   * meets `requirement`, and otherwise leaves the request's context for the route (`contextOf(res)`).
   */
  requireViewer(requirement?: Requirement): express.RequestHandler;
};

export function httpAuthentication(options: {
  database: Database;
  /** The areas: their kinds of token (portal tokens), and what each request's context carries. */
  composition: Composition;
  config: Config;
  log: Logger;
  /** The rate limiter's charge for a refused token: the THROTTLED error to answer instead of 401, or null. */
  refusedToken?: (req: express.Request) => Promise<GraphQLError | null>;
}): HttpAuthentication {
  const { database, config } = options;

  const refuseToken = async (req: express.Request, message: string): Promise<GraphQLError> => (await options.refusedToken?.(req)) ?? unauthenticated(message);

  const viewerOf = async (req: express.Request): Promise<Viewer | null> => {
    const header = req.headers.authorization;
    if (header === undefined) return null;
    const token = bearerToken(header);
    if (!token) throw await refuseToken(req, authenticationRefusals.malformedHeader);
    const viewer = await viewerForToken(database.db, token, options.composition.tokens).catch((err: unknown) => {
      throw isDatabaseUnavailable(err) ? databaseUnavailable() : err;
    });
    // A refused token is charged to the caller's address, so tokens cannot be guessed at full speed.
    if (!viewer) throw await refuseToken(req, authenticationRefusals.badToken);
    return viewer;
  };

  const requireViewer = (requirement: Requirement = {}): express.RequestHandler => {
    return async (req, res, next) => {
      let viewer: Viewer | null;
      try {
        viewer = await viewerOf(req);
      } catch (error) {
        if (error instanceof GraphQLError && isRefusal(error)) return sendRefusal(req, res, error);
        return next(error);
      }
      const refusal = refusalFor(viewer, requirement);
      if (refusal) return sendRefusal(req, res, refusal);
      const log = (req as unknown as { log?: Logger }).log ?? options.log;
      const requestId = String((req as unknown as { id?: string }).id ?? randomUUID());
      res.locals.context = createContext({ db: database.db, composition: options.composition, config, log, requestId, viewer });
      next();
    };
  };

  return { viewerOf, requireViewer };
}

/** The context `requireViewer` left for the route: the same as /graphql builds, with a viewer. */
export function contextOf(res: express.Response): Context & { viewer: Viewer } {
  const context = res.locals.context as (Context & { viewer: Viewer }) | undefined;
  if (!context?.viewer) throw new Error('route reached without requireViewer');
  return context;
}

const REFUSAL_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'THROTTLED']);

function isRefusal(error: GraphQLError): boolean {
  return REFUSAL_CODES.has(String(error.extensions.code));
}

const STATUS_OF: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, THROTTLED: 429 };

/** Answers a refusal in GraphQL's error shape, with its status and headers; the unread body is dropped. */
export function sendRefusal(req: express.Request, res: express.Response, refusal: GraphQLError): void {
  releaseBody(req, res);
  if (res.headersSent) return void res.destroy();
  const code = String(refusal.extensions.code);
  const http = refusal.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
  for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
  if (code === 'UNAUTHENTICATED') res.setHeader('www-authenticate', 'Bearer');
  res.status(http?.status ?? STATUS_OF[code] ?? 403).json({ errors: [{ message: refusal.message, extensions: { code } }] });
}
