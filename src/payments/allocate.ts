// Putting a payment's or a credit note's money against invoices, and undoing it: the one place both
// go through. The checks here give people clear errors before anything is written; the database
// (src/payments/tables.ts) holds the same limits under any concurrency, and a violation it reports
// (a race these checks could not see) becomes the same kind of user error.
//
// Lock order: the source (payment or credit note) is locked by the caller, then the invoices here in
// id order, then the allocations' trigger updates source and invoice in that order. Every path that
// changes an allocation locks in this order, so concurrent allocations queue instead of deadlocking.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../audit/service';
import { recordedAt } from '../auth/actor';
import type { Db } from '../db/client';
import { violatedConstraint } from '../db/unique';
import { uuidArray } from '../graph/connection';
import { inputId, notFound, userError, validate, UserErrors } from '../graph/user-errors';
import { invoiceReference } from '../invoices/service';
import { invoices, type InvoiceRow } from '../invoices/tables';
import { allocations, type AllocationRow } from './tables';

export type AllocationSource = {
  kind: 'payment' | 'creditNote';
  id: string;
  customerId: string;
  currency: string;
  /** What of it is not yet allocated. */
  unallocatedMinor: number;
  /** How it is named in messages: "the payment", "credit note CN-000003". */
  label: string;
};

export const allocationItemsInput = z
  .array(z.object({ invoiceId: z.string(), amountMinor: z.number().int().min(1, { message: 'must be more than 0' }) }))
  .max(100, { message: 'at most 100 allocations at once' });

/** What the database's money constraints mean to the person whose change they refused. */
const constraintMessages: Record<string, string> = {
  invoices_allocated_within_total:
    "more than the invoice's outstanding amount would be allocated (another allocation was made at the same time); reload and try again.",
  payments_allocated_within_amount:
    "more than the payment's unallocated amount would be allocated (another allocation was made at the same time); reload and try again.",
  credit_notes_allocated_within_total:
    "more than the credit note's unallocated amount would be allocated (another allocation was made at the same time); reload and try again.",
  allocations_source_live: 'the payment was reversed or the credit note voided in the meantime.',
  allocations_invoice_issued: 'the invoice is not issued (a draft or void).',
  allocations_same_customer_and_currency: 'the invoice is of another customer or currency.',
  invoices_status_follows_allocations: 'the invoice is not issued (a draft or void).',
};

/** Runs `run`; a money constraint the database refused becomes a user error on `field`. */
export async function underMoneyConstraints<T>(field: (string | number)[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (thrown) {
    const name = violatedConstraint(thrown);
    const message = name ? constraintMessages[name] : undefined;
    if (message && !(thrown instanceof UserErrors)) throw userError(field, `${field[field.length - 1]}: ${message}`, 'INVALID_STATE');
    throw thrown;
  }
}

/** Locks the invoices (id order) and checks each allocation against its invoice and the source, then writes them. */
export async function allocate(
  tx: Db,
  actor: Actor,
  source: AllocationSource,
  items: ReadonlyArray<{ invoiceId: string; amountMinor: number }>,
  at: (string | number)[],
): Promise<AllocationRow[]> {
  validate(allocationItemsInput, items, at);
  if (items.length === 0) return [];
  const ids = items.map((item, i) => inputId(item.invoiceId, ['Invoice'], [...at, i, 'invoiceId']).id);
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    if (seen.has(id))
      throw userError([...at, i, 'invoiceId'], `invoiceId: the invoice is given twice (also at position ${seen.get(id)}); give each invoice once.`, 'INVALID');
    seen.set(id, i);
  });
  const locked = (await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.organisationId, actor.organisationId), sql`${invoices.id} = any(${uuidArray(ids)})`, actor.visibility?.rows(invoices)))
    .orderBy(asc(invoices.id))
    .for('update')) as InvoiceRow[];
  const byId = new Map(locked.map((row) => [row.id, row]));
  let total = 0;
  items.forEach((item, i) => {
    const field = [...at, i];
    const invoice = byId.get(ids[i]!);
    if (!invoice) throw notFound([...field, 'invoiceId'], 'invoice');
    const name = invoiceReference(invoice) ?? 'the draft invoice';
    if (invoice.customerId !== source.customerId) {
      throw userError(
        [...field, 'invoiceId'],
        `invoiceId: ${name} is another customer's; ${source.label} is allocated only to its own customer's invoices.`,
        'INVALID',
      );
    }
    if (invoice.currency !== source.currency) {
      throw userError([...field, 'invoiceId'], `invoiceId: ${name} is in ${invoice.currency}, ${source.label} in ${source.currency}.`, 'INVALID');
    }
    if (invoice.status === 'DRAFT' || invoice.status === 'VOID') {
      throw userError(
        [...field, 'invoiceId'],
        `invoiceId: ${name} is ${invoice.status === 'DRAFT' ? 'a draft' : 'void'}; only issued invoices take allocations.`,
        'INVALID_STATE',
      );
    }
    const outstanding = invoice.totalMinor - invoice.paidMinor - invoice.creditedMinor;
    if (item.amountMinor > outstanding) {
      throw userError(
        [...field, 'amountMinor'],
        `amountMinor: ${item.amountMinor} is more than the ${outstanding} outstanding on ${name}.`,
        outstanding === 0 ? 'INVALID_STATE' : 'INVALID',
      );
    }
    total += item.amountMinor;
  });
  if (total > source.unallocatedMinor) {
    throw userError(at, `${at[at.length - 1]}: together ${total}, more than the ${source.unallocatedMinor} of ${source.label} left to allocate.`, 'INVALID');
  }
  return underMoneyConstraints(at, () =>
    tx
      .insert(allocations)
      .values(
        items.map((item, i) => ({
          organisationId: actor.organisationId,
          invoiceId: ids[i]!,
          paymentId: source.kind === 'payment' ? source.id : null,
          creditNoteId: source.kind === 'creditNote' ? source.id : null,
          amountMinor: item.amountMinor,
          createdBy: actor.kind === 'user' ? actor.userId : null,
          createdAt: recordedAt(actor),
        })),
      )
      .returning(),
  );
}

/**
 * Undoes the standing allocations `where` selects (the trigger gives each amount back), now or `at`;
 * returns them as they now are.
 */
export async function undoAllocations(tx: Db, where: ReturnType<typeof sql>, reason: string, at?: Date): Promise<AllocationRow[]> {
  return tx
    .update(allocations)
    .set({ undoneAt: at ?? sql`clock_timestamp()`, undoReason: reason })
    .where(and(where, sql`${allocations.undoneAt} is null`))
    .returning();
}

/** The allocation of `id` in the actor's organisation, or a user error; eq(id) kept here so callers lock it the same way. */
export async function allocationById(tx: Db, actor: Actor, id: string): Promise<AllocationRow | undefined> {
  const [row] = await tx
    .select()
    .from(allocations)
    .where(and(eq(allocations.id, id), eq(allocations.organisationId, actor.organisationId)));
  return row;
}
