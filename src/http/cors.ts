// CORS for browser clients on other origins: only the origins named in CORS_ORIGINS (none by
// default, so no CORS headers at all), for /graphql and the HTTP routes alike. Tokens travel in the
// Authorization header, never in cookies, so credentials are not allowed.
import cors from 'cors';
import type { RequestHandler } from 'express';

/** Request headers a browser client may send: the token, JSON or multipart bodies, its own request id. */
const allowedHeaders = ['Authorization', 'Content-Type', 'X-Request-Id', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'];
/** Response headers a browser client may read. */
const exposedHeaders = ['X-Request-Id', 'X-Import-Job-Id', 'Retry-After', 'Content-Disposition'];

/** The CORS middleware for the configured origins (`*` for any), or null when there are none. */
export function corsMiddleware(origins: readonly string[]): RequestHandler | null {
  if (origins.length === 0) return null;
  const any = origins.includes('*');
  const listed = new Set(origins);
  const handler = cors({
    origin: (origin, callback) => callback(null, any ? '*' : origin !== undefined && listed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders,
    exposedHeaders,
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    // The answer depends on the Origin header even when it carries no CORS headers: caches must know.
    if (!any) res.vary('Origin');
    handler(req, res, next);
  };
}
