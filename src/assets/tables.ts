// Assets and appliances (docs/domain.md#assets) installed for a customer, optionally at one of its work
// addresses, with organisation-level reference lists: groups, makes and models, fuel types, locations.
import { sql } from 'drizzle-orm';
import { date, index, integer, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { workAddresses } from '../work-addresses/tables';

/** One organisation-level list of names (asset groups, fuel types, locations, makes). */
function referenceList(name: string) {
  return pgTable(
    name,
    {
      id: id(),
      organisationId: organisationId(),
      name: text('name').notNull(),
      version: version(),
      ...timestamps(),
    },
    (t) => [uniqueIndex(`${name}_name_key`).on(t.organisationId, sql`lower(${t.name})`)],
  );
}

export const assetGroups = referenceList('asset_groups');
export const assetMakes = referenceList('asset_makes');
export const fuelTypes = referenceList('fuel_types');
export const assetLocations = referenceList('asset_locations');

export const assetModels = pgTable(
  'asset_models',
  {
    id: id(),
    organisationId: organisationId(),
    makeId: uuid('make_id')
      .notNull()
      .references(() => assetMakes.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('asset_models_name_key').on(t.makeId, sql`lower(${t.name})`)],
);

export const assets = pgTable(
  'assets',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    workAddressId: uuid('work_address_id').references(() => workAddresses.id, { onDelete: 'set null' }),
    groupId: uuid('group_id').references(() => assetGroups.id, { onDelete: 'restrict' }),
    makeId: uuid('make_id').references(() => assetMakes.id, { onDelete: 'restrict' }),
    modelId: uuid('model_id').references(() => assetModels.id, { onDelete: 'restrict' }),
    fuelTypeId: uuid('fuel_type_id').references(() => fuelTypes.id, { onDelete: 'restrict' }),
    locationId: uuid('location_id').references(() => assetLocations.id, { onDelete: 'restrict' }),
    description: text('description'),
    technicalReference: text('technical_reference'),
    serialNumber: text('serial_number'),
    quantity: integer('quantity').notNull().default(1),
    startDate: date('start_date'),
    renewalDate: date('renewal_date'),
    /** The sales order line it came from (the conversions issue adds sales orders). */
    salesOrderLineId: uuid('sales_order_line_id'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    index('assets_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('assets_work_address_idx').on(t.workAddressId),
    // expiringSoon (src/renewals/loaders.ts): assets by renewal date.
    index('assets_renewal_date_idx')
      .on(t.organisationId, t.renewalDate)
      .where(sql`${t.renewalDate} is not null`),
  ],
);

/**
 * How a sale relates to an asset the customer has (docs/domain.md#renewals-and-upgrades): it renews
 * it (a like-for-like replacement, a new term) or upgrades it. Opportunities and quote lines carry it.
 */
export const assetLinkKindEnum = pgEnum('asset_link_kind', ['RENEWAL', 'UPGRADE']);

export type AssetRow = typeof assets.$inferSelect;
export type AssetLinkKind = (typeof assetLinkKindEnum.enumValues)[number];
export type AssetModelRow = typeof assetModels.$inferSelect;
export type ReferenceItemRow = typeof assetGroups.$inferSelect;
