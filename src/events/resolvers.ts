// GraphQL resolvers for the event stream (Query.events). Who may read it is the rule tree's business.
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { badUserInput } from '../graph/errors';
import { decodeIdArgument, entityGlobalId, parseGlobalId, toGlobalId } from '../graph/ids';
import { checkEventTypes, decodeEventCursor, encodeEventCursor, readEvents } from './stream';
import type { EventRow } from './tables';

const DEFAULT_EVENTS_PAGE = 20;

async function eventsPage(
  ctx: Context,
  args: { after?: string | null; first?: number | null; types?: readonly string[] | null; resourceId?: string | null; customerId?: string | null },
) {
  const max = ctx.config.maxPageSize;
  const first = args.first ?? DEFAULT_EVENTS_PAGE;
  if (first < 0 || first > max) throw badUserInput(`first must be between 0 and ${max} (got ${first}).`, 'first');
  const after = args.after != null ? decodeEventCursor(args.after, 'after') : null;
  const types = checkEventTypes(args.types, 'types');
  let resourceId: string | null = null;
  if (args.resourceId != null) {
    const parsed = parseGlobalId(args.resourceId);
    if (!parsed) throw badUserInput(`resourceId: ${JSON.stringify(args.resourceId.slice(0, 100))} is not a valid ID.`, 'resourceId');
    resourceId = parsed.id;
  }
  const customerId = args.customerId != null ? decodeIdArgument(args.customerId, ['Customer'], 'customerId').id : null;
  const rows = await readEvents(ctx.db, { organisationId: ctx.visibility.organisationId, after, limit: first + 1, types, resourceId, customerId });
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encodeEventCursor(node), node }));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? args.after ?? null,
    },
  };
}

export const eventsResolvers: Resolvers = {
  Query: {
    events: (_p, args, ctx) => eventsPage(ctx, args),
  },
  Event: {
    resourceId: (e: EventRow) => entityGlobalId(e.resourceType, e.resourceId),
    customerId: (e: EventRow) => (e.customerId ? toGlobalId('Customer', e.customerId) : null),
    payload: (e: EventRow) => e.payload as Record<string, unknown>,
    actor: (e: EventRow, _a, ctx) => (e.actorUserId ? ctx.loaders.byId('User').load(e.actorUserId) : null),
  },
};
