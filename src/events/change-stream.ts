// The event outbox as the subscriptions' relay reads it (src/realtime/changes.ts): every
// organisation's events in stream order, only below the oldest transaction still running (the
// gap-free rule of stream.ts), without their payloads (a subscriber reads the record itself, with its
// own rights).
import { and, asc, desc, sql } from 'drizzle-orm';
import type { ChangeStream } from '../realtime/changes';
import { settledBelow } from './stream';
import { events } from './tables';

export const eventChangeStream: ChangeStream = {
  async end(db) {
    const [last] = await db
      .select({ transactionId: events.transactionId, position: events.position })
      .from(events)
      .where(sql`${events.transactionId} < ${settledBelow}`)
      .orderBy(desc(events.transactionId), desc(events.position))
      .limit(1);
    return last ?? { transactionId: 0, position: 0 };
  },
  async readAfter(db, after, limit) {
    const rows = await db
      .select({
        id: events.id,
        organisationId: events.organisationId,
        type: events.type,
        resourceType: events.resourceType,
        resourceId: events.resourceId,
        customerId: events.customerId,
        version: events.resourceVersion,
        occurredAt: events.occurredAt,
        actorUserId: events.actorUserId,
        transactionId: events.transactionId,
        position: events.position,
      })
      .from(events)
      .where(
        and(
          sql`(${events.transactionId}, ${events.position}) > (${after.transactionId}::bigint, ${after.position}::bigint)`,
          sql`${events.transactionId} < ${settledBelow}`,
        ),
      )
      .orderBy(asc(events.transactionId), asc(events.position))
      .limit(limit);
    return rows.map((r) => ({ ...r, occurredAt: r.occurredAt.toISOString() }));
  },
};
