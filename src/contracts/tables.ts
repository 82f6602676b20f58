// Contracts (docs/domain.md#contracts): what a customer has signed up to for a term of months, from
// a start date to a renewal date, with pricing terms (text, and/or an amount per billing period),
// whether it renews itself, and optionally the SLA it grants (src/slas/). A contract sits under its
// customer: visibility, merge and deletion go by `customer_id`.
import { sql } from 'drizzle-orm';
import { bigint, boolean, char, date, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { agreementStatusEnum, billingFrequencyEnum } from '../service-plans/tables';
import { slas } from '../slas/tables';

export const contracts = pgTable(
  'contracts',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    reference: text('reference').notNull(),
    termMonths: integer('term_months').notNull(),
    startDate: date('start_date').notNull(),
    /** The end of the current term: given, or the start date plus the term. */
    renewalDate: date('renewal_date').notNull(),
    autoRenew: boolean('auto_renew').notNull().default(false),
    pricingTerms: text('pricing_terms'),
    /** The amount charged every billing period, in minor units of `currency`; null when only the text says. */
    priceMinor: bigint('price_minor', { mode: 'number' }),
    currency: char('currency', { length: 3 }).notNull(),
    billingFrequency: billingFrequencyEnum('billing_frequency'),
    slaId: uuid('sla_id').references(() => slas.id, { onDelete: 'restrict' }),
    status: agreementStatusEnum('status').notNull().default('ACTIVE'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    // The lists' sort key (loaders.ts: the renewal date as a day number), so each list is one index scan.
    index('contracts_customer_idx').on(t.customerId, sql`(${t.renewalDate} - date '2000-01-01')`, t.id),
    index('contracts_renewal_idx')
      .on(t.organisationId, sql`(${t.renewalDate} - date '2000-01-01')`, t.id)
      .where(sql`${t.status} = 'ACTIVE'`),
    index('contracts_sla_idx').on(t.slaId),
  ],
);

export type ContractRow = typeof contracts.$inferSelect;
