// Webhook endpoints an organisation's admins register, and the delivery of each event to each of them.
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, organisationId, timestamps, version } from '../db/columns';
import { events } from '../events/tables';

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    organisationId: organisationId(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types sent (`customer.created`, or `customer.*` for all of a resource's); empty: every type. */
    eventTypes: text('event_types')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** `whsec_` and base64 key bytes (the Standard Webhooks form); shown once, when made or rotated. */
    secret: text('secret').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Why it was disabled: by an admin, or after repeated failures. */
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /** Failed attempts in a row (any delivery); a success resets it. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** Where dispatch goes on in the event stream: (transaction, position) of the last event considered. */
    cursorTransactionId: bigint('cursor_transaction_id', { mode: 'number' }).notNull(),
    cursorPosition: bigint('cursor_position', { mode: 'number' }).notNull(),
    createdByUserId: uuid('created_by_user_id'),
    ...timestamps(),
    version: version(),
  },
  (t) => [index('webhook_endpoints_organisation_idx').on(t.organisationId, t.createdAt)],
);

export const webhookDeliveryStatuses = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    organisationId: organisationId(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    /** Copied from the event: deliveries of one resource to one endpoint go in this order. */
    transactionId: bigint('transaction_id', { mode: 'number' }).notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    resourceId: uuid('resource_id').notNull(),
    status: text('status', { enum: webhookDeliveryStatuses }).notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
    /** While an instance is sending it: others leave it until then (a crashed sender's lease runs out). */
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastResponseStatus: integer('last_response_status'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_idx').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`status = 'PENDING'`),
    index('webhook_deliveries_order_idx')
      .on(t.endpointId, t.resourceId, t.transactionId, t.position)
      .where(sql`status = 'PENDING'`),
    index('webhook_deliveries_log_idx').on(t.endpointId, t.createdAt),
  ],
);

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
