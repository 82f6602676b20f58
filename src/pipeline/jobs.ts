// Jobs at a customer's work address (docs/domain.md#sales-pipeline): new work, refused while the customer's status does not
// allow it (docs/domain.md#status-gating-of-new-work) unless an admin or manager overrides (audited).
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import type { CreateJobInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { TEXT_MAX, requiredText } from '../graph/text';
import { validate } from '../graph/user-errors';
import { slaDeadlinesFor } from '../slas/deadlines';
import { checkNewWorkAllowed, customerAndWorkAddress } from './shared';
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
      const overriddenStatus = await checkNewWorkAllowed(tx, customer.id, { overrideStatus: fields.overrideStatus, mayOverride });
      const [job] = await tx
        .insert(jobs)
        .values({
          organisationId: actor.organisationId,
          customerId: customer.id,
          workAddressId,
          description: fields.description,
          scheduledFor: fields.scheduledFor ?? null,
          // Priority, and the deadlines of the SLA that applies now, if any (src/slas/deadlines.ts).
          ...(await slaDeadlinesFor(tx, customer.id, input.priority ?? 'NORMAL', new Date())),
        })
        .returning();
      await recordAudit(tx, actor, {
        action: 'job.create',
        entityType: 'Job',
        entityId: job!.id,
        after: { ...job, ...(overriddenStatus ? { overriddenStatus } : {}) },
      });
      return { job: job! };
    },
    rowsCodec<{ job: JobRow }>({ job: jobs }),
  );
}
