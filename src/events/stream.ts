// Reading the event stream in order, without gaps. Events are ordered by (transaction id, position)
// and read only below the oldest transaction still running: every transaction with a smaller id has
// committed or rolled back, so no event can later appear behind a cursor a reader has passed
// (a transaction that started earlier but commits later would, were events read by position alone).
// The cost: an event shows once every transaction older than its own has ended.
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { PageInfo } from '../graph/connection';
import { badUserInput } from '../graph/errors';
import { events, type EventRow } from './tables';
import { EVENT_TYPE_PATTERN, matchesEventTypes } from './types';

export type StreamEdge = { cursor: string; node: EventRow };
export type StreamPage = { edges: StreamEdge[]; nodes: EventRow[]; pageInfo: PageInfo };

/** A place in the stream: after the event at (transaction, position). */
export type StreamPosition = { transactionId: number; position: number };

export function encodeEventCursor(p: StreamPosition): string {
  return Buffer.from(`events:${p.transactionId}:${p.position}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(value: string, argument: string): StreamPosition {
  const m = value.length <= 200 ? /^events:([0-9]{1,15}):([0-9]{1,15})$/.exec(Buffer.from(value, 'base64url').toString('utf8')) : null;
  if (!m) throw badUserInput(`${argument}: ${JSON.stringify(value.slice(0, 100))} is not a cursor of the events list.`, argument);
  return { transactionId: Number(m[1]), position: Number(m[2]) };
}

const MAX_TYPES = 100;

/** Checks a `types` filter: event types (`customer.created`) or `resource.*`. */
export function checkEventTypes(types: readonly string[] | null | undefined, argument: string): string[] {
  const list = [...(types ?? [])];
  if (list.length > MAX_TYPES) throw badUserInput(`${argument}: at most ${MAX_TYPES} types (got ${list.length}).`, argument);
  list.forEach((t, i) => {
    if (!EVENT_TYPE_PATTERN.test(t)) {
      throw badUserInput(
        `${argument}[${i}]: ${JSON.stringify(t.slice(0, 100))} is not an event type (e.g. customer.created, or customer.* for all of a kind).`,
        `${argument}`,
      );
    }
  });
  return list;
}

/** SQL for the types filter (the same matching as `matchesEventTypes`). */
function typesCondition(types: readonly string[]): SQL | undefined {
  if (types.length === 0) return undefined;
  const exact = types.filter((t) => !t.endsWith('.*'));
  const prefixes = types.filter((t) => t.endsWith('.*')).map((t) => `${t.slice(0, -1)}%`);
  return sql`(${events.type} = any(${`{${exact.join(',')}}`}::text[]) or ${events.type} like any(${`{${prefixes.join(',')}}`}::text[]))`;
}

/** Below this, every transaction has ended: the stream's readable end. */
export const settledBelow = sql`pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;

export async function readEvents(
  db: Db,
  options: {
    organisationId: string;
    after: StreamPosition | null;
    limit: number;
    types?: readonly string[];
    resourceId?: string | null;
    customerId?: string | null;
  },
): Promise<EventRow[]> {
  const { after } = options;
  const rows = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.organisationId, options.organisationId),
        after ? sql`(${events.transactionId}, ${events.position}) > (${after.transactionId}::bigint, ${after.position}::bigint)` : undefined,
        sql`${events.transactionId} < ${settledBelow}`,
        options.resourceId ? eq(events.resourceId, options.resourceId) : undefined,
        options.customerId ? eq(events.customerId, options.customerId) : undefined,
        typesCondition(options.types ?? []),
      ),
    )
    .orderBy(asc(events.transactionId), asc(events.position))
    .limit(options.limit);
  // The SQL and the in-process matching (webhooks, subscriptions) must agree.
  return rows.filter((r) => matchesEventTypes(r.type, options.types ?? []));
}
