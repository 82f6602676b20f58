// Invoice addresses (docs/domain.md#invoice-addresses): alternative recipients of a customer's
// invoices — a landlord, an insurer, a head office. The customer stays the payer; an invoice that
// names one of these is addressed to it, laid out by the organisation's invoice address format
// (./format.ts). One used by an invoice that is not a draft cannot be deleted (the service refuses
// it, and the invoices' foreign key restricts it).
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, postalAddress, timestamps, version } from '../db/columns';

export const invoiceAddresses = pgTable(
  'invoice_addresses',
  {
    id: id(),
    organisationId: organisationId(),
    /** The customer whose invoices may be addressed here (who still pays them). */
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** Who the invoice is addressed to: the landlord, the insurer. */
    name: text('name').notNull(),
    ...postalAddress(),
    email: text('email'),
    /** The recipient's reference for the customer (a claim number, a tenancy reference). */
    reference: text('reference'),
    /**
     * The landlord (another customer) this address was made for: invoices for work at a property
     * whose landlord is the invoice address use it (docs/domain.md#invoice-addresses). Its name and
     * address were copied from the landlord when it was made; they do not follow later changes.
     */
    landlordCustomerId: uuid('landlord_customer_id').references(() => customers.id, { onDelete: 'set null' }),
    version: version(),
    ...timestamps(),
  },
  (t) => [index('invoice_addresses_customer_idx').on(t.customerId, t.createdAt, t.id), index('invoice_addresses_landlord_idx').on(t.landlordCustomerId)],
);

export type InvoiceAddressRow = typeof invoiceAddresses.$inferSelect;
