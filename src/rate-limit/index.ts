// Rate limits per caller in cost points (Shopify's model; bucket.ts). GraphQL requests spend their
// requested query cost before they run and get back what they did not use; every response shows the
// bucket in `extensions.cost.throttleStatus`. The upload, import and export routes spend a flat cost.
// A caller without enough points gets HTTP 429 with `Retry-After` and the code THROTTLED.
//
// The caller is its token (by hash, never the token itself) or, without a token, its IP address.
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type express from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { bearerToken, hashToken } from '../auth/tokens';
import type { Config } from '../config';
import type { Context } from '../graph/context';
import { actualQueryCost } from '../limits/cost';
import { requestCost } from '../limits/plugin';
import { MemoryBucketStore, neededFor, type BucketSettings, type CostBucketStore, type ThrottleStatus } from './bucket';
import { RedisBucketStore } from './redis-store';

export type { CostBucketStore, ThrottleStatus } from './bucket';

/** How much a GraphQL request costs: requested before it runs, actual (if known) after. */
export type RequestCosts = {
  requested(requestContext: GraphQLRequestContext<Context>): number;
  actual(requestContext: GraphQLRequestContext<Context>): number | undefined;
};

export type RateLimiter = {
  plugin: ApolloServerPlugin<Context>;
  /**
   * Charges a refused token (unknown, revoked, malformed) to the caller's IP address: each guess would
   * otherwise get a bucket of its own. Answers the THROTTLED error to send instead of 401, or null.
   */
  refusedToken(req: express.Request): Promise<GraphQLError | null>;
  /** Express middleware for the HTTP routes that are not GraphQL (uploads, imports, exports). */
  httpRoutes: express.RequestHandler;
  close(): Promise<void>;
};

/** The query cost of src/limits: requested from the document, actual from the data returned. */
export function queryCosts(config: Pick<Config, 'maxPageSize'>): RequestCosts {
  return {
    requested: (requestContext) => requestCost(requestContext, config)?.requested ?? 0,
    actual: (requestContext) => {
      const cost = requestContext.contextValue.cost;
      if (!cost) return undefined;
      const { document, operation } = requestContext;
      const body = requestContext.response.body;
      // Whichever plugin needs it first computes it; the limits plugin then reports the same number.
      if (cost.actual === null && document && operation && body?.kind === 'single') {
        cost.actual = actualQueryCost({ schema: requestContext.schema, document, operation, data: body.singleResult.data });
      }
      return cost.actual ?? undefined;
    },
  };
}

/** The bucket a request spends from: its token's hash, or its IP address when it has no token. */
export function rateLimitKeyOf(req: express.Request): string {
  const token = bearerToken(req.headers.authorization);
  if (token) return `token:${hashToken(token).slice(0, 40)}`;
  return ipKeyOf(req);
}

function ipKeyOf(req: express.Request): string {
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

function throttledError(cost: number, status: ThrottleStatus, retryAfter: number): GraphQLError {
  return new GraphQLError(throttledMessage(cost, status, retryAfter), {
    extensions: { code: 'THROTTLED', http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } },
  });
}

function throttledMessage(cost: number, status: ThrottleStatus, retryAfter: number): string {
  return (
    `Throttled: this request costs ${cost} points and ${status.currentlyAvailable} of ${status.maximumAvailable} are available ` +
    `(${status.restoreRate} are restored each second). Retry after ${retryAfter} s.`
  );
}

export async function createRateLimiter(options: {
  config: Config;
  log: Logger;
  /** Defaults to the query cost of src/limits. */
  costs?: RequestCosts;
  /** The in-process store's clock, for tests. */
  now?: () => number;
}): Promise<RateLimiter> {
  const { config, log } = options;
  const costs = options.costs ?? queryCosts(config);
  const settings: BucketSettings = { maximumAvailable: config.rateLimitBucketSize, restoreRate: config.rateLimitRestoreRate };
  if (config.rateLimitBucketSize < config.maxQueryCost) {
    log.warn(
      { bucketSize: config.rateLimitBucketSize, maxQueryCost: config.maxQueryCost },
      'RATE_LIMIT_BUCKET_SIZE is below MAX_QUERY_COST: a query costing more than the bucket waits for a full bucket and empties it',
    );
  }
  let store: CostBucketStore;
  if (config.redisUrl) {
    const redis = new RedisBucketStore(settings, {
      url: config.redisUrl,
      keyPrefix: config.rateLimitRedisPrefix,
      commandTimeoutMs: config.rateLimitRedisTimeoutMs,
      log,
    });
    if (!(await redis.ready())) log.warn('rate limit: Redis is not reachable yet; each instance uses its own buckets until it is');
    store = redis;
  } else {
    store = new MemoryBucketStore(settings, { maxKeys: config.rateLimitMaxKeys, now: options.now });
  }

  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart({ contextValue }) {
      const key = contextValue.rateLimitKey;
      if (key === undefined) return;
      let reserved = 0;
      let executed = false;
      let status: ThrottleStatus | undefined;
      return {
        async didResolveOperation(requestContext) {
          const cost = costs.requested(requestContext);
          const result = await store.take(key, cost);
          status = result.status;
          if (!result.allowed) throw throttledError(cost, result.status, result.retryAfterSeconds);
          reserved = neededFor(cost, settings);
        },
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse(requestContext) {
          if (reserved > 0) {
            // Not run at all (refused by another check): nothing was used. Run: what it really cost.
            const actual = executed ? Math.min(reserved, costs.actual(requestContext) ?? reserved) : 0;
            if (actual < reserved) status = await store.refund(key, reserved - actual);
          }
          // A request refused before its cost was known (e.g. a syntax error) spends nothing.
          status ??= await store.peek(key);
          const body = requestContext.response.body;
          const result = body.kind === 'single' ? body.singleResult : body.initialResult;
          const extensions = (result.extensions ??= {});
          extensions.cost = { ...(extensions.cost as object | undefined), throttleStatus: status };
        },
      };
    },
  };

  const httpRoutes: express.RequestHandler = (req, res, next) => {
    const cost = config.rateLimitHttpCost;
    store.take(rateLimitKeyOf(req), cost).then((result) => {
      if (result.allowed) return next();
      res.setHeader('retry-after', String(result.retryAfterSeconds));
      // The body (an upload) is not read: close the connection rather than leave it to stall the next request.
      if (req.method !== 'GET' && req.method !== 'HEAD') res.setHeader('connection', 'close');
      res.status(429).json({
        errors: [
          {
            message: throttledMessage(cost, result.status, result.retryAfterSeconds),
            extensions: { code: 'THROTTLED', cost: { throttleStatus: result.status } },
          },
        ],
      });
    }, next);
  };

  const refusedToken = async (req: express.Request): Promise<GraphQLError | null> => {
    const cost = config.rateLimitRefusedTokenCost;
    if (cost === 0) return null;
    const result = await store.take(ipKeyOf(req), cost);
    return result.allowed ? null : throttledError(cost, result.status, result.retryAfterSeconds);
  };

  return { plugin, httpRoutes, refusedToken, close: () => store.close() };
}
