// Work addresses (docs/domain.md#work-addresses): properties where work is done for a customer. They
// carry no financial responsibility (invoices belong to the customer). Each has an occupier, and may
// have a landlord and a branch.
import { sql } from 'drizzle-orm';
import { boolean, index, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { branches } from '../branches/tables';
import { customers } from '../customers/tables';
import { id, organisationId, postalAddress, timestamps, version } from '../db/columns';

export const workAddressStatusEnum = pgEnum('work_address_status', ['ACTIVE', 'DORMANT']);

export const workAddresses = pgTable(
  'work_addresses',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    branchId: uuid('branch_id').references(() => branches.id, { onDelete: 'set null' }),
    /**
     * The landlord: another customer of the organisation. Not `customerId`-shaped on purpose: the
     * work address follows its own customer's visibility; the landlord is shown only to those who
     * may see that customer.
     */
    landlordCustomerId: uuid('landlord_customer_id').references(() => customers.id, { onDelete: 'set null' }),
    /** Invoices for work here go to the landlord's address rather than the customer's. */
    landlordIsInvoiceAddress: boolean('landlord_is_invoice_address').notNull().default(false),
    ...postalAddress(),
    status: workAddressStatusEnum('status').notNull().default('ACTIVE'),
    occupierTitle: text('occupier_title'),
    occupierFirstName: text('occupier_first_name'),
    occupierSurname: text('occupier_surname').notNull().default('Occupier'),
    occupierEmail: text('occupier_email'),
    occupierPhone: text('occupier_phone'),
    buildingType: text('building_type'),
    vacantProperty: boolean('vacant_property').notNull().default(false),
    afterSalesCommunication: boolean('after_sales_communication').notNull().default(true),
    /** Free-form preferences (access notes, preferred days…). */
    preferences: text('preferences'),
    /**
     * The work address's reference in another system (a property id, a landlord's unit number): the
     * key a CSV import matches to update instead of duplicating. Unique in the organisation among
     * the non-null ones (not per customer: a merge moves work addresses between customers, and must
     * never meet a clash).
     */
    reference: text('reference'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    index('work_addresses_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('work_addresses_branch_idx').on(t.branchId, t.createdAt, t.id),
    index('work_addresses_landlord_idx').on(t.landlordCustomerId),
    uniqueIndex('work_addresses_reference_key')
      .on(t.organisationId, t.reference)
      .where(sql`${t.reference} is not null`),
    index('work_addresses_postcode_idx').on(t.organisationId, sql`upper(replace(${t.postcode}, ' ', ''))`),
  ],
);

export type WorkAddressRow = typeof workAddresses.$inferSelect;
