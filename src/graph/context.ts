// What every resolver gets: who is asking, a database handle, loaders fresh for this request.
import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer';
import type { Visibility } from '../auth/visibility';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { RequestCost } from '../limits/cost';
import type { Realtime } from '../realtime';
import type { Composition } from './area';
import { Loaders } from './loaders';

export type Context = {
  db: Db;
  /** What the areas bring (src/areas.ts): node types, record children… for code that serves them all. */
  composition: Composition;
  config: Config;
  log: Logger;
  requestId: string;
  /** Null for an anonymous request; the rule tree refuses almost everything then. */
  viewer: Viewer | null;
  /** Which leads and customers (and everything under them) the viewer may see. */
  visibility: Visibility;
  loaders: Loaders;
  /** Customers read by id in this request: written to the access log when the response is sent. */
  customerReads: Set<string>;
  /** The rate-limit bucket this request spends from (src/rate-limit); unset outside /graphql. */
  rateLimitKey?: string;
  /** This request's query cost (src/limits/cost.ts); set once the operation is known. */
  cost?: RequestCost;
  /** A subscription's (src/http/websocket.ts): the instance's realtime hub, its session, and a fresh check of its token. */
  realtime?: SubscriptionSession;
};

export type SubscriptionSession = {
  hub: Realtime;
  /** Unique per subscription (presence counts each subscription as one session). */
  sessionId: string;
  /** The connection's token checked again: null once revoked or expired. */
  reauthenticate(): Promise<Viewer | null>;
};

/**
 * A subscription's context made new before each message it sends: the token checked again (a revoked
 * token ends the subscription), and fresh loaders, visibility and rule results, so a message never
 * shows what an earlier one cached or what the viewer may no longer see. Replaced in place: the
 * message's fields are resolved with this same object.
 */
export async function refreshSubscriptionContext(ctx: Context): Promise<Viewer | null> {
  const viewer = ctx.realtime ? await ctx.realtime.reauthenticate() : null;
  if (!viewer) return null;
  const fresh = createContext({
    db: ctx.db,
    composition: ctx.composition,
    config: ctx.config,
    log: ctx.log,
    requestId: ctx.requestId,
    viewer,
    realtime: ctx.realtime,
  });
  Object.assign(ctx, fresh);
  // graphql-shield's per-request cache of rule results.
  delete (ctx as { _shield?: unknown })._shield;
  return viewer;
}

/** The context of an authenticated request; resolvers behind `isAuthenticated` may assume it. */
export type AuthedContext = Context & { viewer: Viewer };

export function createContext(options: Omit<Context, 'loaders' | 'visibility' | 'customerReads'>): Context {
  const visibility = options.composition.visibility(options.viewer?.organisationId ?? '00000000-0000-0000-0000-000000000000', options.viewer);
  return { ...options, visibility, loaders: new Loaders(options.db, visibility, options.composition.nodes), customerReads: new Set() };
}

/** The viewer, for resolvers the rule tree only lets authenticated callers reach. */
export function viewerOf(ctx: Context): Viewer {
  if (!ctx.viewer) throw new Error('resolver reached without a viewer: the rule tree must require authentication');
  return ctx.viewer;
}
