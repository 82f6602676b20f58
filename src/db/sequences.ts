// Document numbers (invoices, quotes, sales orders): sequential per organisation and kind, without
// gaps. The counter row is bumped inside the transaction that uses the number, so a rolled-back
// transaction gives its number back, and concurrent transactions queue on the row lock.
import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { numberSequences, type NumberSequence } from './tables';

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
