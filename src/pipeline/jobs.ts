// Jobs at a customer's work address (docs/domain.md#sales-pipeline): new work, refused while the customer's status does not
// allow it (docs/domain.md#status-gating-of-new-work) unless an admin or manager overrides (audited).
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import type { CreateJobInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { TEXT_MAX, requiredText } from '../graph/text';
import { validate } from '../graph/user-errors';
import { checkNewWorkAllowed, customerAndWorkAddress, type Path } from './shared';
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
  overrideStatus?: boolean | null;
  mayOverride: boolean;
  /** Where a status refusal points in the caller's input (createJob: `input.customerId`). */
  field?: Path;
};

/**
 * Writes a job in the caller's transaction, through the status gating of new work, with its audit
 * entry: createJob's rules for whoever else raises jobs (an authorised service reminder).
 */
export async function insertJob(tx: Db, actor: Actor, input: NewJob): Promise<JobRow> {
  const overriddenStatus = await checkNewWorkAllowed(tx, input.customerId, {
    overrideStatus: input.overrideStatus,
    mayOverride: input.mayOverride,
    field: input.field,
  });
  const [job] = await tx
    .insert(jobs)
    .values({
      organisationId: actor.organisationId,
      customerId: input.customerId,
      workAddressId: input.workAddressId,
      description: input.description,
      scheduledFor: input.scheduledFor,
    })
    .returning();
  await recordAudit(tx, actor, {
    action: 'job.create',
    entityType: 'Job',
    entityId: job!.id,
    after: { ...job, ...(overriddenStatus ? { overriddenStatus } : {}) },
  });
  return job!;
}
