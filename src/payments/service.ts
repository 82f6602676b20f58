// Payments (docs/domain.md#payments-and-allocations): recorded for a customer with one of the
// organisation's methods, allocated to its invoices at once or later, reversed (a bounced cheque:
// every allocation undone, the invoices owe again), and single allocations undone. Each is one
// transaction with its audit entry; creations and allocations take an idempotency key.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { recordedAt } from '../auth/actor';
import { creditNotes } from '../credit-notes/tables';
import type { Db } from '../db/client';
import { onUniqueViolation } from '../db/unique';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  AllocatePaymentInput,
  CreatePaymentMethodInput,
  RecordPaymentInput,
  ReversePaymentInput,
  UndoAllocationInput,
  UpdatePaymentMethodInput,
} from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { moneyInputSchema } from '../graph/money';
import { isoDate, NAME_MAX, optionalText, requiredText, TEXT_MAX } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { payerOf, today } from '../invoices/payer';
import { invoices } from '../invoices/tables';
import { allocate, undoAllocations, underMoneyConstraints, type AllocationSource } from './allocate';
import { allocations, paymentMethods, payments, type AllocationRow, type PaymentMethodRow, type PaymentRow } from './tables';

export type PaymentResult = { payment: PaymentRow };
const paymentCodec = rowsCodec<PaymentResult>({ payment: payments });

function sourceOf(payment: PaymentRow): AllocationSource {
  return {
    kind: 'payment',
    id: payment.id,
    customerId: payment.customerId,
    currency: payment.currency,
    unallocatedMinor: payment.amountMinor - payment.allocatedMinor,
    label: 'the payment',
  };
}

async function reread(tx: Db, id: string): Promise<PaymentRow> {
  const [row] = await tx.select().from(payments).where(eq(payments.id, id));
  return row!;
}

export async function recordPayment(db: Db, actor: Actor, input: RecordPaymentInput): Promise<PaymentResult> {
  const fields = validate(
    z.object({
      amount: moneyInputSchema.refine((m) => m.amountMinor > 0, { message: 'must be more than 0', path: ['amountMinor'] }),
      receivedOn: isoDate.nullish(),
      reference: optionalText(NAME_MAX),
      nominalAccount: optionalText(NAME_MAX),
    }),
    { amount: input.amount, receivedOn: input.receivedOn, reference: input.reference, nominalAccount: input.nominalAccount },
  );
  return withIdempotency(
    db,
    actor,
    'recordPayment',
    input.idempotencyKey,
    input,
    async (tx) => {
      const payer = await payerOf(tx, actor, input.customerId, ['input', 'customerId']);
      const { id: methodId } = inputId(input.methodId, ['PaymentMethod'], ['input', 'methodId']);
      const [method] = await tx
        .select()
        .from(paymentMethods)
        .where(and(eq(paymentMethods.id, methodId), eq(paymentMethods.organisationId, actor.organisationId)));
      if (!method) throw notFound(['input', 'methodId'], 'payment method');
      if (method.archived) throw userError(['input', 'methodId'], `methodId: ${method.name} is archived; choose a method in use.`, 'INVALID_STATE');
      const [created] = await tx
        .insert(payments)
        .values({
          organisationId: actor.organisationId,
          customerId: payer.id,
          methodId,
          amountMinor: fields.amount.amountMinor,
          currency: fields.amount.currency ?? payer.currency,
          receivedOn: fields.receivedOn ?? today(),
          reference: fields.reference ?? null,
          nominalAccount: fields.nominalAccount ?? null,
          createdAt: recordedAt(actor),
        })
        .returning();
      const made = await allocate(tx, actor, sourceOf(created!), input.allocations ?? [], ['input', 'allocations']);
      const payment = await reread(tx, created!.id);
      await recordAudit(tx, actor, [
        { action: 'payment.create', entityType: 'Payment', entityId: payment.id, after: { ...created, method: method.name } },
        ...allocationAudit(made),
      ]);
      return { payment };
    },
    paymentCodec,
  );
}

export async function allocatePayment(db: Db, actor: Actor, id: string, input: AllocatePaymentInput): Promise<PaymentResult> {
  return withIdempotency(
    db,
    actor,
    'allocatePayment',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockForUpdate(tx, payments, actor, id, input.expectedVersion, 'payment');
      if (before.status !== 'RECEIVED')
        throw userError(['input', 'paymentId'], 'paymentId: the payment was reversed; it has nothing to allocate.', 'INVALID_STATE');
      if (input.allocations.length === 0) throw userError(['input', 'allocations'], 'allocations: give at least one invoice and amount.', 'REQUIRED');
      const made = await allocate(tx, actor, sourceOf(before), input.allocations, ['input', 'allocations']);
      const payment = await reread(tx, id);
      await recordAudit(tx, actor, allocationAudit(made));
      return { payment };
    },
    paymentCodec,
  );
}

export async function reversePayment(db: Db, actor: Actor, id: string, input: ReversePaymentInput): Promise<PaymentResult> {
  const fields = validate(z.object({ reason: requiredText(TEXT_MAX) }), { reason: input.reason });
  return withIdempotency(
    db,
    actor,
    'reversePayment',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockForUpdate(tx, payments, actor, id, input.expectedVersion, 'payment');
      if (before.status === 'REVERSED') throw userError(['input', 'id'], 'id: the payment is reversed already.', 'INVALID_STATE');
      // One moment for the reversal and the allocations it undoes: read from two clocks (this process's
      // and the database's), the ledger ordered them either way round from one run to the next.
      const at = recordedAt(actor) ?? new Date();
      const undone = await undoAllocations(tx, sql`${allocations.paymentId} = ${id}`, `Payment reversed: ${fields.reason}`, at);
      const payment = await underMoneyConstraints(['input', 'id'], () =>
        writeUpdate(tx, payments, id, { status: 'REVERSED', reversedAt: at, reversalReason: fields.reason }),
      );
      await recordAudit(tx, actor, [
        { action: 'payment.reverse', entityType: 'Payment', entityId: id, before, after: { ...payment, undoneAllocations: undone.map((a) => a.id) } },
        ...undone.map((a) => ({ action: 'allocation.undo', entityType: 'Allocation', entityId: a.id, after: a })),
      ]);
      return { payment };
    },
    paymentCodec,
  );
}

export async function undoAllocation(db: Db, actor: Actor, id: string, input: UndoAllocationInput): Promise<{ allocation: AllocationRow }> {
  const fields = validate(z.object({ reason: requiredText(TEXT_MAX) }), { reason: input.reason });
  return withIdempotency(
    db,
    actor,
    'undoAllocation',
    input.idempotencyKey,
    input,
    async (tx) => {
      // Found through its invoice, so the viewer must see the invoice's customer.
      const [found] = await tx
        .select({ allocation: allocations })
        .from(allocations)
        .innerJoin(invoices, eq(invoices.id, allocations.invoiceId))
        .where(and(eq(allocations.id, id), eq(allocations.organisationId, actor.organisationId), actor.visibility?.rows(invoices)));
      if (!found) throw notFound(['input', 'id'], 'allocation');
      const { allocation } = found;
      // The source first, as every allocation change locks (src/payments/allocate.ts).
      if (allocation.paymentId) await tx.select({ id: payments.id }).from(payments).where(eq(payments.id, allocation.paymentId)).for('update');
      else await tx.select({ id: creditNotes.id }).from(creditNotes).where(eq(creditNotes.id, allocation.creditNoteId!)).for('update');
      const [undone] = await undoAllocations(tx, sql`${allocations.id} = ${id}`, fields.reason, recordedAt(actor));
      if (!undone) throw userError(['input', 'id'], 'id: the allocation is undone already.', 'INVALID_STATE');
      await recordAudit(tx, actor, { action: 'allocation.undo', entityType: 'Allocation', entityId: id, before: allocation, after: undone });
      return { allocation: undone };
    },
    rowsCodec<{ allocation: AllocationRow }>({ allocation: allocations }),
  );
}

/** One audit entry per allocation made. */
export function allocationAudit(made: readonly AllocationRow[]) {
  return made.map((a) => ({ action: 'allocation.create', entityType: 'Allocation', entityId: a.id, after: a }));
}

const methodName = requiredText(NAME_MAX);

function duplicateMethod(name: string) {
  return () => userError(['input', 'name'], `name: the organisation already has a payment method called ${JSON.stringify(name)}.`, 'DUPLICATE');
}

export async function createPaymentMethod(db: Db, actor: Actor, input: CreatePaymentMethodInput): Promise<{ paymentMethod: PaymentMethodRow }> {
  const fields = validate(z.object({ name: methodName }), input);
  return onUniqueViolation('payment_methods_name_key', duplicateMethod(fields.name), () =>
    db.transaction(async (tx) => {
      const [paymentMethod] = await tx.insert(paymentMethods).values({ organisationId: actor.organisationId, name: fields.name }).returning();
      await recordAudit(tx, actor, { action: 'paymentMethod.create', entityType: 'PaymentMethod', entityId: paymentMethod!.id, after: paymentMethod });
      return { paymentMethod: paymentMethod! };
    }),
  );
}

export async function updatePaymentMethod(db: Db, actor: Actor, id: string, input: UpdatePaymentMethodInput): Promise<{ paymentMethod: PaymentMethodRow }> {
  const fields = validate(z.object({ name: methodName.nullish(), archived: z.boolean().nullish() }), { name: input.name, archived: input.archived });
  return onUniqueViolation('payment_methods_name_key', duplicateMethod(fields.name ?? ''), () =>
    db.transaction(async (tx) => {
      const before = await lockForUpdate(tx, paymentMethods, actor, id, input.expectedVersion, 'payment method');
      const paymentMethod = await writeUpdate(tx, paymentMethods, id, {
        ...(fields.name != null ? { name: fields.name } : {}),
        ...(fields.archived != null ? { archived: fields.archived } : {}),
      });
      await recordAudit(tx, actor, { action: 'paymentMethod.update', entityType: 'PaymentMethod', entityId: id, before, after: paymentMethod });
      return { paymentMethod };
    }),
  );
}
