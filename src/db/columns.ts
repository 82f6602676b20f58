// Column shapes every tenant table shares: a uuid key, its organisation, timestamps and a version
// for optimistic concurrency (`expectedVersion` in update mutations).
import { integer, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../organisations/tables';

export const id = () => uuid('id').primaryKey().defaultRandom();

export const organisationId = () =>
  uuid('organisation_id')
    .notNull()
    .references(() => organisations.id, { onDelete: 'cascade' });

export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const version = () => integer('version').notNull().default(1);
