// Idempotency keys (safe retries, CONVENTIONS "Safe retries"): one row per (organisation, mutation,
// key), written in the same transaction as the mutation's effect, holding what is needed to answer a
// retry with the first result. A retry with another input under the same key is refused.
import { sql } from 'drizzle-orm';
import { jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, organisationId } from '../db/columns';
import { users } from '../tenancy/tables';

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: id(),
    organisationId: organisationId(),
    /** The client's key, as sent. */
    key: text('key').notNull(),
    /** The mutation's name, e.g. `changeCustomerStatus`: the same key may be used once per mutation. */
    operation: text('operation').notNull(),
    /** sha256 (hex) of the canonical JSON of the mutation input without the key. */
    requestHash: text('request_hash').notNull(),
    /** The user who first used the key: another user's retry is refused, so a stored result never reaches someone else. */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** The stored result; null only while the first call's transaction is still running. */
    response: jsonb('response').$type<unknown>(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [uniqueIndex('idempotency_keys_organisation_operation_key').on(t.organisationId, t.operation, t.key)],
);

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
