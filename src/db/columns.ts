// Column shapes every tenant table shares: a uuid key, its organisation, timestamps and a version
// for optimistic concurrency (`expectedVersion` in update mutations).
import { sql } from 'drizzle-orm';
import { integer, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../organisations/tables';

export const id = () => uuid('id').primaryKey().defaultRandom();

export const organisationId = () =>
  uuid('organisation_id')
    .notNull()
    .references(() => organisations.id, { onDelete: 'cascade' });

/**
 * `clock_timestamp()`, not `now()`: rows created in one transaction (a customer's addresses) get
 * distinct, increasing times, so "oldest first" is the order they were created in.
 */
export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`clock_timestamp()`),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`clock_timestamp()`),
});

export const version = () => integer('version').notNull().default(1);
