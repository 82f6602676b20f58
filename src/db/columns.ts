// Column shapes every tenant table shares: a uuid key, its organisation, timestamps and a version
// for optimistic concurrency (`expectedVersion` in update mutations).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { char, doublePrecision, integer, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../tenancy/tables';

export const id = () => uuid('id').primaryKey().defaultRandom();

/**
 * Ids for the rows of one multi-row insert, ascending: lists sorted "oldest first, then id" show
 * such rows in the order they were given even where their creation times tie (PGlite's clock is
 * coarser than PostgreSQL's, and one statement can stamp several rows with the same time).
 */
export function idsInOrder(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID()).sort();
}

export const organisationId = () =>
  uuid('organisation_id')
    .notNull()
    .references(() => organisations.id, { onDelete: 'cascade' });

/**
 * `clock_timestamp()`, not `now()`: rows created in one transaction (a customer's addresses) get
 * distinct, increasing times, so "oldest first" is the order they were created in.
 */
export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .default(sql`clock_timestamp()`),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .default(sql`clock_timestamp()`),
});

export const version = () => integer('version').notNull().default(1);

/**
 * A postal address (docs/domain.md#addresses): lines, town, county, postcode, ISO country, optional
 * what3words and coordinates.
 */
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
