// The write side of invoices (docs/domain.md#invoices): a draft is created for a customer with its
// lines and changed freely; issuing gives it the next number (gapless: the number is taken in the
// issuing transaction), its issue date and its due date (issue date + the customer's creditor days);
// voiding keeps the number and needs a reason, and is refused while anything is allocated to it or
// a credit note stands against it. A draft can be deleted; an issued invoice only voided. Each change
// is one transaction with its audit entry.
import { and, asc, eq, isNotNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { recordedAt } from '../auth/actor';
import { contacts } from '../contacts/tables';
import { creditNotes } from '../credit-notes/tables';
import type { Db } from '../db/client';
import { nextNumber } from '../db/sequences';
import { onUniqueViolation } from '../db/unique';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateInvoiceInput, DeleteInvoiceInput, IssueInvoiceInput, UpdateInvoiceInput, VoidInvoiceInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { isoDate, optionalText, requiredText, TEXT_MAX } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { invoiceAddressForInvoice, invoiceAddressForNewInvoice } from '../invoice-addresses/service';
import { jobs } from '../pipeline/tables';
import { LINES_MAX, pricedLineValues, pricedLinesInput, type PricedLine } from './lines';
import { addDays, payerById, payerOf, today } from './payer';
import { invoiceJobs, invoiceLines, invoices, settledStatus, type InvoiceLineRow, type InvoiceRow } from './tables';

export type InvoiceResult = { invoice: InvoiceRow };
const codec = rowsCodec<InvoiceResult>({ invoice: invoices });

/** Writes an invoice's lines in order; `keepJobLines` replaces only the lines that bill no job. */
async function writeLines(
  tx: Db,
  actor: Actor,
  invoiceId: string,
  lines: Array<PricedLine & { jobId?: string | null }>,
  keepJobLines = false,
): Promise<InvoiceLineRow[]> {
  const kept = keepJobLines
    ? await tx
        .select()
        .from(invoiceLines)
        .where(and(eq(invoiceLines.invoiceId, invoiceId), isNotNull(invoiceLines.jobId)))
        .orderBy(asc(invoiceLines.position))
    : [];
  await tx.delete(invoiceLines).where(eq(invoiceLines.invoiceId, invoiceId));
  lines = [
    ...kept.map(({ description, quantityMilli, unitPriceMinor, taxRateBp, category, jobId }) => ({
      description,
      quantityMilli,
      unitPriceMinor,
      taxRateBp,
      category,
      jobId,
    })),
    ...lines,
  ];
  if (lines.length === 0) return [];
  return tx
    .insert(invoiceLines)
    .values(lines.map((line, position) => ({ ...line, position, organisationId: actor.organisationId, invoiceId })))
    .returning();
}

/** A contact of the invoice's customer, from mutation input (null clears it). */
async function contactOf(tx: Db, actor: Actor, customerId: string, globalId: string | null | undefined): Promise<string | null> {
  if (globalId == null) return null;
  const { id } = inputId(globalId, ['Contact'], ['input', 'contactId']);
  const [row] = await tx
    .select({ customerId: contacts.customerId })
    .from(contacts)
    .where(and(eq(contacts.id, id), eq(contacts.organisationId, actor.organisationId)));
  if (!row) throw notFound(['input', 'contactId'], 'contact');
  if (row.customerId !== customerId) throw userError(['input', 'contactId'], "contactId: the contact is not one of the invoice's customer's.", 'INVALID');
  return id;
}

async function reread(tx: Db, id: string): Promise<InvoiceRow> {
  const [row] = await tx.select().from(invoices).where(eq(invoices.id, id));
  return row!;
}

/** The jobs of a consolidated invoice: not cancelled nor free of charge, of the invoice's customer, given once each, on no other live invoice. */
async function checkJobs(tx: Db, actor: Actor, customerId: string, items: ReadonlyArray<{ jobId: string }>): Promise<string[]> {
  const ids = items.map((item, i) => inputId(item.jobId, ['Job'], ['input', 'jobs', i, 'jobId']).id);
  if (ids.length === 0) return [];
  const rows = await tx
    .select({ id: jobs.id, customerId: jobs.customerId, status: jobs.status, freeOfCharge: jobs.freeOfCharge, invoiceId: invoiceJobs.invoiceId })
    .from(jobs)
    .leftJoin(invoiceJobs, eq(invoiceJobs.jobId, jobs.id))
    .where(and(eq(jobs.organisationId, actor.organisationId), sql`${jobs.id} = any(${uuidArray(ids)})`, actor.visibility?.rows(jobs)))
    // Locked, so a job cannot be cancelled or marked free of charge while it is being billed.
    .for('update', { of: jobs });
  const byId = new Map(rows.map((r) => [r.id, r]));
  ids.forEach((id, i) => {
    const field = ['input', 'jobs', i, 'jobId'];
    const job = byId.get(id);
    if (!job) throw notFound(field, 'job');
    if (ids.indexOf(id) !== i) throw userError(field, `jobId: the job is given twice (also at ${ids.indexOf(id)}).`, 'INVALID');
    if (job.customerId !== customerId) throw userError(field, "jobId: the job is another customer's; an invoice bills one customer's jobs.", 'INVALID');
    // The work lifecycle (docs/domain.md#the-work-lifecycle): work to do, done, or attended (an aborted
    // visit may carry a call-out charge) is billed; a cancelled job or one marked free of charge is not.
    if (job.status === 'CANCELLED') throw userError(field, 'jobId: the job is CANCELLED; a cancelled job is not invoiced.', 'INVALID_STATE');
    if (job.freeOfCharge) throw userError(field, 'jobId: the job is free of charge; it is not invoiced.', 'INVALID_STATE');
    if (job.invoiceId) throw userError(field, 'jobId: the job is already on another invoice (void or delete that one first).', 'INVALID_STATE');
  });
  return ids;
}

export async function createInvoice(db: Db, actor: Actor, input: CreateInvoiceInput): Promise<InvoiceResult> {
  const fields = validate(
    z.object({
      lines: pricedLinesInput,
      notes: optionalText(TEXT_MAX),
      jobs: z
        .array(z.object({ jobId: z.string(), lines: pricedLinesInput.min(1, { message: 'give at least one line for the job' }) }))
        .max(50, { message: 'at most 50 jobs' })
        .nullish(),
    }),
    { lines: input.lines, notes: input.notes, jobs: input.jobs },
  );
  const jobLines = (fields.jobs ?? []).reduce((n, job) => n + job.lines.length, 0);
  if (fields.lines.length + jobLines > LINES_MAX)
    throw userError(['input', 'lines'], `lines: at most ${LINES_MAX} lines in all, jobs' lines included.`, 'INVALID');
  return withIdempotency(
    db,
    actor,
    'createInvoice',
    input.idempotencyKey,
    input,
    async (tx) => {
      const payer = await payerOf(tx, actor, input.customerId, ['input', 'customerId']);
      if (payer.anonymisedAt)
        throw userError(['input', 'customerId'], 'customerId: the customer has been anonymised; it takes no new invoices.', 'INVALID_STATE');
      // A status that blocks new work (Dormant) still lets the customer's open jobs be billed.
      if (!payer.status.allowsNewWork && (fields.lines.length > 0 || !fields.jobs?.length)) {
        throw userError(
          ['input', 'customerId'],
          `customerId: the customer's status (${payer.status.name}) does not allow new work, so an invoice for it may only bill its open jobs.`,
          'STATUS_BLOCKS_WORK',
        );
      }
      const jobIds = await checkJobs(tx, actor, payer.id, fields.jobs ?? []);
      const [created] = await tx
        .insert(invoices)
        .values({
          organisationId: actor.organisationId,
          customerId: payer.id,
          contactId: await contactOf(tx, actor, payer.id, input.contactId),
          invoiceAddressId: await invoiceAddressForNewInvoice(tx, actor, payer.id, input),
          currency: payer.currency,
          notes: fields.notes ?? null,
        })
        .returning();
      const billed = (fields.jobs ?? []).flatMap((job, i) => pricedLineValues(job.lines).map((line) => ({ ...line, jobId: jobIds[i]! })));
      const lines = await writeLines(tx, actor, created!.id, [...billed, ...pricedLineValues(fields.lines)]);
      if (jobIds.length) {
        await onUniqueViolation(
          'invoice_jobs_pkey',
          () => userError(['input', 'jobs'], 'jobs: one of the jobs was put on another invoice at the same time.', 'INVALID_STATE'),
          () => tx.insert(invoiceJobs).values(jobIds.map((jobId) => ({ organisationId: actor.organisationId, invoiceId: created!.id, jobId }))),
        );
      }
      const invoice = await reread(tx, created!.id);
      await recordAudit(tx, actor, { action: 'invoice.create', entityType: 'Invoice', entityId: invoice.id, after: { ...invoice, lines } });
      return { invoice };
    },
    codec,
  );
}

/** The invoice, locked, checked against `expectedVersion`, and required to be a draft for `what`. */
async function lockDraft(tx: Db, actor: Actor, id: string, expectedVersion: number | null | undefined, what: string): Promise<InvoiceRow> {
  const invoice = await lockForUpdate(tx, invoices, actor, id, expectedVersion, 'invoice');
  if (invoice.status !== 'DRAFT') {
    throw userError(['input', 'id'], `id: the invoice is ${invoice.status}, not a draft; ${what}`, 'INVALID_STATE');
  }
  return invoice;
}

export async function updateInvoice(db: Db, actor: Actor, id: string, input: UpdateInvoiceInput): Promise<InvoiceResult> {
  const fields = validate(z.object({ lines: pricedLinesInput.nullish(), notes: optionalText(TEXT_MAX) }), { lines: input.lines, notes: input.notes });
  if (input.lines === null) throw userError(['input', 'lines'], 'lines: give the lines, or omit the field to keep them.', 'REQUIRED');
  return db.transaction(async (tx) => {
    const before = await lockDraft(tx, actor, id, input.expectedVersion, 'only a draft can be changed (void it and raise a new one).');
    const beforeLines = await tx.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, id)).orderBy(asc(invoiceLines.position));
    const lines = fields.lines ? await writeLines(tx, actor, id, pricedLineValues(fields.lines), true) : beforeLines;
    const invoice = await writeUpdate(tx, invoices, id, {
      ...(input.notes !== undefined ? { notes: fields.notes ?? null } : {}),
      ...(input.contactId !== undefined ? { contactId: await contactOf(tx, actor, before.customerId, input.contactId) } : {}),
      ...(input.invoiceAddressId !== undefined
        ? { invoiceAddressId: await invoiceAddressForInvoice(tx, actor, before.customerId, input.invoiceAddressId) }
        : {}),
    });
    await recordAudit(tx, actor, {
      action: 'invoice.update',
      entityType: 'Invoice',
      entityId: id,
      before: { ...before, lines: beforeLines },
      after: { ...invoice, lines },
    });
    return { invoice };
  });
}

export async function issueInvoice(db: Db, actor: Actor, id: string, input: IssueInvoiceInput): Promise<InvoiceResult> {
  const fields = validate(z.object({ issueDate: isoDate.nullish() }), { issueDate: input.issueDate });
  return withIdempotency(
    db,
    actor,
    'issueInvoice',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockDraft(tx, actor, id, input.expectedVersion, 'it has been issued already.');
      const [{ count }] = (await tx
        .select({ count: sql<number>`count(*)::int` })
        .from(invoiceLines)
        .where(eq(invoiceLines.invoiceId, id))) as [{ count: number }];
      if (count === 0) throw userError(['input', 'id'], 'id: the invoice has no lines; add at least one before issuing it.', 'INVALID_STATE');
      const payer = await payerById(tx, actor, before.customerId, ['input', 'id']);
      return { invoice: await issue(tx, actor, before, fields.issueDate ?? today(), payer.creditorDays) };
    },
    codec,
  );
}

/** Numbers a locked draft, dates it and records it: ISSUED, or PAID at once for an invoice of nothing. */
async function issue(tx: Db, actor: Actor, before: InvoiceRow, issueDate: string, creditorDays: number): Promise<InvoiceRow> {
  const number = await nextNumber(tx, actor.organisationId, 'INVOICE');
  const invoice = await writeUpdate(tx, invoices, before.id, {
    number,
    issueDate,
    dueDate: addDays(issueDate, creditorDays),
    status: settledStatus(invoices.totalMinor, sql`0`),
  });
  await recordAudit(tx, actor, { action: 'invoice.issue', entityType: 'Invoice', entityId: before.id, before, after: invoice });
  return invoice;
}

export async function voidInvoice(db: Db, actor: Actor, id: string, input: VoidInvoiceInput): Promise<InvoiceResult> {
  const fields = validate(z.object({ reason: requiredText(TEXT_MAX) }), { reason: input.reason });
  return withIdempotency(
    db,
    actor,
    'voidInvoice',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockForUpdate(tx, invoices, actor, id, input.expectedVersion, 'invoice');
      if (before.status === 'DRAFT') throw userError(['input', 'id'], 'id: the invoice is a draft; delete it instead (deleteInvoice).', 'INVALID_STATE');
      if (before.status === 'VOID') throw userError(['input', 'id'], 'id: the invoice is void already.', 'INVALID_STATE');
      if (before.paidMinor + before.creditedMinor > 0) {
        throw userError(
          ['input', 'id'],
          'id: payments or credit notes are allocated to the invoice; undo those allocations (or reverse the payments) before voiding it.',
          'INVALID_STATE',
        );
      }
      const [standing] = await tx
        .select({ count: sql<number>`count(*)::int` })
        .from(creditNotes)
        .where(and(eq(creditNotes.invoiceId, id), ne(creditNotes.status, 'VOID')));
      if (standing!.count > 0) {
        throw userError(['input', 'id'], `id: ${standing!.count} credit note(s) stand against the invoice; void them before voiding it.`, 'INVALID_STATE');
      }
      const invoice = await writeUpdate(tx, invoices, id, { status: 'VOID', voidedAt: new Date(), voidReason: fields.reason });
      // Its jobs may be billed again.
      await tx.delete(invoiceJobs).where(eq(invoiceJobs.invoiceId, id));
      await recordAudit(tx, actor, { action: 'invoice.void', entityType: 'Invoice', entityId: id, before, after: invoice });
      return { invoice };
    },
    codec,
  );
}

export async function deleteInvoice(db: Db, actor: Actor, id: string, input: DeleteInvoiceInput): Promise<{ deletedInvoiceId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockDraft(tx, actor, id, input.expectedVersion, 'an issued invoice is kept; void it instead.');
    const lines = await tx.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, id));
    await tx.delete(invoices).where(eq(invoices.id, id));
    await recordAudit(tx, actor, { action: 'invoice.delete', entityType: 'Invoice', entityId: id, before: { ...before, lines } });
    return { deletedInvoiceId: id };
  });
}

export type NewInvoice = {
  customerId: string;
  lines: Array<{ description: string; quantityMilli: number; unitPriceMinor: number; taxRateBp?: number; category?: string | null }>;
  /** Issue at once (numbered, dated, due after the customer's creditor days). */
  issueDate?: string;
};

/**
 * An invoice raised by the server's own work (demo data, tests' fixtures): created as a draft with its
 * lines and, when `issueDate` is given, issued, in one transaction, through the same rules as the API.
 */
export async function raiseInvoice(db: Db, actor: Actor, input: NewInvoice): Promise<InvoiceRow> {
  return db.transaction(async (tx) => {
    const payer = await payerById(tx, actor, input.customerId, ['customerId']);
    const [created] = await tx
      .insert(invoices)
      .values({ organisationId: actor.organisationId, customerId: payer.id, currency: payer.currency, createdAt: recordedAt(actor) })
      .returning();
    const lines = await writeLines(
      tx,
      actor,
      created!.id,
      input.lines.map((l) => ({ ...l, taxRateBp: l.taxRateBp ?? 0, category: l.category ?? null })),
    );
    const invoice = await reread(tx, created!.id);
    await recordAudit(tx, actor, { action: 'invoice.create', entityType: 'Invoice', entityId: invoice.id, after: { ...invoice, lines } });
    return input.issueDate ? issue(tx, actor, invoice, input.issueDate, payer.creditorDays) : invoice;
  });
}
