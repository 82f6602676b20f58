// Who may see what beyond their role: delegated access grants to one lead or customer, and customer
// status security groups (the statuses a user may see and set).
import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers, customerStatuses } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { leads } from '../leads/tables';
import { users } from '../tenancy/tables';

/**
 * A user may see one lead or customer they would not otherwise see, from `startsAt` until `endsAt`.
 * Live means: not revoked, and now is within [startsAt, endsAt). The clock decides; no job runs.
 */
export const accessGrants = pgTable(
  'access_grants',
  {
    id: id(),
    organisationId: organisationId(),
    granteeUserId: uuid('grantee_user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    reason: text('reason').notNull(),
    grantedByUserId: uuid('granted_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedByUserId: uuid('revoked_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
    version: version(),
  },
  (t) => [
    check('access_grants_one_record', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    check('access_grants_period', sql`${t.endsAt} > ${t.startsAt}`),
    index('access_grants_grantee_customer_idx').on(t.granteeUserId, t.customerId),
    index('access_grants_grantee_lead_idx').on(t.granteeUserId, t.leadId),
    index('access_grants_customer_idx').on(t.customerId),
    index('access_grants_lead_idx').on(t.leadId),
  ],
);

/**
 * A named set of customer statuses. A user may choose, and change a customer from or to, only the
 * statuses of their groups. The system group stands for every status, including ones added later.
 */
export const statusGroups = pgTable(
  'status_groups',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    description: text('description'),
    /** The organisation's "All customer statuses" group: every status, always; cannot be edited or deleted. */
    isSystem: boolean('is_system').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('status_groups_name_key').on(t.organisationId, sql`lower(${t.name})`),
    uniqueIndex('status_groups_one_system_key')
      .on(t.organisationId)
      .where(sql`${t.isSystem}`),
  ],
);

export const statusGroupStatuses = pgTable(
  'status_group_statuses',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => statusGroups.id, { onDelete: 'cascade' }),
    statusId: uuid('status_id')
      .notNull()
      .references(() => customerStatuses.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.statusId] })],
);

export const userStatusGroups = pgTable(
  'user_status_groups',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => statusGroups.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.groupId] }), index('user_status_groups_group_idx').on(t.groupId)],
);

export type AccessGrantRow = typeof accessGrants.$inferSelect;
export type StatusGroupRow = typeof statusGroups.$inferSelect;
