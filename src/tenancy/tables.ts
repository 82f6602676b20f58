// Organisations (tenants), their users and the API tokens users authenticate with.
import { sql } from 'drizzle-orm';
import { char, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { roles } from '../auth/roles';

/** The roles are auth's (src/auth/roles.ts), where the rules name sets of them. */
export const roleEnum = pgEnum('user_role', roles);

export const organisations = pgTable('organisations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** ISO 4217 code money is kept in unless a record says otherwise. */
  currency: char('currency', { length: 3 }).notNull().default('GBP'),
  /** BCP 47 locale used to format money and dates for people. */
  locale: text('locale').notNull().default('en-GB'),
  /**
   * How invoices to an invoice address are addressed: a template with tags (src/invoice-addresses/format.ts);
   * null for the default.
   */
  invoiceAddressFormat: text('invoice_address_format'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /**
   * Moves on with every change of the organisation's settings (the invoice address format, the service
   * case SLA defaults, the order of its customer statuses): their mutations take it as `expectedVersion`.
   * Written here, not with db/columns' `version()`, which imports this file.
   */
  version: integer('version').notNull().default(1),
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: roleEnum('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    /** For optimistic concurrency (`expectedVersion` of updateUser). */
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('users_organisation_email_key').on(t.organisationId, sql`lower(${t.email})`)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the token; the token itself is shown once and never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** For optimistic concurrency (`expectedVersion` of revokeApiToken). */
    version: integer('version').notNull().default(1),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

/**
 * No longer written: earlier versions kept the demo organisation's tokens here in plain text. Every
 * start now empties it and revokes what it held (src/demo/demo-organisation.ts); a later migration
 * can drop it.
 */
export const demoCredentials = pgTable('demo_credentials', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  organisationId: uuid('organisation_id')
    .notNull()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  token: text('token').notNull(),
});

export type OrganisationRow = typeof organisations.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type { Role } from '../auth/roles';
