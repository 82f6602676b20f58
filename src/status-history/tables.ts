// Status history and transition rules (docs/domain.md#status-history-and-transition-rules): one row
// per change of a customer's status or a lead's status, written in the same transaction as the
// change; and the organisation's rules restricting which roles may make which changes.
import { sql } from 'drizzle-orm';
import { bigserial, check, index, pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { customers, customerStatuses } from '../customers/tables';
import { id, organisationId, version } from '../db/columns';
import { leads, leadStatusEnum } from '../leads/tables';
import { roleEnum, users } from '../tenancy/tables';

/** What made a status change: the workflow that wrote it. */
export const statusChangeSources = ['CREATED', 'IMPORTED', 'CHANGED', 'DEACTIVATED', 'REACTIVATED', 'MERGED', 'CONVERTED'] as const;
export const statusChangeSourceEnum = pgEnum('status_change_source', statusChangeSources);
export type StatusChangeSource = (typeof statusChangeSources)[number];

/**
 * A customer's status changes, in the order of writing (`seq`). `customerId` is the
 * customer the row sits under now (a merge moves a merged customer's history to the survivor);
 * `recordedForId` is the customer it was written for and never changes, so a survivor's history
 * tells its own changes from those that came with a merge. No foreign key on it: the merged id
 * lives on only as a tombstone.
 */
export const customerStatusChanges = pgTable(
  'customer_status_changes',
  {
    id: id(),
    /** The order of writing: a record's changes sort by it (several can share one transaction's time). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    recordedForId: uuid('recorded_for_id').notNull(),
    /** Null for a customer's first status (created, imported, converted from a lead). */
    fromStatusId: uuid('from_status_id').references(() => customerStatuses.id),
    toStatusId: uuid('to_status_id')
      .notNull()
      .references(() => customerStatuses.id),
    changedById: uuid('changed_by_id').references(() => users.id, { onDelete: 'set null' }),
    source: statusChangeSourceEnum('source').notNull(),
    note: text('note'),
    changedAt: timestamp('changed_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [index('customer_status_changes_customer_idx').on(t.customerId, t.seq)],
);

/** A lead's status changes, as for customers (a lead is never merged). */
export const leadStatusChanges = pgTable(
  'lead_status_changes',
  {
    id: id(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    organisationId: organisationId(),
    leadId: uuid('lead_id')
      .notNull()
      .references(() => leads.id, { onDelete: 'cascade' }),
    /** Null for a lead's first status (NEW when it was recorded). */
    fromStatus: leadStatusEnum('from_status'),
    toStatus: leadStatusEnum('to_status').notNull(),
    changedById: uuid('changed_by_id').references(() => users.id, { onDelete: 'set null' }),
    source: statusChangeSourceEnum('source').notNull(),
    note: text('note'),
    changedAt: timestamp('changed_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [index('lead_status_changes_lead_idx').on(t.leadId, t.seq)],
);

/**
 * The organisation's restrictions on customer status changes: a change matching a rule (from its
 * `fromStatusId`, or from any status when null, a new customer's first status included; to its
 * `toStatusId`, or any) may be made only by the roles it lists: none listed, by nobody. One rule per
 * pair (nulls count as equal).
 */
export const customerStatusTransitionRules = pgTable(
  'customer_status_transition_rules',
  {
    id: id(),
    organisationId: organisationId(),
    fromStatusId: uuid('from_status_id').references(() => customerStatuses.id, { onDelete: 'cascade' }),
    toStatusId: uuid('to_status_id').references(() => customerStatuses.id, { onDelete: 'cascade' }),
    allowedRoles: roleEnum('allowed_roles').array().notNull(),
    reason: text('reason'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** Rules are never changed, only deleted: 1 until they can be edited; `expectedVersion` of a deletion compares it. */
    version: version(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [
    unique('customer_status_transition_rules_pair_key').on(t.organisationId, t.fromStatusId, t.toStatusId).nullsNotDistinct(),
    check('customer_status_transition_rules_not_same', sql`${t.fromStatusId} is distinct from ${t.toStatusId} or ${t.fromStatusId} is null`),
  ],
);

/** The same restrictions on lead status changes (from a status or any, to a status or any). */
export const leadStatusTransitionRules = pgTable(
  'lead_status_transition_rules',
  {
    id: id(),
    organisationId: organisationId(),
    fromStatus: leadStatusEnum('from_status'),
    toStatus: leadStatusEnum('to_status'),
    allowedRoles: roleEnum('allowed_roles').array().notNull(),
    reason: text('reason'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** Rules are never changed, only deleted: 1 until they can be edited; `expectedVersion` of a deletion compares it. */
    version: version(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [
    unique('lead_status_transition_rules_pair_key').on(t.organisationId, t.fromStatus, t.toStatus).nullsNotDistinct(),
    check('lead_status_transition_rules_not_same', sql`${t.fromStatus} is distinct from ${t.toStatus} or ${t.fromStatus} is null`),
  ],
);

export type CustomerStatusChangeRow = typeof customerStatusChanges.$inferSelect;
export type LeadStatusChangeRow = typeof leadStatusChanges.$inferSelect;
export type CustomerStatusTransitionRuleRow = typeof customerStatusTransitionRules.$inferSelect;
export type LeadStatusTransitionRuleRow = typeof leadStatusTransitionRules.$inferSelect;
