// The actor of a change, from the request context.
import type { Context } from '../graph/context';
import { viewerOf } from '../graph/context';
import type { Actor } from './service';

export function actorOf(ctx: Context): Actor {
  const viewer = viewerOf(ctx);
  return {
    organisationId: viewer.organisationId,
    userId: viewer.userId,
    portalTokenId: viewer.portal?.id ?? null,
    visibility: ctx.visibility,
    requestId: ctx.requestId,
    currency: viewer.organisation.currency,
    isAdmin: viewer.role === 'ADMIN',
    role: viewer.role,
  };
}
