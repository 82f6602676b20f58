// Customers and the organisation-level lists that classify them (docs/domain.md#customers): types,
// statuses, business units.
import { sql } from 'drizzle-orm';
import { bigint, boolean, char, timestamp, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { id, organisationId, timestamps, version } from '../db/columns';
import { duplicateKeys } from '../duplicates/keys';
import { users } from '../tenancy/tables';

export const customerStageEnum = pgEnum('customer_stage', ['PENDING', 'LIVE']);

/** Fields a customer type may require (validated on create and on type change). */
export const customerTypeRequirableFields = ['VAT_NUMBER', 'PRIMARY_CONTACT', 'BILLING_ADDRESS', 'THIRD_PARTY_REFERENCE'] as const;

export const customerTypes = pgTable(
  'customer_types',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    /** Private customers have one primary contact; companies do not. */
    allowsPrimaryContact: boolean('allows_primary_contact').notNull().default(false),
    requiredFields: text('required_fields')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    position: integer('position').notNull().default(0),
    /** Archived types keep their customers but are offered for no new ones (docs/domain.md#customer-types). */
    archived: boolean('archived').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  // Names are unique per organisation ignoring case ("Landlord" and "landlord" are one type).
  (t) => [uniqueIndex('customer_types_organisation_name_key').on(t.organisationId, sql`lower(${t.name})`)],
);

export const customerStatuses = pgTable(
  'customer_statuses',
  {
    id: id(),
    organisationId: organisationId(),
    /** One letter shown beside the name in lists (P, H, C, A, D, Z, I in the seed list). */
    code: char('code', { length: 1 }).notNull(),
    name: text('name').notNull(),
    active: boolean('active').notNull(),
    allowsNewWork: boolean('allows_new_work').notNull(),
    automatedCommunications: boolean('automated_communications').notNull(),
    /** The status new customers get when none is chosen. */
    isDefault: boolean('is_default').notNull().default(false),
    /**
     * Marks the status that dormancy workflows (deactivate, docs/domain.md#status-workflows) move a
     * customer to.
     */
    isDormant: boolean('is_dormant').notNull().default(false),
    position: integer('position').notNull().default(0),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('customer_statuses_organisation_code_key').on(t.organisationId, t.code),
    uniqueIndex('customer_statuses_one_default')
      .on(t.organisationId)
      .where(sql`${t.isDefault}`),
    // Deactivation (docs/domain.md#status-workflows) moves a customer to "the" dormant status: at most
    // one per organisation.
    uniqueIndex('customer_statuses_one_dormant')
      .on(t.organisationId)
      .where(sql`${t.isDormant}`),
  ],
);

/** The organisation's own branches; each customer is managed by one. */
export const businessUnits = pgTable(
  'business_units',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    /** Archived units keep their customers but are offered for no new ones. */
    archived: boolean('archived').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  // Names are unique per organisation ignoring case.
  (t) => [uniqueIndex('business_units_organisation_name_key').on(t.organisationId, sql`lower(${t.name})`)],
);

export const customers = pgTable(
  'customers',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    typeId: uuid('type_id')
      .notNull()
      .references(() => customerTypes.id),
    statusId: uuid('status_id')
      .notNull()
      .references(() => customerStatuses.id),
    stage: customerStageEnum('stage').notNull().default('LIVE'),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    parentCustomerId: uuid('parent_customer_id').references((): AnyPgColumn => customers.id, { onDelete: 'set null' }),
    businessUnitId: uuid('business_unit_id').references(() => businessUnits.id, { onDelete: 'set null' }),
    vatNumber: text('vat_number'),
    creditLimitMinor: bigint('credit_limit_minor', { mode: 'number' }),
    currency: char('currency', { length: 3 }).notNull(),
    creditorDays: integer('creditor_days').notNull().default(30),
    priceBook: text('price_book'),
    advertisingSource: text('advertising_source'),
    buildingType: text('building_type'),
    vacantProperty: boolean('vacant_property').notNull().default(false),
    afterSalesCommunication: boolean('after_sales_communication').notNull().default(true),
    thirdPartyReference: text('third_party_reference'),
    customFields: jsonb('custom_fields').$type<Record<string, unknown>>().notNull().default({}),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    /**
     * Set by `anonymiseCustomer` (docs/domain.md#deleting-and-anonymising-customers): personal data
     * removed, the ledger kept.
     */
    anonymisedAt: timestamp('anonymised_at', { withTimezone: true, mode: 'date' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    index('customers_organisation_name_idx').on(t.organisationId, sql`lower(${t.name}) collate "C"`, t.id),
    index('customers_organisation_created_idx').on(t.organisationId, t.createdAt, t.id),
    index('customers_organisation_updated_idx').on(t.organisationId, t.updatedAt, t.id),
    index('customers_status_idx').on(t.statusId),
    index('customers_parent_idx').on(t.parentCustomerId),
    // A customers import finds the record a row updates by its external key (src/import-export/customer-import.ts).
    index('customers_third_party_reference_idx')
      .on(t.organisationId, t.thirdPartyReference)
      .where(sql`${t.thirdPartyReference} is not null`),
    // Possible duplicates (src/duplicates/): names by trigram similarity, VAT numbers normalised.
    index('customers_duplicate_name_idx').using('gin', sql`${duplicateKeys.name(t.name)} gin_trgm_ops`),
    // (Not partial: PostgreSQL estimates from a partial index's statistics no row count.)
    index('customers_vat_number_key_idx').on(t.organisationId, duplicateKeys.vatNumber(t.vatNumber)),
  ],
);

/**
 * A customer merged into another (docs/domain.md#merging-customers): its row is gone from `customers`
 * (every child row moved to the survivor first), and its id resolves here to the survivor (`node`,
 * `customer`). When a survivor is later merged itself, its tombstones are re-pointed, so one hop always
 * reaches a live customer. `snapshot` keeps the merged record's own values as they were: nothing is
 * lost.
 */
export const customerTombstones = pgTable(
  'customer_tombstones',
  {
    /** The merged customer's id (its global id keeps working). */
    id: uuid('id').primaryKey(),
    organisationId: organisationId(),
    survivorId: uuid('survivor_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The customer it was merged into first (the survivor may have moved on since). */
    mergedIntoId: uuid('merged_into_id').notNull(),
    name: text('name').notNull(),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    mergedById: uuid('merged_by_id').references(() => users.id, { onDelete: 'set null' }),
    mergedAt: timestamp('merged_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
  },
  (t) => [index('customer_tombstones_survivor_idx').on(t.survivorId)],
);

export type CustomerRow = typeof customers.$inferSelect;
export type CustomerTypeRow = typeof customerTypes.$inferSelect;
export type CustomerStatusRow = typeof customerStatuses.$inferSelect;
export type CustomerTombstoneRow = typeof customerTombstones.$inferSelect;
export type BusinessUnitRow = typeof businessUnits.$inferSelect;
