// Service plans (docs/domain.md#service-plans): the organisation's plan definitions (the tasks done
// and materials used on each visit, the price per billing period, the warranty) and the plans
// customers hold, each from a start to an expiry date and covering some of the customer's own work
// addresses. A held plan sits under its customer: visibility, merge and deletion go by `customer_id`.
import { sql } from 'drizzle-orm';
import { bigint, boolean, char, date, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { workAddresses } from '../work-addresses/tables';

/** How often a price is charged: a plan's and a contract's (src/contracts/tables.ts). */
export const billingFrequencies = ['MONTHLY', 'QUARTERLY', 'ANNUALLY'] as const;
export const billingFrequencyEnum = pgEnum('billing_frequency', billingFrequencies);

/** A held plan's or a contract's stored state; EXPIRED is derived from the dates (see the SDL). */
export const agreementStatusEnum = pgEnum('agreement_status', ['ACTIVE', 'CANCELLED']);

export type ServicePlanMaterial = { description: string; quantity: number };

export const servicePlans = pgTable(
  'service_plans',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    /** What is done on each visit, in order. */
    tasks: jsonb('tasks').$type<string[]>().notNull().default([]),
    /** What each visit uses. */
    materials: jsonb('materials').$type<ServicePlanMaterial[]>().notNull().default([]),
    /** The price charged every billing period, in minor units of `currency`. */
    priceMinor: bigint('price_minor', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    billingFrequency: billingFrequencyEnum('billing_frequency').notNull(),
    /** Months of warranty on the work done under the plan (0: none). */
    warrantyMonths: integer('warranty_months').notNull().default(0),
    archived: boolean('archived').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('service_plans_name_key').on(t.organisationId, sql`lower(${t.name})`)],
);

export const customerServicePlans = pgTable(
  'customer_service_plans',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    planId: uuid('plan_id')
      .notNull()
      .references(() => servicePlans.id, { onDelete: 'restrict' }),
    startDate: date('start_date').notNull(),
    expiryDate: date('expiry_date').notNull(),
    status: agreementStatusEnum('status').notNull().default('ACTIVE'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    // The lists' sort key (loaders.ts: the expiry date as a day number), so each list is one index scan.
    index('customer_service_plans_customer_idx').on(t.customerId, sql`(${t.expiryDate} - date '2000-01-01')`, t.id),
    index('customer_service_plans_expiring_idx')
      .on(t.organisationId, sql`(${t.expiryDate} - date '2000-01-01')`, t.id)
      .where(sql`${t.status} = 'ACTIVE'`),
    index('customer_service_plans_plan_idx').on(t.planId),
  ],
);

/** The work addresses a held plan covers (each one of the plan's customer's). */
export const customerServicePlanWorkAddresses = pgTable(
  'customer_service_plan_work_addresses',
  {
    customerServicePlanId: uuid('customer_service_plan_id')
      .notNull()
      .references(() => customerServicePlans.id, { onDelete: 'cascade' }),
    workAddressId: uuid('work_address_id')
      .notNull()
      .references(() => workAddresses.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.customerServicePlanId, t.workAddressId] }), index('customer_service_plan_work_addresses_wa_idx').on(t.workAddressId)],
);

export type ServicePlanRow = typeof servicePlans.$inferSelect;
export type CustomerServicePlanRow = typeof customerServicePlans.$inferSelect;
