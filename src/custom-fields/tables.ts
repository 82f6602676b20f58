// Custom field definitions (issue item 6): the organisation's own extra fields on leads, customers
// and contacts. Values live in each record's `custom_fields` jsonb, keyed by the definition's key;
// src/custom-fields/validate.ts checks them against these definitions.
import { sql } from 'drizzle-orm';
import { boolean, integer, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, organisationId, timestamps, version } from '../db/columns';

export const customFieldTypes = ['TEXT', 'NUMBER', 'DATE', 'BOOLEAN', 'SINGLE_SELECT', 'MULTI_SELECT'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];
export const customFieldTypeEnum = pgEnum('custom_field_type', customFieldTypes);

/** The records a custom field can be enabled for, each independently. */
export const customFieldEntities = ['LEAD', 'CUSTOMER', 'CONTACT'] as const;
export type CustomFieldEntity = (typeof customFieldEntities)[number];

export const customFieldDefinitions = pgTable(
  'custom_field_definitions',
  {
    id: id(),
    organisationId: organisationId(),
    /** Machine name: the key of the value in `custom_fields`; unique in the organisation, never changed. */
    key: text('key').notNull(),
    label: text('label').notNull(),
    /** Fixed once created: stored values were checked against it. */
    type: customFieldTypeEnum('type').notNull(),
    /** The choices of a SINGLE_SELECT or MULTI_SELECT field; empty for the other types. */
    options: text('options')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    groupName: text('group_name'),
    position: integer('position').notNull().default(0),
    enabledFor: text('enabled_for').array().$type<CustomFieldEntity[]>().notNull(),
    required: boolean('required').notNull().default(false),
    /** Shown on record summaries (lists, cards). */
    promoted: boolean('promoted').notNull().default(false),
    /** A deactivated field keeps its stored values but takes no new ones. */
    active: boolean('active').notNull().default(true),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('custom_field_definitions_organisation_key').on(t.organisationId, t.key)],
);

export type CustomFieldDefinitionRow = typeof customFieldDefinitions.$inferSelect;
