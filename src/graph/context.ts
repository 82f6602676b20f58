// What every resolver gets: who is asking, a database handle, loaders fresh for this request.
import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer';
import type { Visibility } from '../auth/visibility';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { RequestCost } from '../limits/cost';
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
};

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
