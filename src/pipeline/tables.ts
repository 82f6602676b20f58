// The sales pipeline (docs/domain.md#sales-pipeline): opportunities and quotes on a lead or a customer,
// sales orders raised from signed quotes, and jobs and estimates at a customer's work address. Amounts
// are integers in minor units; quote and order totals are derived from their lines (as invoices',
// src/invoices), never stored. Quote and order numbers are sequential per organisation without gaps.
import { sql } from 'drizzle-orm';
import { bigint, boolean, char, check, date, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { assetGroups, assetLinkKindEnum, assetMakes, assetModels, assets } from '../assets/tables';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { leads } from '../leads/tables';
import { jobPriorityEnum, slas } from '../slas/tables';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';

export const opportunityStageEnum = pgEnum('opportunity_stage', ['OPEN', 'WON', 'LOST']);
export const quoteStatusEnum = pgEnum('quote_status', ['DRAFT', 'SENT', 'SIGNED', 'DECLINED']);
export const salesOrderStatusEnum = pgEnum('sales_order_status', ['OPEN', 'COMPLETED', 'CANCELLED']);
/**
 * OPEN → SCHEDULED (rescheduling stays SCHEDULED) → COMPLETED | ABORTED; OPEN or SCHEDULED → CANCELLED
 * (docs/domain.md#the-work-lifecycle). The order here is the enum's order in the database.
 */
export const jobStatusEnum = pgEnum('job_status', ['OPEN', 'SCHEDULED', 'COMPLETED', 'ABORTED', 'CANCELLED']);

export const opportunities = pgTable(
  'opportunities',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    stage: opportunityStageEnum('stage').notNull().default('OPEN'),
    /** The expected value, in minor units of `currency`; null when not yet estimated. */
    valueMinor: bigint('value_minor', { mode: 'number' }),
    currency: char('currency', { length: 3 }).notNull(),
    expectedCloseDate: date('expected_close_date'),
    /** The salesperson pursuing it (not the record's owner, who decides visibility). */
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    check('opportunities_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    index('opportunities_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('opportunities_lead_idx').on(t.leadId, t.createdAt, t.id),
  ],
);

export const quotes = pgTable(
  'quotes',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    opportunityId: uuid('opportunity_id').references(() => opportunities.id, { onDelete: 'set null' }),
    /** Sequential per organisation, without gaps (number_sequences). */
    number: integer('number').notNull(),
    status: quoteStatusEnum('status').notNull().default('DRAFT'),
    currency: char('currency', { length: 3 }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    signedAt: timestamp('signed_at', { withTimezone: true, mode: 'date' }),
    declinedAt: timestamp('declined_at', { withTimezone: true, mode: 'date' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    check('quotes_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    check('quotes_signed_have_signed_at', sql`${t.status} <> 'SIGNED' or ${t.signedAt} is not null`),
    uniqueIndex('quotes_number_key').on(t.organisationId, t.number),
    index('quotes_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('quotes_lead_idx').on(t.leadId, t.createdAt, t.id),
    index('quotes_opportunity_idx').on(t.opportunityId),
  ],
);

/** The columns a priced line has, on a quote and on the order copied from it. */
const lineColumns = () => ({
  position: integer('position').notNull(),
  description: text('description').notNull(),
  /** Thousandths: 1500 is 1.5 (hours, metres…). */
  quantityMilli: integer('quantity_milli').notNull(),
  unitPriceMinor: bigint('unit_price_minor', { mode: 'number' }).notNull(),
  /** Basis points: 2000 is 20%. */
  taxRateBp: integer('tax_rate_bp').notNull().default(0),
  /**
   * For lines that become assets when the order is converted (docs/domain.md#sales-order-to-assets).
   */
  assetGroupId: uuid('asset_group_id').references(() => assetGroups.id, { onDelete: 'restrict' }),
  assetMakeId: uuid('asset_make_id').references(() => assetMakes.id, { onDelete: 'restrict' }),
  assetModelId: uuid('asset_model_id').references(() => assetModels.id, { onDelete: 'restrict' }),
});

export const quoteLines = pgTable(
  'quote_lines',
  {
    id: id(),
    organisationId: organisationId(),
    quoteId: uuid('quote_id')
      .notNull()
      .references(() => quotes.id, { onDelete: 'cascade' }),
    ...lineColumns(),
    /** The customer's asset the line renews or upgrades (docs/domain.md#renewals-and-upgrades), and how. */
    assetId: uuid('asset_id').references(() => assets.id, { onDelete: 'set null' }),
    assetLinkKind: assetLinkKindEnum('asset_link_kind'),
  },
  (t) => [index('quote_lines_quote_idx').on(t.quoteId, t.position), index('quote_lines_asset_idx').on(t.assetId)],
);

export const salesOrders = pgTable(
  'sales_orders',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The signed quote it was raised from: one order per quote. */
    quoteId: uuid('quote_id')
      .notNull()
      .references(() => quotes.id),
    number: integer('number').notNull(),
    status: salesOrderStatusEnum('status').notNull().default('OPEN'),
    currency: char('currency', { length: 3 }).notNull(),
    /**
     * When `convertSalesOrderToAssets` made its assets (docs/domain.md#sales-order-to-assets), and who
     * did.
     */
    convertedToAssetsAt: timestamp('converted_to_assets_at', { withTimezone: true, mode: 'date' }),
    convertedToAssetsById: uuid('converted_to_assets_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** When `completeSalesOrder` closed it (docs/domain.md#the-work-lifecycle). */
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    /** When `cancelSalesOrder` called it off, and why (optional). */
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    cancelReason: text('cancel_reason'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('sales_orders_quote_key').on(t.quoteId),
    uniqueIndex('sales_orders_number_key').on(t.organisationId, t.number),
    index('sales_orders_customer_idx').on(t.customerId, t.createdAt, t.id),
  ],
);

export const salesOrderLines = pgTable(
  'sales_order_lines',
  {
    id: id(),
    organisationId: organisationId(),
    salesOrderId: uuid('sales_order_id')
      .notNull()
      .references(() => salesOrders.id, { onDelete: 'cascade' }),
    /** The quote line it was copied from. */
    quoteLineId: uuid('quote_line_id').references(() => quoteLines.id, { onDelete: 'set null' }),
    ...lineColumns(),
    /** Set when the conversion to assets has made this line's asset. */
    assetCreated: boolean('asset_created').notNull().default(false),
  },
  (t) => [index('sales_order_lines_order_idx').on(t.salesOrderId, t.position)],
);

export const jobs = pgTable(
  'jobs',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    workAddressId: uuid('work_address_id')
      .notNull()
      .references(() => workAddresses.id, { onDelete: 'cascade' }),
    description: text('description').notNull(),
    status: jobStatusEnum('status').notNull().default('OPEN'),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true, mode: 'date' }),
    // SLA deadlines (src/slas/): computed once, when the job is raised, from the SLA that applied then.
    priority: jobPriorityEnum('priority').notNull().default('NORMAL'),
    slaId: uuid('sla_id').references(() => slas.id, { onDelete: 'restrict' }),
    respondBy: timestamp('respond_by', { withTimezone: true, mode: 'date' }),
    resolveBy: timestamp('resolve_by', { withTimezone: true, mode: 'date' }),
    // Set by the trigger `jobs_sla_times` (drizzle/*_agreements.sql) as the status moves, never by code.
    respondedAt: timestamp('responded_at', { withTimezone: true, mode: 'date' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    // What each move of the lifecycle said (docs/domain.md#the-work-lifecycle): job-lifecycle.ts writes them.
    /** What was done, given by `completeJob`. */
    outcome: text('outcome'),
    /** When the work was done (the completion's own time, not when it was recorded; default: then). */
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    /** Why the work could not be done although the visit was made (`abortJob`). */
    abortReason: text('abort_reason'),
    abortedAt: timestamp('aborted_at', { withTimezone: true, mode: 'date' }),
    /** Why it was called off (`cancelJob`; optional). */
    cancelReason: text('cancel_reason'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    /** Not to be invoiced: consolidated invoicing refuses it (src/invoices/write.ts). */
    freeOfCharge: boolean('free_of_charge').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    index('jobs_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('jobs_work_address_idx').on(t.workAddressId),
    // slaBreaches (src/slas/loaders.ts): the unmet deadlines of each kind, most overdue first.
    index('jobs_response_due_idx')
      .on(t.organisationId, t.respondBy, t.id)
      .where(sql`${t.respondBy} is not null and ${t.respondedAt} is null`),
    index('jobs_resolution_due_idx')
      .on(t.organisationId, t.resolveBy, t.id)
      .where(sql`${t.resolveBy} is not null and ${t.resolvedAt} is null`),
    index('jobs_sla_idx').on(t.slaId),
  ],
);

export const estimates = pgTable(
  'estimates',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    workAddressId: uuid('work_address_id')
      .notNull()
      .references(() => workAddresses.id, { onDelete: 'cascade' }),
    description: text('description').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    version: version(),
    ...timestamps(),
  },
  (t) => [index('estimates_customer_idx').on(t.customerId, t.createdAt, t.id), index('estimates_work_address_idx').on(t.workAddressId)],
);

export type OpportunityRow = typeof opportunities.$inferSelect;
export type QuoteRow = typeof quotes.$inferSelect;
export type QuoteLineRow = typeof quoteLines.$inferSelect;
export type SalesOrderRow = typeof salesOrders.$inferSelect;
export type SalesOrderLineRow = typeof salesOrderLines.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type JobStatus = (typeof jobStatusEnum.enumValues)[number];
export type SalesOrderStatus = (typeof salesOrderStatusEnum.enumValues)[number];
export type EstimateRow = typeof estimates.$inferSelect;
export type QuoteStatus = (typeof quoteStatusEnum.enumValues)[number];
/** A line as the API shows it: with its quote's or order's currency, for its Money fields. */
export type QuoteLineView = QuoteLineRow & { currency: string };
export type SalesOrderLineView = SalesOrderLineRow & { currency: string };
