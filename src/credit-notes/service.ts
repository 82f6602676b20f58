// Credit notes (docs/domain.md#credit-notes): raised on a customer or against one of its issued
// invoices (prefilled from the invoice's lines when none are given, and never more than what is still
// creditable on it), allocated to the customer's invoices now or later, voided while nothing of it is
// allocated. Each is one transaction with its audit entry; creation and allocation take an
// idempotency key.
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { recordedAt } from '../auth/actor';
import type { Db } from '../db/client';
import { documentReference, nextNumber } from '../db/sequences';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { AllocateCreditNoteInput, CreateCreditNoteInput, VoidCreditNoteInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { isoDate, requiredText, TEXT_MAX } from '../graph/text';
import { inputId, userError, validate } from '../graph/user-errors';
import { pricedLineValues, pricedLinesInput, type PricedLine } from '../invoices/lines';
import { payerById, payerOf, today } from '../invoices/payer';
import { invoiceReference } from '../invoices/service';
import { invoiceLines, invoices, type InvoiceRow } from '../invoices/tables';
import { allocate, type AllocationSource } from '../payments/allocate';
import { allocationAudit } from '../payments/service';
import { creditNoteLines, creditNotes, type CreditNoteRow } from './tables';

export type CreditNoteResult = { creditNote: CreditNoteRow };
const codec = rowsCodec<CreditNoteResult>({ creditNote: creditNotes });

export const creditNoteReference = (c: Pick<CreditNoteRow, 'number'>) => documentReference('CN', c.number);

function sourceOf(note: CreditNoteRow): AllocationSource {
  return {
    kind: 'creditNote',
    id: note.id,
    customerId: note.customerId,
    currency: note.currency,
    unallocatedMinor: note.totalMinor - note.allocatedMinor,
    label: `credit note ${creditNoteReference(note)}`,
  };
}

/** Standing credit notes' totals against an invoice. */
async function creditedAgainst(tx: Db, invoiceId: string): Promise<number> {
  const [row] = await tx
    .select({ total: sql<string>`coalesce(sum(${creditNotes.totalMinor}), 0)` })
    .from(creditNotes)
    .where(and(eq(creditNotes.invoiceId, invoiceId), ne(creditNotes.status, 'VOID')));
  return Number(row!.total);
}

/** What can still be credited against an invoice (0 unless issued). */
export function creditable(invoice: InvoiceRow, standingCredits: number): number {
  return invoice.status === 'DRAFT' || invoice.status === 'VOID' ? 0 : Math.max(0, invoice.totalMinor - standingCredits);
}

export async function createCreditNote(db: Db, actor: Actor, input: CreateCreditNoteInput): Promise<CreditNoteResult> {
  const fields = validate(z.object({ lines: pricedLinesInput.nullish(), reason: requiredText(TEXT_MAX), issueDate: isoDate.nullish() }), {
    lines: input.lines,
    reason: input.reason,
    issueDate: input.issueDate,
  });
  if (!input.customerId && !input.invoiceId) throw userError(['input', 'customerId'], 'customerId: give the customer, or the invoice to credit.', 'REQUIRED');
  if (!input.invoiceId && input.allocateToInvoice) {
    throw userError(['input', 'allocateToInvoice'], 'allocateToInvoice: only a credit note against an invoice can be allocated to it at once.', 'INVALID');
  }
  return withIdempotency(
    db,
    actor,
    'createCreditNote',
    input.idempotencyKey,
    input,
    async (tx) => {
      let invoice: InvoiceRow | null = null;
      let lines: PricedLine[] | null = fields.lines ? pricedLineValues(fields.lines) : null;
      if (input.invoiceId) {
        const id = inputId(input.invoiceId, ['Invoice'], ['input', 'invoiceId']).id;
        // Locked: two credit notes against one invoice at once cannot together exceed it.
        invoice = await lockForUpdate(tx, invoices, actor, id, null, 'invoice', async () =>
          userError(['input', 'invoiceId'], 'invoiceId: no invoice with this ID.', 'NOT_FOUND'),
        );
        if (invoice.status === 'DRAFT' || invoice.status === 'VOID') {
          throw userError(
            ['input', 'invoiceId'],
            `invoiceId: the invoice is ${invoice.status === 'DRAFT' ? 'a draft' : 'void'}; only an issued invoice is credited.`,
            'INVALID_STATE',
          );
        }
        if (lines === null) {
          const copied = await tx.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, id)).orderBy(asc(invoiceLines.position));
          lines = copied.map(({ description, quantityMilli, unitPriceMinor, taxRateBp, category }) => ({
            description,
            quantityMilli,
            unitPriceMinor,
            taxRateBp,
            category,
          }));
        }
      }
      if (!lines || lines.length === 0) throw userError(['input', 'lines'], 'lines: a credit note needs at least one line.', 'REQUIRED');
      const payer = input.customerId
        ? await payerOf(tx, actor, input.customerId, ['input', 'customerId'])
        : await payerById(tx, actor, invoice!.customerId, ['input', 'invoiceId']);
      if (invoice && invoice.customerId !== payer.id) {
        throw userError(['input', 'invoiceId'], "invoiceId: the invoice is another customer's.", 'INVALID');
      }
      // Credit notes already standing against the invoice, before this one.
      const standing = invoice ? await creditedAgainst(tx, invoice.id) : 0;
      const number = await nextNumber(tx, actor.organisationId, 'CREDIT_NOTE');
      const [created] = await tx
        .insert(creditNotes)
        .values({
          organisationId: actor.organisationId,
          customerId: payer.id,
          invoiceId: invoice?.id ?? null,
          number,
          issueDate: fields.issueDate ?? today(),
          currency: invoice?.currency ?? payer.currency,
          reason: fields.reason,
          breakdown: input.breakdown ?? 'FULL',
          createdAt: recordedAt(actor),
        })
        .returning();
      const written = await tx
        .insert(creditNoteLines)
        .values(lines.map((line, position) => ({ ...line, position, organisationId: actor.organisationId, creditNoteId: created!.id })))
        .returning();
      let note = (await tx.select().from(creditNotes).where(eq(creditNotes.id, created!.id)))[0]!;
      if (invoice) {
        const left = creditable(invoice, standing);
        if (note.totalMinor > left) {
          const field = input.lines ? 'lines' : 'invoiceId';
          throw userError(
            ['input', field],
            `${field}: the credit note's total ${note.totalMinor} is more than the ${left} still creditable on ${invoiceReference(invoice)}.`,
            'INVALID',
          );
        }
      }
      const made =
        invoice && input.allocateToInvoice
          ? await allocate(
              tx,
              actor,
              sourceOf(note),
              [{ invoiceId: input.invoiceId!, amountMinor: Math.min(note.totalMinor, invoice.totalMinor - invoice.paidMinor - invoice.creditedMinor) }].filter(
                (a) => a.amountMinor > 0,
              ),
              ['input', 'allocateToInvoice'],
            )
          : [];
      if (made.length) note = (await tx.select().from(creditNotes).where(eq(creditNotes.id, created!.id)))[0]!;
      await recordAudit(tx, actor, [
        { action: 'creditNote.create', entityType: 'CreditNote', entityId: note.id, after: { ...created, lines: written } },
        ...allocationAudit(made),
      ]);
      return { creditNote: note };
    },
    codec,
  );
}

export async function allocateCreditNote(db: Db, actor: Actor, id: string, input: AllocateCreditNoteInput): Promise<CreditNoteResult> {
  return withIdempotency(
    db,
    actor,
    'allocateCreditNote',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockForUpdate(tx, creditNotes, actor, id, input.expectedVersion, 'credit note');
      if (before.status !== 'ISSUED')
        throw userError(['input', 'creditNoteId'], 'creditNoteId: the credit note is void; it has nothing to allocate.', 'INVALID_STATE');
      if (input.allocations.length === 0) throw userError(['input', 'allocations'], 'allocations: give at least one invoice and amount.', 'REQUIRED');
      const made = await allocate(tx, actor, sourceOf(before), input.allocations, ['input', 'allocations']);
      const [creditNote] = await tx.select().from(creditNotes).where(eq(creditNotes.id, id));
      await recordAudit(tx, actor, allocationAudit(made));
      return { creditNote: creditNote! };
    },
    codec,
  );
}

export async function voidCreditNote(db: Db, actor: Actor, id: string, input: VoidCreditNoteInput): Promise<CreditNoteResult> {
  const fields = validate(z.object({ reason: requiredText(TEXT_MAX) }), { reason: input.reason });
  return withIdempotency(
    db,
    actor,
    'voidCreditNote',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockForUpdate(tx, creditNotes, actor, id, input.expectedVersion, 'credit note');
      if (before.status === 'VOID') throw userError(['input', 'id'], 'id: the credit note is void already.', 'INVALID_STATE');
      if (before.allocatedMinor > 0) {
        throw userError(['input', 'id'], 'id: some of the credit note is allocated to invoices; undo those allocations before voiding it.', 'INVALID_STATE');
      }
      const creditNote = await writeUpdate(tx, creditNotes, id, { status: 'VOID', voidedAt: new Date(), voidReason: fields.reason });
      await recordAudit(tx, actor, { action: 'creditNote.void', entityType: 'CreditNote', entityId: id, before, after: creditNote });
      return { creditNote };
    },
    codec,
  );
}
