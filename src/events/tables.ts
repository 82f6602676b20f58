// The transactional outbox: one event per audited change, written in the change's own transaction
// (src/audit/service.ts `recordAudit`), so an event exists exactly when its change committed.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisationId } from '../db/columns';

export const events = pgTable(
  'events',
  {
    /** The event's stable id: the same in the events list, every webhook delivery and every subscription message. */
    id: uuid('id').primaryKey().defaultRandom(),
    /**
     * The writing transaction's id (`pg_current_xact_id()`). Events are read in (transaction, position)
     * order and only below the oldest transaction still running, so a reader never passes an event that
     * a slower transaction is about to commit (src/events/stream.ts).
     */
    transactionId: bigint('transaction_id', { mode: 'number' })
      .notNull()
      .default(sql`(pg_current_xact_id()::text::bigint)`),
    /** Order within a transaction (and a tie-break). */
    position: bigserial('position', { mode: 'number' }).notNull(),
    organisationId: organisationId(),
    /** e.g. `customer.created`, `customer.statusChanged`, `invoice.issued` (src/events/types.ts). */
    type: text('type').notNull(),
    /** The audit action it came from, e.g. `customer.changeStatus`. */
    action: text('action').notNull(),
    /** The changed thing's GraphQL type and row id. */
    resourceType: text('resource_type').notNull(),
    resourceId: uuid('resource_id').notNull(),
    /** The customer whose record the change belongs to, when it belongs to one. */
    customerId: uuid('customer_id'),
    /** The resource's version after the change, when it has one. */
    resourceVersion: integer('resource_version'),
    /** `{ before, after }`, as in the audit trail. */
    payload: jsonb('payload').notNull(),
    actorUserId: uuid('actor_user_id'),
    actorPortalTokenId: uuid('actor_portal_token_id'),
    requestId: text('request_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [
    index('events_stream_idx').on(t.organisationId, t.transactionId, t.position),
    // The subscriptions' relay reads every organisation's events in order (src/realtime/changes.ts).
    index('events_relay_idx').on(t.transactionId, t.position),
    index('events_resource_idx').on(t.organisationId, t.resourceId, t.transactionId, t.position),
    index('events_customer_idx').on(t.organisationId, t.customerId, t.transactionId, t.position),
  ],
);

export type EventRow = typeof events.$inferSelect;
