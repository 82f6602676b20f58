// Addresses (docs/domain.md#addresses) of a lead or of a customer, typed, with at most one default per
// owner and type.
import { sql } from 'drizzle-orm';
import { boolean, check, index, pgEnum, pgTable, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, postalAddress, timestamps, version } from '../db/columns';
import { duplicateKeys } from '../duplicates/keys';
import { leads } from '../leads/tables';

export const addressTypeEnum = pgEnum('address_type', ['BILLING', 'SHIPPING', 'TRADING']);

export const addresses = pgTable(
  'addresses',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    type: addressTypeEnum('type').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    ...postalAddress(),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    check('addresses_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    index('addresses_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('addresses_lead_idx').on(t.leadId, t.createdAt, t.id),
    uniqueIndex('addresses_one_default_per_customer_type')
      .on(t.customerId, t.type)
      .where(sql`${t.isDefault} and ${t.customerId} is not null`),
    uniqueIndex('addresses_one_default_per_lead_type')
      .on(t.leadId, t.type)
      .where(sql`${t.isDefault} and ${t.leadId} is not null`),
    // Possible duplicates (src/duplicates/): the same postcode and line 1, normalised.
    // (Not partial: PostgreSQL estimates from a partial index's statistics no row count.)
    index('addresses_address_key_idx').on(t.organisationId, duplicateKeys.address(t.postcode, t.line1)),
  ],
);

export type AddressRow = typeof addresses.$inferSelect;
export type AddressType = (typeof addressTypeEnum.enumValues)[number];
