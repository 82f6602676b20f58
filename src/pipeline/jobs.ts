// Jobs at a customer's work address (docs/domain.md#sales-pipeline): new work, refused while the customer's status does not
// allow it (docs/domain.md#status-gating-of-new-work) unless an admin or manager overrides (audited).
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import type { CreateJobInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { TEXT_MAX, requiredText } from '../graph/text';
import { UserErrors, validate } from '../graph/user-errors';
import { applicableSlas, slaDeadlines, type JobPriorityValue } from '../slas/deadlines';
import { customerAndWorkAddress, gateNewWork, workStatuses, type Path } from './shared';
import { jobs, type JobRow } from './tables';

export async function createJob(db: Db, actor: Actor, input: CreateJobInput, mayOverride: boolean): Promise<{ job: JobRow }> {
  const fields = validate(z.object({ description: requiredText(TEXT_MAX), scheduledFor: z.date().nullish(), overrideStatus: z.boolean().nullish() }), {
    description: input.description,
    scheduledFor: input.scheduledFor,
    overrideStatus: input.overrideStatus,
  });
  return withIdempotency(
    db,
    actor,
    'createJob',
    input.idempotencyKey,
    input,
    async (tx) => {
      const { customer, workAddressId } = await customerAndWorkAddress(tx, actor, input);
      const job = await insertJob(tx, actor, {
        customerId: customer.id,
        workAddressId,
        description: fields.description,
        scheduledFor: fields.scheduledFor ?? null,
        overrideStatus: fields.overrideStatus,
        mayOverride,
        priority: input.priority ?? 'NORMAL',
      });
      return { job };
    },
    rowsCodec<{ job: JobRow }>({ job: jobs }),
  );
}

/** A new job for a customer and one of its work addresses, both already checked by the caller. */
export type NewJob = {
  customerId: string;
  workAddressId: string;
  description: string;
  scheduledFor: Date | null;
  /** NORMAL when not given; with the SLA that applies, it sets the job's deadlines (src/slas/deadlines.ts). */
  priority?: JobPriorityValue;
  overrideStatus?: boolean | null;
  mayOverride: boolean;
  /** Where a status refusal points in the caller's input (createJob: `input.customerId`). */
  field?: Path;
};

/** Writes a job in the caller's transaction, through the status gating of new work, with its audit entry. */
export async function insertJob(tx: Db, actor: Actor, input: NewJob): Promise<JobRow> {
  const [result] = await insertJobs(tx, actor, [input]);
  if (result instanceof UserErrors) throw result;
  return result!;
}

/**
 * Jobs written in bulk in the caller's transaction (an authorised batch of service reminders): each
 * through the status gating of new work, the statuses read in one query, the jobs allowed inserted in
 * one statement and audited in one more. Returns, per job asked for and in order, the job or why it
 * was refused; nothing is written for a refused one.
 */
export async function insertJobs(tx: Db, actor: Actor, input: readonly NewJob[]): Promise<Array<JobRow | UserErrors>> {
  const statuses = await workStatuses(tx, [...new Set(input.map((j) => j.customerId))]);
  const verdicts = input.map((j) => {
    try {
      return { overriddenStatus: gateNewWork(statuses.get(j.customerId), { overrideStatus: j.overrideStatus, mayOverride: j.mayOverride, field: j.field }) };
    } catch (error) {
      if (error instanceof UserErrors) return error;
      throw error;
    }
  });
  const allowed = input.flatMap((j, i) => {
    const verdict = verdicts[i]!;
    return verdict instanceof UserErrors ? [] : [{ job: j, overriddenStatus: verdict.overriddenStatus }];
  });
  // The SLA that applies now to each customer, read once for the batch; its hours fix the deadlines.
  const slas = allowed.length === 0 ? new Map() : await applicableSlas(tx, [...new Set(allowed.map(({ job }) => job.customerId))]);
  const now = new Date();
  const rows =
    allowed.length === 0
      ? []
      : await tx
          .insert(jobs)
          .values(
            allowed.map(({ job }) => ({
              organisationId: actor.organisationId,
              customerId: job.customerId,
              workAddressId: job.workAddressId,
              description: job.description,
              scheduledFor: job.scheduledFor,
              ...slaDeadlines(slas.get(job.customerId), job.priority ?? 'NORMAL', now),
            })),
          )
          .returning();
  await recordAudit(
    tx,
    actor,
    rows.map((job, i) => {
      const { overriddenStatus } = allowed[i]!;
      return { action: 'job.create', entityType: 'Job', entityId: job.id, after: { ...job, ...(overriddenStatus ? { overriddenStatus } : {}) } };
    }),
  );
  let next = 0;
  return verdicts.map((verdict) => (verdict instanceof UserErrors ? verdict : rows[next++]!));
}
