// Column shapes every tenant table shares: a uuid key, its organisation, timestamps and a version
// for optimistic concurrency (`expectedVersion` in update mutations).
import { sql } from 'drizzle-orm';
import { char, doublePrecision, integer, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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

/** A postal address (D3): lines, town, county, postcode, ISO country, optional what3words and coordinates. */
export const postalAddress = () => ({
  line1: text('line1').notNull(),
  line2: text('line2'),
  line3: text('line3'),
  town: text('town'),
  county: text('county'),
  postcode: text('postcode'),
  country: char('country', { length: 2 }).notNull(),
  what3words: text('what3words'),
  latitude: doublePrecision('latitude'),
  longitude: doublePrecision('longitude'),
});
