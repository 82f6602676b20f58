// Contacts (docs/domain.md#contacts) of a lead or of a customer: exactly one of the two owns each
// contact.
import { sql } from 'drizzle-orm';
import { boolean, check, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, timestamps, version } from '../db/columns';
import { duplicateKeys } from '../duplicates/keys';
import { leads } from '../leads/tables';

export type ContactEmail = { address: string; label?: string | null };
export type ContactPhone = { type: 'OFFICE' | 'MOBILE' | 'HOME' | 'FAX'; number: string };
export const consentChannels = ['EMAIL', 'SMS', 'PHONE', 'POST', 'MARKETING'] as const;
export type ConsentChannel = (typeof consentChannels)[number];
/** A recorded consent decision for one channel (GDPR): timestamps as ISO strings. */
export type StoredCommunicationPreference = {
  channel: ConsentChannel;
  consented: boolean;
  consentedAt: string | null;
  source: string | null;
  updatedAt: string;
};

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    title: text('title'),
    firstName: text('first_name'),
    surname: text('surname').notNull(),
    position: text('position'),
    emails: jsonb('emails').$type<ContactEmail[]>().notNull().default([]),
    phones: jsonb('phones').$type<ContactPhone[]>().notNull().default([]),
    socialUrls: text('social_urls')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Only channels with a recorded decision; a channel absent here has never been decided. */
    communicationPreferences: jsonb('communication_preferences').$type<StoredCommunicationPreference[]>().notNull().default([]),
    isPrimary: boolean('is_primary').notNull().default(false),
    customFields: jsonb('custom_fields').$type<Record<string, unknown>>().notNull().default({}),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    check('contacts_one_owner', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    index('contacts_customer_idx').on(t.customerId, sql`lower(${t.surname}) collate "C"`, t.id),
    index('contacts_lead_idx').on(t.leadId, sql`lower(${t.surname}) collate "C"`, t.id),
    uniqueIndex('contacts_one_primary_per_customer')
      .on(t.customerId)
      .where(sql`${t.isPrimary}`),
    // Possible duplicates (src/duplicates/): the same email address or telephone number, normalised.
    index('contacts_email_keys_idx').using('gin', duplicateKeys.contactEmails(t.emails)),
    index('contacts_phone_keys_idx').using('gin', duplicateKeys.contactPhones(t.phones)),
  ],
);

export type ContactRow = typeof contacts.$inferSelect;
