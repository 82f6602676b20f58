// Document numbers (invoices, quotes, sales orders): sequential per organisation and kind, without
// gaps. The counter row is bumped inside the transaction that uses the number, so a rolled-back
// transaction gives its number back, and concurrent transactions queue on the row lock.
import { sql } from 'drizzle-orm';
import { integer, pgEnum, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../tenancy/tables';
import type { Db } from './client';

export const numberSequenceEnum = pgEnum('number_sequence', ['INVOICE', 'QUOTE', 'SALES_ORDER']);
export type NumberSequence = (typeof numberSequenceEnum.enumValues)[number];

export const numberSequences = pgTable(
  'number_sequences',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: numberSequenceEnum('kind').notNull(),
    lastNumber: integer('last_number').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.kind] })],
);

/** The next number of `kind` for the organisation; call it inside the transaction that uses it. */
export async function nextNumber(tx: Db, organisationId: string, kind: NumberSequence): Promise<number> {
  const [row] = await tx
    .insert(numberSequences)
    .values({ organisationId, kind, lastNumber: 1 })
    .onConflictDoUpdate({ target: [numberSequences.organisationId, numberSequences.kind], set: { lastNumber: sql`${numberSequences.lastNumber} + 1` } })
    .returning({ lastNumber: numberSequences.lastNumber });
  return row!.lastNumber;
}

/** How people quote a numbered document: `INV-000042`. */
export function documentReference(prefix: string, number: number): string {
  return `${prefix}-${String(number).padStart(6, '0')}`;
}
