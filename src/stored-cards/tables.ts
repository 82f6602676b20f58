// Stored cards (docs/domain.md#stored-cards): a customer's payment cards kept on file as the payment
// provider's token, with the brand, last four digits and expiry that tell people which card it is.
// Nothing more: the card number and security code stay with the provider (PCI DSS), and the columns
// could not hold a card number if one got this far (`last4` is four digits, the token has no spaces
// and every input of the money areas refuses card numbers, src/graph/card-data-guard.ts).
import { sql } from 'drizzle-orm';
import { char, check, index, integer, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';

export const cardBrands = ['VISA', 'MASTERCARD', 'AMEX', 'DISCOVER', 'DINERS', 'JCB', 'UNIONPAY', 'MAESTRO', 'OTHER'] as const;
export const cardBrandEnum = pgEnum('card_brand', cardBrands);

export const storedCards = pgTable(
  'stored_cards',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The payment provider holding the card, e.g. `stripe`. */
    provider: text('provider').notNull(),
    /** The provider's token for the card: what a charge through the provider names. */
    providerToken: text('provider_token').notNull(),
    brand: cardBrandEnum('brand').notNull(),
    last4: char('last4', { length: 4 }).notNull(),
    expiryMonth: integer('expiry_month').notNull(),
    expiryYear: integer('expiry_year').notNull(),
    label: text('label'),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    // The list's sort key (newest first), so a customer's cards are one index scan.
    index('stored_cards_customer_idx').on(t.customerId, t.createdAt, t.id),
    // One card on file per provider token: adding it again is a DUPLICATE, not a second row.
    uniqueIndex('stored_cards_token_key').on(t.organisationId, sql`lower(${t.provider})`, t.providerToken),
    check('stored_cards_last4_digits', sql`${t.last4} ~ '^[0-9]{4}$'`),
    check('stored_cards_expiry_month', sql`${t.expiryMonth} between 1 and 12`),
    check('stored_cards_expiry_year', sql`${t.expiryYear} between 2000 and 2999`),
    check('stored_cards_token_no_spaces', sql`${t.providerToken} !~ '\\s' and length(${t.providerToken}) between 1 and 255`),
  ],
);

export type StoredCardRow = typeof storedCards.$inferSelect;
