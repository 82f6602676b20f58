// Service cases (docs/domain.md#service-cases): support tickets about a customer, optionally about one
// of its assets and/or work addresses, numbered per organisation (CASE-000123), with a status, a
// priority, SLA deadlines, an assignee and an append-only list of notes.
//
// A case's respond-by and resolve-by deadlines are fixed when it is opened (given, or worked out from
// the organisation's defaults per priority, src/service-cases/sla.ts). `respondedAt` is when it first
// left OPEN and `resolvedAt` when it was last resolved or closed: the breach state compares them (or
// the current time while they are unset) with the deadlines. Notes copy their case's customer into
// `customer_id`, so they follow that customer's visibility and move with a merge like the case.
import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { assets } from '../assets/tables';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';

export const serviceCaseStatusEnum = pgEnum('service_case_status', ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED']);
export const serviceCasePriorityEnum = pgEnum('service_case_priority', ['LOW', 'NORMAL', 'HIGH', 'URGENT']);

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const serviceCases = pgTable(
  'service_cases',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The asset the case is about (one of the customer's); an asset deleted later leaves the case on the customer. */
    assetId: uuid('asset_id').references(() => assets.id, { onDelete: 'set null' }),
    /** The property the case is about (one of the customer's). */
    workAddressId: uuid('work_address_id').references(() => workAddresses.id, { onDelete: 'set null' }),
    /** Per organisation, from the `SERVICE_CASE` number sequence; shown as CASE-000123. */
    number: integer('number').notNull(),
    subject: text('subject').notNull(),
    description: text('description'),
    status: serviceCaseStatusEnum('status').notNull().default('OPEN'),
    priority: serviceCasePriorityEnum('priority').notNull().default('NORMAL'),
    respondBy: at('respond_by'),
    resolveBy: at('resolve_by'),
    respondedAt: at('responded_at'),
    resolvedAt: at('resolved_at'),
    assigneeUserId: uuid('assignee_user_id').references(() => users.id, { onDelete: 'set null' }),
    openedByUserId: uuid('opened_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('service_cases_number_key').on(t.organisationId, t.number),
    // Lists are newest first (loaders.ts): the customer's, the asset's, the work address's, the organisation's.
    index('service_cases_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('service_cases_asset_idx').on(t.assetId, t.createdAt, t.id),
    index('service_cases_work_address_idx').on(t.workAddressId, t.createdAt, t.id),
    index('service_cases_organisation_idx').on(t.organisationId, t.createdAt, t.id),
    index('service_cases_assignee_idx')
      .on(t.assigneeUserId)
      .where(sql`${t.status} not in ('RESOLVED', 'CLOSED')`),
  ],
);

/** What was said or done on a case: written once, never edited (append-only). */
export const serviceCaseNotes = pgTable(
  'service_case_notes',
  {
    id: id(),
    organisationId: organisationId(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => serviceCases.id, { onDelete: 'cascade' }),
    /** The case's customer, copied from it (visibility, merge and deletion go by it). */
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    body: text('body').notNull(),
    authorUserId: uuid('author_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: at('created_at')
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [index('service_case_notes_case_idx').on(t.caseId, t.createdAt, t.id), index('service_case_notes_customer_idx').on(t.customerId)],
);

export type ServiceCaseRow = typeof serviceCases.$inferSelect;
export type ServiceCaseNoteRow = typeof serviceCaseNotes.$inferSelect;
export type ServiceCaseStatus = (typeof serviceCaseStatusEnum.enumValues)[number];
export type ServiceCasePriority = (typeof serviceCasePriorityEnum.enumValues)[number];

/**
 * The organisation's SLA for cases of one priority, in hours from opening: a case opened without
 * deadlines gets these (or the built-in ones, sla.ts, for a priority the organisation has not set).
 */
export const serviceCaseSlaDefaults = pgTable(
  'service_case_sla_defaults',
  {
    organisationId: organisationId(),
    priority: serviceCasePriorityEnum('priority').notNull(),
    respondWithinHours: integer('respond_within_hours').notNull(),
    resolveWithinHours: integer('resolve_within_hours').notNull(),
    updatedAt: at('updated_at')
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.priority] })],
);

export type ServiceCaseSlaDefaultRow = typeof serviceCaseSlaDefaults.$inferSelect;
