// What every resolver gets: who is asking, a database handle, loaders fresh for this request.
import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { Loaders } from './loaders';

export type Context = {
  db: Db;
  config: Config;
  log: Logger;
  requestId: string;
  /** Null for an anonymous request; the rule tree refuses almost everything then. */
  viewer: Viewer | null;
  loaders: Loaders;
};

/** The context of an authenticated request; resolvers behind `isAuthenticated` may assume it. */
export type AuthedContext = Context & { viewer: Viewer };

export function createContext(options: Omit<Context, 'loaders'>): Context {
  return {
    ...options,
    loaders: new Loaders(options.db, options.viewer?.organisationId ?? '00000000-0000-0000-0000-000000000000'),
  };
}

/** The viewer, for resolvers the rule tree only lets authenticated callers reach. */
export function viewerOf(ctx: Context): Viewer {
  if (!ctx.viewer) throw new Error('resolver reached without a viewer: the rule tree must require authentication');
  return ctx.viewer;
}
