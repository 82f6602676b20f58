// The audit trail: every change, by whom and when, with the record before and after.
import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { organisationId } from '../db/columns';
import { leads } from '../leads/tables';
import { users } from '../tenancy/tables';

export const auditEntries = pgTable(
  'audit_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    organisationId: organisationId(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Set when a portal token made the change (its customer's contact details, a payment). */
    actorPortalTokenId: uuid('actor_portal_token_id'),
    /** e.g. `customer.create`, `contact.update`. */
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_entries_entity_idx').on(t.organisationId, t.entityId, t.id)],
);

/**
 * Every read of one customer record (by id: `customer`, `node`, `nodes`) by a user or portal token.
 * No foreign keys: the log outlives the records and users it names.
 */
export const recordReads = pgTable(
  'record_reads',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    organisationId: organisationId(),
    customerId: uuid('customer_id').notNull(),
    readerUserId: uuid('reader_user_id'),
    readerPortalTokenId: uuid('reader_portal_token_id'),
    requestId: text('request_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('record_reads_customer_idx').on(t.organisationId, t.customerId, t.id)],
);

/**
 * Rows deleted from under a customer or lead (a contact, a note, an asset…): whose they were, so that
 * their audit entries, the deletion's among them, stay in the record's trail after the row that
 * linked them is gone. Written by `recordAudit` with every `*.delete` entry; a record child itself
 * (src/audit/index.ts), so it moves with a merge and goes when the customer is deleted.
 */
export const auditDeletedRows = pgTable(
  'audit_deleted_rows',
  {
    /** The deleted row's id: the `entity_id` of its audit entries. */
    id: uuid('id').primaryKey(),
    organisationId: organisationId(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    entityType: text('entity_type').notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_deleted_rows_customer_idx').on(t.customerId), index('audit_deleted_rows_lead_idx').on(t.leadId)],
);

export type AuditEntryRow = typeof auditEntries.$inferSelect;
export type RecordReadRow = typeof recordReads.$inferSelect;
