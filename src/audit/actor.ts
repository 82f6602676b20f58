// The actor of a change, from the request context (src/auth/actor.ts has the kinds of actor).
import { actorOf as actorOfViewer, type PortalActor, type UserActor } from '../auth/actor';
import type { Context } from '../graph/context';
import { viewerOf } from '../graph/context';

export function actorOf(ctx: Context): UserActor | PortalActor {
  return actorOfViewer(viewerOf(ctx), ctx.visibility, ctx.requestId);
}
