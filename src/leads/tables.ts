// Leads (prospects), docs/domain.md#leads. A converted lead stays, read-only, linked to the customer it
// became.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { duplicateKeys } from '../duplicates/keys';
import { users } from '../tenancy/tables';

export const leadStatusEnum = pgEnum('lead_status', ['NEW', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST']);

export const leads = pgTable(
  'leads',
  {
    id: id(),
    organisationId: organisationId(),
    /** Company name, or the person's name for a private lead. */
    name: text('name').notNull(),
    isPrivate: boolean('is_private').notNull().default(false),
    businessType: text('business_type'),
    industry: text('industry'),
    employees: integer('employees'),
    vatNumber: text('vat_number'),
    website: text('website'),
    leadSource: text('lead_source'),
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    status: leadStatusEnum('status').notNull().default('NEW'),
    lostReason: text('lost_reason'),
    convertedCustomerId: uuid('converted_customer_id').references(() => customers.id, { onDelete: 'set null' }),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    convertedById: uuid('converted_by_id').references(() => users.id, { onDelete: 'set null' }),
    customFields: jsonb('custom_fields').$type<Record<string, unknown>>().notNull().default({}),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    index('leads_organisation_name_idx').on(t.organisationId, sql`lower(${t.name}) collate "C"`, t.id),
    index('leads_organisation_created_idx').on(t.organisationId, t.createdAt, t.id),
    index('leads_organisation_updated_idx').on(t.organisationId, t.updatedAt, t.id),
    index('leads_owner_idx').on(t.ownerId),
    // Possible duplicates (src/duplicates/): names by trigram similarity, VAT numbers normalised.
    index('leads_duplicate_name_idx').using('gin', sql`${duplicateKeys.name(t.name)} gin_trgm_ops`),
    // (Not partial: PostgreSQL estimates from a partial index's statistics no row count.)
    index('leads_vat_number_key_idx').on(t.organisationId, duplicateKeys.vatNumber(t.vatNumber)),
  ],
);

export type LeadRow = typeof leads.$inferSelect;
export type LeadStatus = (typeof leadStatusEnum.enumValues)[number];
