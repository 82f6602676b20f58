// Credit notes (docs/domain.md#credit-notes): money the business owes back to a customer, on the
// customer or against one invoice, numbered `CN-…` without gaps per organisation. Its total is the
// sum of its lines (a trigger keeps `total_minor`); what of it is allocated to invoices is kept by
// the allocations' trigger (src/payments/tables.ts), and the rest is the customer's account credit.
import { sql } from 'drizzle-orm';
import { bigint, char, check, date, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { invoices, pricedLineColumns } from '../invoices/tables';

export const creditNoteStatusEnum = pgEnum('credit_note_status', ['ISSUED', 'VOID']);

/** How a credit note's lines are shown (and printed): one total, totals by category, every line, or every line grouped by category. */
export const creditNoteBreakdownEnum = pgEnum('credit_note_breakdown', ['NONE', 'BY_CATEGORY', 'FULL', 'FULL_BY_CATEGORY']);

export const creditNotes = pgTable(
  'credit_notes',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    /** The invoice it credits, when it is against one. */
    invoiceId: uuid('invoice_id').references(() => invoices.id, { onDelete: 'restrict' }),
    /** Sequential per organisation (CN-000001), without gaps. */
    number: integer('number').notNull(),
    status: creditNoteStatusEnum('status').notNull().default('ISSUED'),
    issueDate: date('issue_date').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    reason: text('reason').notNull(),
    breakdown: creditNoteBreakdownEnum('breakdown').notNull().default('FULL'),
    /** The sum of the lines' totals: kept by a trigger on credit_note_lines. */
    totalMinor: bigint('total_minor', { mode: 'number' }).notNull().default(0),
    /** Allocated to invoices: kept by the allocations' trigger. */
    allocatedMinor: bigint('allocated_minor', { mode: 'number' }).notNull().default(0),
    voidedAt: timestamp('voided_at', { withTimezone: true, mode: 'date' }),
    voidReason: text('void_reason'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('credit_notes_number_key').on(t.organisationId, t.number),
    index('credit_notes_customer_idx').on(t.customerId, t.createdAt, t.id),
    index('credit_notes_invoice_idx').on(t.invoiceId),
    check('credit_notes_allocated_within_total', sql`${t.allocatedMinor} >= 0 and ${t.allocatedMinor} <= ${t.totalMinor}`),
    check('credit_notes_void_unallocated', sql`${t.status} <> 'VOID' or ${t.allocatedMinor} = 0`),
    check('credit_notes_void_has_reason', sql`(${t.status} = 'VOID') = (${t.voidedAt} is not null and ${t.voidReason} is not null)`),
  ],
);

export const creditNoteLines = pgTable(
  'credit_note_lines',
  {
    id: id(),
    organisationId: organisationId(),
    creditNoteId: uuid('credit_note_id')
      .notNull()
      .references(() => creditNotes.id, { onDelete: 'cascade' }),
    ...pricedLineColumns(),
  },
  (t) => [index('credit_note_lines_credit_note_idx').on(t.creditNoteId, t.position)],
);

export type CreditNoteRow = typeof creditNotes.$inferSelect;
export type CreditNoteLineRow = typeof creditNoteLines.$inferSelect;
