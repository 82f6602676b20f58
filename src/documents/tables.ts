// Documents attached to a lead, a customer, or one of a customer's work addresses or assets: the
// metadata (name, type, size, SHA-256, who uploaded it) here, the bytes in a DocumentStore
// (src/documents/store.ts) under `storageKey`. A document on a work address or an asset also
// carries that record's customer, so who may see it follows the customer (src/auth/visibility.ts).
import { sql } from 'drizzle-orm';
import { bigint, char, check, customType, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { assets } from '../assets/tables';
import { customers } from '../customers/tables';
import { id, organisationId, version } from '../db/columns';
import { leads } from '../leads/tables';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';

export const documents = pgTable(
  'documents',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    leadId: uuid('lead_id').references(() => leads.id, { onDelete: 'cascade' }),
    workAddressId: uuid('work_address_id').references(() => workAddresses.id, { onDelete: 'cascade' }),
    assetId: uuid('asset_id').references(() => assets.id, { onDelete: 'cascade' }),
    /** As uploaded, without any path, control characters removed. */
    filename: text('filename').notNull(),
    /** The type the server decided on (src/documents/content-type.ts), not the one the client declared. */
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    /** Lower-case hex SHA-256 of the bytes, computed while they streamed in. */
    sha256: char('sha256', { length: 64 }).notNull(),
    storageKey: text('storage_key').notNull(),
    uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
    /** Set by deleteDocument: the bytes are gone; the row stays so the audit trail still finds it. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    version: version(),
  },
  (t) => [
    check('documents_one_record', sql`(${t.customerId} is null) <> (${t.leadId} is null)`),
    check('documents_customer_parts', sql`(${t.workAddressId} is null and ${t.assetId} is null) or ${t.customerId} is not null`),
    uniqueIndex('documents_storage_key').on(t.storageKey),
    index('documents_customer_idx')
      .on(t.customerId, t.createdAt, t.id)
      .where(sql`${t.deletedAt} is null`),
    index('documents_lead_idx')
      .on(t.leadId, t.createdAt, t.id)
      .where(sql`${t.deletedAt} is null`),
    index('documents_work_address_idx').on(t.workAddressId),
    index('documents_asset_idx').on(t.assetId),
  ],
);

export type DocumentRow = typeof documents.$inferSelect;

/** PGlite hands bytea back as a Uint8Array, postgres.js as a Buffer; both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
  toDriver: (value) => value,
});

/**
 * The database DocumentStore's bytes: one row per chunk (256 KiB), so a large file is many modest
 * values rather than one giant one, and reading it back streams chunk by chunk. Keys start with the
 * organisation (`<organisationId>/<uuid>`), kept here too so deleting an organisation removes its bytes.
 */
export const documentBlobs = pgTable(
  'document_blobs',
  {
    organisationId: organisationId(),
    storageKey: text('storage_key').notNull(),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.storageKey, t.seq] })],
);
