// The Subscription type's resolvers: a record's changes, a customer record's changes, and who is
// viewing a record. Each subscription starts with the same check as a query (the record must be
// visible to the subscriber, else NOT_FOUND), and before every message the token is checked again and
// the record read again with fresh rights (src/graph/context.ts `refreshSubscriptionContext`): a
// subscription never delivers what its subscriber could not read by query at that moment.
import { GraphQLError } from 'graphql';
import type { Resolvers } from '../generated/graphql';
import { refreshSubscriptionContext, viewerOf, type Context, type SubscriptionSession } from '../graph/context';
import { unauthenticated } from '../graph/errors';
import { decodeIdArgument, entityGlobalId, parseGlobalId, toGlobalId, type NodeType } from '../graph/ids';
import { loadNode } from '../graph/resolvers';
import type { ChangeNotice } from '../realtime';
import { PRESENCE_REFRESH_MS } from '../realtime/presence';
import { MessageQueue } from '../realtime/queue';
import type { PresenceValue } from './presence';

/** Messages a subscriber may fall behind by before its subscription is ended. */
const MAX_BEHIND = 1000;

type Target = { type: NodeType; id: string; globalId: string };

function sessionOf(ctx: Context): SubscriptionSession {
  if (!ctx.realtime)
    throw new GraphQLError('Subscriptions are served over WebSocket at /graphql (graphql-transport-ws).', { extensions: { code: 'BAD_REQUEST' } });
  return ctx.realtime;
}

function notFound(argument: string, id: string): GraphQLError {
  return new GraphQLError(`${argument}: no record ${JSON.stringify(id.slice(0, 100))} that you may see.`, { extensions: { code: 'NOT_FOUND', argument } });
}

/** The record behind an argument, as the subscriber may see it now; NOT_FOUND otherwise. */
async function visibleTarget(ctx: Context, globalId: string, argument: string): Promise<Target> {
  const node = (await loadNode(ctx.composition.nodes, ctx, globalId, argument)) as { __typename: NodeType; id: string } | null;
  if (!node) throw notFound(argument, globalId);
  // A merged customer's old id follows the survivor.
  return { type: node.__typename, id: node.id, globalId: toGlobalId(node.__typename, node.id) };
}

/** `fn` the first time only: a subscription ends by its own end, the client's return(), or both. */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** An iterator that runs `cleanup` however it ends, even if it is ended before it started. */
function withCleanup<T>(iterator: AsyncGenerator<T>, cleanup: () => void): AsyncIterableIterator<T> {
  return {
    next: () => iterator.next(),
    return: (value?: unknown) => {
      cleanup();
      return iterator.return(value as never);
    },
    throw: (error?: unknown) => {
      cleanup();
      return iterator.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Before a message: the token checked again and the target read again with fresh rights. The refusal
 * is sent as the subscription's last message (an error on its field), then the subscription completes:
 * an error thrown from the stream would close the whole connection, and the client's other subscriptions.
 */
async function refusalNow(ctx: Context, target: Target, argument: string): Promise<GraphQLError | null> {
  if (!(await refreshSubscriptionContext(ctx))) return unauthenticated('The token is no longer valid (revoked or expired): the subscription has ended.');
  if (!(await loadNode(ctx.composition.nodes, ctx, target.globalId, argument))) return notFound(argument, target.globalId);
  return null;
}

/** A message's payload, or the refusal that ends the subscription. */
function payload<T>(value: T | GraphQLError): T {
  if (value instanceof GraphQLError) throw value;
  return value;
}

const isAbout = (notice: ChangeNotice, target: Target) =>
  notice.resourceId === target.id && entityGlobalId(notice.resourceType, notice.resourceId) === target.globalId;

/**
 * The changes `matches` picks, for as long as the target stays visible. Listening starts before the
 * iterator is handed over, so nothing committed after the subscription was accepted is missed.
 */
async function follow(
  ctx: Context,
  target: Target,
  argument: string,
  matches: (notice: ChangeNotice) => boolean,
): Promise<AsyncIterableIterator<ChangeNotice | GraphQLError>> {
  const session = sessionOf(ctx);
  const queue = new MessageQueue<ChangeNotice>(MAX_BEHIND);
  const stop = await session.hub.changes.listen(viewerOf(ctx).organisationId, (notice) => {
    if (matches(notice)) queue.push(notice);
  });
  const cleanup = once(() => {
    stop();
    void queue.return();
  });
  async function* messages(): AsyncGenerator<ChangeNotice | GraphQLError> {
    try {
      for await (const notice of queue) {
        const refusal = await refusalNow(ctx, target, argument);
        if (refusal) {
          // Its deletion (or the change that took it out of sight) is the last message; otherwise the refusal is.
          yield isAbout(notice, target) && refusal.extensions.code === 'NOT_FOUND' ? notice : refusal;
          return;
        }
        yield notice;
      }
    } finally {
      cleanup();
    }
  }
  return withCleanup(messages(), cleanup);
}

async function presence(ctx: Context, globalId: string): Promise<AsyncIterableIterator<PresenceValue | GraphQLError>> {
  const session = sessionOf(ctx);
  const viewer = viewerOf(ctx);
  if (viewer.kind !== 'user') throw new GraphQLError('Presence is for users.', { extensions: { code: 'FORBIDDEN' } });
  const target = await visibleTarget(ctx, globalId, 'id');
  const board = session.hub.presence;
  const organisationId = viewer.organisationId;
  // Announcements only say "something changed": one pending re-read is enough, however many arrive.
  let pending = false;
  const ticks = new MessageQueue<true>(1);
  const stopListening = await board.listen(organisationId, target.globalId, () => {
    if (pending) return;
    pending = true;
    ticks.push(true);
  });
  const cleanup = once(() => {
    stopListening();
    void ticks.return();
    void board
      .leave(organisationId, target.globalId, session.sessionId)
      .catch((err: unknown) => ctx.log.warn({ err }, 'presence: could not record a viewer leaving'));
  });
  try {
    await board.join(organisationId, target.globalId, {
      sessionId: session.sessionId,
      userId: viewer.userId,
      name: viewer.user.name,
      since: new Date().toISOString(),
    });
  } catch (err) {
    // Redis away: no half-made session left listening.
    cleanup();
    throw err;
  }
  const read = async (): Promise<PresenceValue> => ({
    recordId: target.globalId,
    entries: await board.entries(organisationId, target.globalId),
    sessionId: session.sessionId,
  });
  async function* messages(): AsyncGenerator<PresenceValue | GraphQLError> {
    try {
      let last = await read();
      yield last;
      for (;;) {
        // An announcement, or every PRESENCE_REFRESH_MS anyway (a viewer whose server died drops out so).
        let timer: NodeJS.Timeout | undefined;
        const tick = await Promise.race([
          ticks.next(),
          new Promise<'refresh'>((resolve) => {
            timer = setTimeout(() => resolve('refresh'), PRESENCE_REFRESH_MS);
          }),
        ]);
        clearTimeout(timer);
        if (tick !== 'refresh' && tick.done) return;
        pending = false;
        const refusal = await refusalNow(ctx, target, 'id');
        if (refusal) {
          yield refusal;
          return;
        }
        const now = await read();
        const key = (v: PresenceValue) => v.entries.map((e) => e.sessionId).join(',');
        if (key(now) === key(last)) continue;
        last = now;
        yield now;
      }
    } finally {
      cleanup();
    }
  }
  return withCleanup(messages(), cleanup);
}

export const subscriptionsResolvers: Resolvers = {
  Subscription: {
    recordChanged: {
      subscribe: async (_parent, { id }, ctx) => {
        const target = await visibleTarget(ctx, id, 'id');
        return follow(ctx, target, 'id', (notice) => isAbout(notice, target));
      },
      resolve: (notice: ChangeNotice | GraphQLError) => payload(notice),
    },
    customerRecordChanged: {
      subscribe: async (_parent, { customerId }, ctx) => {
        decodeIdArgument(customerId, ['Customer'], 'customerId');
        const target = await visibleTarget(ctx, customerId, 'customerId');
        return follow(ctx, target, 'customerId', (notice) => notice.customerId === target.id || isAbout(notice, target));
      },
      resolve: (notice: ChangeNotice | GraphQLError) => payload(notice),
    },
    presence: {
      subscribe: (_parent, { id }, ctx) => presence(ctx, id),
      resolve: (value: PresenceValue | GraphQLError) => payload(value),
    },
  },
  RecordChange: {
    eventId: (n) => n.id,
    resourceId: (n) => entityGlobalId(n.resourceType, n.resourceId),
    record: async (n, _args, ctx) => {
      const globalId = entityGlobalId(n.resourceType, n.resourceId);
      // A thing that is not a Node (no global ID of its own) has no record to show.
      if (!parseGlobalId(globalId)) return null;
      return (await loadNode(ctx.composition.nodes, ctx, globalId, 'record')) as never;
    },
    actor: (n, _args, ctx) => (n.actorUserId ? ctx.loaders.byId('User').load(n.actorUserId) : null),
  },
  Presence: {
    viewers: (p) => p.entries.map((e) => ({ ...e, you: e.sessionId === p.sessionId })),
  },
  PresenceViewer: {
    user: (e, _args, ctx) => ctx.loaders.byId('User').load(e.userId) as never,
    isYou: (e) => e.you,
  },
};
