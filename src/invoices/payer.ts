// The customer a money document (invoice, credit note, payment) is for: one the actor may see, in
// its organisation, with its currency and credit terms. A merged customer's ID says MERGED, naming
// the customer it went into.
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../audit/service';
import { customers, customerStatuses } from '../customers/tables';
import { customerNotFound } from '../customers/tombstones';
import type { Db } from '../db/client';
import { inputId } from '../graph/user-errors';

export type Payer = {
  id: string;
  currency: string;
  creditorDays: number;
  anonymisedAt: Date | null;
  status: { name: string; allowsNewWork: boolean };
};

/** The customer named by `globalId` in mutation input, locked until the transaction ends (its money rows are being changed). */
export async function payerOf(tx: Db, actor: Actor, globalId: string, field: (string | number)[]): Promise<Payer> {
  const { id } = inputId(globalId, ['Customer'], field);
  return payerById(tx, actor, id, field);
}

/** The same, by uuid (the customer of a row already found). */
export async function payerById(tx: Db, actor: Actor, id: string, field: (string | number)[]): Promise<Payer> {
  const [row] = await tx
    .select({
      id: customers.id,
      currency: customers.currency,
      creditorDays: customers.creditorDays,
      anonymisedAt: customers.anonymisedAt,
      statusName: customerStatuses.name,
      allowsNewWork: customerStatuses.allowsNewWork,
    })
    .from(customers)
    .innerJoin(customerStatuses, eq(customerStatuses.id, customers.statusId))
    .where(and(eq(customers.id, id), eq(customers.organisationId, actor.organisationId), actor.visibility?.record('customer')));
  if (!row) throw await customerNotFound(tx, actor, id, field);
  return {
    id: row.id,
    currency: row.currency,
    creditorDays: row.creditorDays,
    anonymisedAt: row.anonymisedAt,
    status: { name: row.statusName, allowsNewWork: row.allowsNewWork },
  };
}

/** Today in UTC, as `YYYY-MM-DD`: the default issue and payment date. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** `date` plus `days`, as `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
