// Invoices (docs/domain.md#invoices), the read side so far: an invoice belongs to one customer (the
// payer) and has lines; totals are derived from the lines, never stored. Numbers are sequential without
// gaps per organisation and given when an invoice is issued. Raising, issuing, credit notes and
// payments arrive with the finance area.
import { sql } from 'drizzle-orm';
import { bigint, check, date, index, integer, pgEnum, pgTable, text, uniqueIndex, uuid, char } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';

export const invoiceStatusEnum = pgEnum('invoice_status', ['DRAFT', 'ISSUED', 'PART_PAID', 'PAID', 'VOID']);

export const invoices = pgTable(
  'invoices',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    /** Sequential per organisation, without gaps; null while a draft. */
    number: integer('number'),
    status: invoiceStatusEnum('status').notNull().default('DRAFT'),
    issueDate: date('issue_date'),
    dueDate: date('due_date'),
    currency: char('currency', { length: 3 }).notNull(),
    /** Paid so far, in minor units: the payments area keeps it up to date. */
    paidMinor: bigint('paid_minor', { mode: 'number' }).notNull().default(0),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('invoices_number_key').on(t.organisationId, t.number),
    index('invoices_customer_idx').on(t.customerId, t.createdAt, t.id),
    check('invoices_issued_have_numbers', sql`${t.status} = 'DRAFT' or (${t.number} is not null and ${t.issueDate} is not null)`),
  ],
);

export const invoiceLines = pgTable(
  'invoice_lines',
  {
    id: id(),
    organisationId: organisationId(),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    description: text('description').notNull(),
    /** Thousandths: 1500 is 1.5 (hours, metres…). */
    quantityMilli: integer('quantity_milli').notNull(),
    unitPriceMinor: bigint('unit_price_minor', { mode: 'number' }).notNull(),
    /** Basis points: 2000 is 20%. */
    taxRateBp: integer('tax_rate_bp').notNull().default(0),
  },
  (t) => [index('invoice_lines_invoice_idx').on(t.invoiceId, t.position)],
);

export type InvoiceRow = typeof invoices.$inferSelect;
export type InvoiceLineRow = typeof invoiceLines.$inferSelect;
export type InvoiceStatus = (typeof invoiceStatusEnum.enumValues)[number];
