// The shared layer's own table: document number counters (src/db/sequences.ts).
import { integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../tenancy/tables';

/** A kind of numbered document, named by the area that numbers it (`INVOICE`, `QUOTE`, …). */
export type NumberSequence = string;

export const numberSequences = pgTable(
  'number_sequences',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    // Text, not an enum: an area with numbered documents of its own needs no change here.
    kind: text('kind').notNull(),
    lastNumber: integer('last_number').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.kind] })],
);
