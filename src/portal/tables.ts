// Portal tokens: API tokens bound to one customer, for a customer's or partner's portal, carrying
// the permissions they grant. Stored as a SHA-256 hash, like users' tokens.
import { sql } from 'drizzle-orm';
import { index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { portalPermissions } from '../auth/roles';
import { customers } from '../customers/tables';
import { id, organisationId, version } from '../db/columns';
import { users } from '../tenancy/tables';

/** The permissions are auth's (src/auth/roles.ts): its rules check them. */
export const portalPermissionEnum = pgEnum('portal_permission', portalPermissions);

export const portalTokens = pgTable(
  'portal_tokens',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    permissions: portalPermissionEnum('permissions')
      .array()
      .notNull()
      .default(sql`'{}'`),
    createdByUserId: uuid('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedByUserId: uuid('revoked_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    version: version(),
  },
  (t) => [uniqueIndex('portal_tokens_hash_key').on(t.tokenHash), index('portal_tokens_customer_idx').on(t.customerId)],
);

export type PortalTokenRow = typeof portalTokens.$inferSelect;
export type { PortalPermission } from '../auth/roles';
