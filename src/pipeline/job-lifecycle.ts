// The work lifecycle of a job (docs/domain.md#the-work-lifecycle): named moves, each under the job's
// row lock with `expectedVersion`, each audited, each storing what it says in the job's own columns.
//
//   OPEN ──scheduleJob──▶ SCHEDULED ──scheduleJob──▶ SCHEDULED (rescheduled)
//   OPEN | SCHEDULED ──completeJob──▶ COMPLETED (outcome, completedAt)
//   SCHEDULED ──abortJob──▶ ABORTED (reason): the visit was made but the work could not be done. An
//     OPEN job was never booked, so nobody attended: calling it off is cancelJob.
//   OPEN | SCHEDULED ──cancelJob──▶ CANCELLED (optional reason); refused while it is on a live invoice.
//   markJobFreeOfCharge: not to be invoiced (any state but CANCELLED; refused while on a live invoice).
//
// Anything else is INVALID_STATE naming the current status. Consolidated invoicing
// (src/invoices/write.ts) bills OPEN, SCHEDULED, COMPLETED and ABORTED jobs that are not free of charge.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { AbortJobInput, CancelJobInput, CompleteJobInput, MarkJobFreeOfChargeInput, ScheduleJobInput } from '../generated/graphql';
import { TEXT_MAX, optionalText, requiredText } from '../graph/text';
import { userError, validate } from '../graph/user-errors';
import { invoiceJobs } from '../invoices/tables';
import { jobs, type JobRow, type JobStatus } from './tables';

const expectedVersion = z.number().int().nullish();
/** A completion may be recorded a little after the fact, never before it happens (clock skew allowed). */
const SKEW_MS = 5 * 60 * 1000;

/** The statuses a job can still be worked on in: what "open" means for work addresses and invoices too. */
export const OPEN_JOB_STATUSES: readonly JobStatus[] = ['OPEN', 'SCHEDULED'];

type Move = { what: string; from: readonly JobStatus[] };

/** The job locked for a move, refused (INVALID_STATE, naming its status) unless it is in one of `from`. */
async function lockJob(tx: Db, actor: Actor, jobId: string, version: number | null | undefined, move: Move): Promise<JobRow> {
  const job = await lockForUpdate(tx, jobs, actor, jobId, version, 'job');
  if (!move.from.includes(job.status)) {
    throw userError(['input', 'id'], `id: the job is ${job.status}; only ${move.from.join(' or ')} jobs can be ${move.what}.`, 'INVALID_STATE');
  }
  return job;
}

/** Refuses a change that would contradict the live invoice a job is on (void or delete that first). */
async function refuseWhileInvoiced(tx: Db, job: JobRow, what: string): Promise<void> {
  const [billed] = await tx.select({ invoiceId: invoiceJobs.invoiceId }).from(invoiceJobs).where(eq(invoiceJobs.jobId, job.id));
  if (billed) throw userError(['input', 'id'], `id: the job is on an invoice; void or delete that invoice before it can be ${what}.`, 'INVALID_STATE');
}

async function move(
  db: Db,
  actor: Actor,
  jobId: string,
  version: number | null | undefined,
  spec: Move & { action: string; invoiced?: 'refuse' },
  changes: (job: JobRow) => Partial<JobRow>,
): Promise<{ job: JobRow }> {
  return db.transaction(async (tx) => {
    const before = await lockJob(tx, actor, jobId, version, spec);
    if (spec.invoiced === 'refuse') await refuseWhileInvoiced(tx, before, spec.what);
    const after = await writeUpdate(tx, jobs, before.id, changes(before));
    await recordAudit(tx, actor, { action: spec.action, entityType: 'Job', entityId: after.id, before, after });
    return { job: after };
  });
}

export async function scheduleJob(db: Db, actor: Actor, jobId: string, input: ScheduleJobInput): Promise<{ job: JobRow }> {
  const fields = validate(z.object({ expectedVersion, scheduledFor: z.date({ message: 'must be a date and time' }) }), input);
  return move(db, actor, jobId, fields.expectedVersion, { what: 'scheduled', from: ['OPEN', 'SCHEDULED'], action: 'job.schedule' }, () => ({
    status: 'SCHEDULED',
    scheduledFor: fields.scheduledFor,
  }));
}

/**
 * `mayWaiveCharge`: the viewer keeps the books (decided by the caller, who knows the role); others may
 * complete a job but not make it free of charge (NOT_PERMITTED), as markJobFreeOfCharge's rule says.
 */
export async function completeJob(db: Db, actor: Actor, jobId: string, input: CompleteJobInput, mayWaiveCharge: boolean): Promise<{ job: JobRow }> {
  const fields = validate(
    z.object({
      expectedVersion,
      outcome: requiredText(TEXT_MAX),
      completedAt: z
        .date()
        .nullish()
        .refine((d) => d == null || d.getTime() <= Date.now() + SKEW_MS, { message: 'must not be in the future' }),
      freeOfCharge: z.boolean().nullish(),
    }),
    input,
  );
  if (fields.freeOfCharge != null && !mayWaiveCharge) {
    throw userError(['input', 'freeOfCharge'], 'freeOfCharge: only admins, managers and finance decide that work is not invoiced.', 'NOT_PERMITTED');
  }
  return move(db, actor, jobId, fields.expectedVersion, { what: 'completed', from: ['OPEN', 'SCHEDULED'], action: 'job.complete' }, (job) => ({
    status: 'COMPLETED',
    outcome: fields.outcome,
    completedAt: fields.completedAt ?? new Date(),
    freeOfCharge: fields.freeOfCharge ?? job.freeOfCharge,
  }));
}

export async function abortJob(db: Db, actor: Actor, jobId: string, input: AbortJobInput): Promise<{ job: JobRow }> {
  const fields = validate(z.object({ expectedVersion, reason: requiredText(TEXT_MAX) }), input);
  return move(db, actor, jobId, fields.expectedVersion, { what: 'aborted', from: ['SCHEDULED'], action: 'job.abort' }, () => ({
    status: 'ABORTED',
    abortReason: fields.reason,
    abortedAt: new Date(),
  }));
}

export async function cancelJob(db: Db, actor: Actor, jobId: string, input: CancelJobInput): Promise<{ job: JobRow }> {
  const fields = validate(z.object({ expectedVersion, reason: optionalText(TEXT_MAX) }), input);
  return move(db, actor, jobId, fields.expectedVersion, { what: 'cancelled', from: ['OPEN', 'SCHEDULED'], action: 'job.cancel', invoiced: 'refuse' }, () => ({
    status: 'CANCELLED',
    cancelReason: fields.reason ?? null,
    cancelledAt: new Date(),
  }));
}

export async function markJobFreeOfCharge(db: Db, actor: Actor, jobId: string, input: MarkJobFreeOfChargeInput): Promise<{ job: JobRow }> {
  const fields = validate(z.object({ expectedVersion, freeOfCharge: z.boolean({ message: 'must be true or false' }).nullish() }), input);
  const freeOfCharge = fields.freeOfCharge ?? true;
  return move(
    db,
    actor,
    jobId,
    fields.expectedVersion,
    {
      what: freeOfCharge ? 'marked free of charge' : 'made chargeable again',
      from: ['OPEN', 'SCHEDULED', 'COMPLETED', 'ABORTED'],
      action: 'job.freeOfCharge',
      invoiced: 'refuse',
    },
    () => ({ freeOfCharge }),
  );
}
