// Payments and allocations (docs/domain.md#payments-and-allocations). A payment is money received
// from a customer by one of the organisation's payment methods; allocations put it (or a credit
// note) against invoices, partly or wholly. What a payment or credit note has not allocated is the
// customer's account credit, allocatable later.
//
// The database holds the rules, so no code path and no race can break them:
// - an allocation is never changed, only undone once (a reversal, a correction), never deleted live;
// - its trigger moves `payments.allocated_minor` / `credit_notes.allocated_minor` and the invoice's
//   `paid_minor` / `credited_minor` and status by its amount, source row first, then the invoice
//   (one lock order, so concurrent allocations queue instead of deadlocking);
// - CHECK constraints then refuse more than a payment's amount, more than an invoice's total, an
//   allocation to a draft or void invoice, a status that is not what the allocations say;
// - the trigger refuses a source and an invoice of different customers or currencies, and a source
//   that is reversed or void.
import { sql } from 'drizzle-orm';
import { bigint, boolean, char, check, date, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { creditNotes } from '../credit-notes/tables';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { invoices } from '../invoices/tables';
import { users } from '../tenancy/tables';

/** The organisation's list of ways to pay (cash, cheque, card, bank transfer…); new organisations get the usual ones. */
export const paymentMethods = pgTable(
  'payment_methods',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    /** Archived methods stay on old payments but are offered for no new ones. */
    archived: boolean('archived').notNull().default(false),
    version: version(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('payment_methods_name_key').on(t.organisationId, sql`lower(${t.name})`)],
);

export const paymentStatusEnum = pgEnum('payment_status', ['RECEIVED', 'REVERSED']);

export const payments = pgTable(
  'payments',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'restrict' }),
    methodId: uuid('method_id')
      .notNull()
      .references(() => paymentMethods.id, { onDelete: 'restrict' }),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    receivedOn: date('received_on').notNull(),
    /** The payer's reference (cheque number, bank reference). */
    reference: text('reference'),
    /** The nominal (ledger) account it is banked to, e.g. `1200`. */
    nominalAccount: text('nominal_account'),
    status: paymentStatusEnum('status').notNull().default('RECEIVED'),
    /** Allocated to invoices: kept by the allocations' trigger. */
    allocatedMinor: bigint('allocated_minor', { mode: 'number' }).notNull().default(0),
    reversedAt: timestamp('reversed_at', { withTimezone: true, mode: 'date' }),
    reversalReason: text('reversal_reason'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    index('payments_customer_idx').on(t.customerId, t.createdAt, t.id),
    // Balances and statements (src/finance/balance.ts): a customer's payments with something
    // unallocated (reversed ones included), and its last payment.
    index('payments_unallocated_idx')
      .on(t.customerId)
      .where(sql`${t.allocatedMinor} < ${t.amountMinor}`),
    index('payments_received_idx').on(t.customerId, t.receivedOn, t.createdAt),
    check('payments_amount_positive', sql`${t.amountMinor} > 0`),
    check('payments_allocated_within_amount', sql`${t.allocatedMinor} >= 0 and ${t.allocatedMinor} <= ${t.amountMinor}`),
    check('payments_reversed_unallocated', sql`${t.status} <> 'REVERSED' or ${t.allocatedMinor} = 0`),
    check('payments_reversed_has_reason', sql`(${t.status} = 'REVERSED') = (${t.reversedAt} is not null and ${t.reversalReason} is not null)`),
  ],
);

export const allocations = pgTable(
  'allocations',
  {
    id: id(),
    organisationId: organisationId(),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoices.id, { onDelete: 'restrict' }),
    /** Exactly one of payment and credit note is the source. */
    paymentId: uuid('payment_id').references(() => payments.id, { onDelete: 'restrict' }),
    creditNoteId: uuid('credit_note_id').references(() => creditNotes.id, { onDelete: 'restrict' }),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    /** Who allocated it (null: the server's own work, e.g. demo data). */
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
    /** When it was undone (the payment reversed, the allocation taken back); null while it stands. */
    undoneAt: timestamp('undone_at', { withTimezone: true, mode: 'date' }),
    undoReason: text('undo_reason'),
  },
  (t) => [
    index('allocations_invoice_idx').on(t.invoiceId),
    index('allocations_payment_idx').on(t.paymentId),
    index('allocations_credit_note_idx').on(t.creditNoteId),
    // A balance as of a past date starts from today's figures and corrects them by the allocations
    // made or undone since (src/finance/balance.ts): these find those.
    index('allocations_created_idx').on(t.organisationId, t.createdAt),
    index('allocations_undone_idx')
      .on(t.organisationId, t.undoneAt)
      .where(sql`${t.undoneAt} is not null`),
    check('allocations_one_source', sql`num_nonnulls(${t.paymentId}, ${t.creditNoteId}) = 1`),
    check('allocations_amount_positive', sql`${t.amountMinor} > 0`),
    check('allocations_undone_has_reason', sql`(${t.undoneAt} is null) = (${t.undoReason} is null)`),
  ],
);

export type PaymentMethodRow = typeof paymentMethods.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
export type AllocationRow = typeof allocations.$inferSelect;
