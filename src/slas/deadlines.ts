// A new job's SLA deadlines (docs/domain.md#service-level-agreements), and a job's breach state.
//
// Which SLA applies to a customer's new job, first match wins:
//   1. the SLA of the customer's contract in force: not cancelled, started (start date today or
//      earlier), and not past its renewal date unless it renews itself; among several, the one
//      started most recently (then the newest recorded);
//   2. the customer's own SLA (`setCustomerSla`; after a merge, the newest one given);
//   3. none: the job has no deadlines.
// The deadlines are the job's creation time plus the SLA's hours for the job's priority, fixed then:
// changing the SLA or the contract later does not move them.
import { sql } from 'drizzle-orm';
import { contracts } from '../contracts/tables';
import { selectRows, type Db } from '../db/client';
import { uuidArray } from '../graph/connection';
import type { JobRow } from '../pipeline/tables';
import { customerSlas, slas, type JobPriorityValue, type SlaTargets } from './tables';

export type { JobPriorityValue } from './tables';

export type SlaDeadlines = {
  priority: JobPriorityValue;
  slaId: string | null;
  respondBy: Date | null;
  resolveBy: Date | null;
};

const HOUR_MS = 3_600_000;

/** The SLA that applies to a customer's new jobs: its id and hours per priority. */
export type ApplicableSla = { id: string; targets: SlaTargets };

/** The SLA that applies now to each of `customerIds` (those with none are absent), in one statement. */
export async function applicableSlas(tx: Db, customerIds: readonly string[]): Promise<Map<string, ApplicableSla>> {
  if (customerIds.length === 0) return new Map();
  const ids = uuidArray(customerIds);
  const rows = await selectRows<{ customer_id: string; id: string; targets: SlaTargets }>(
    tx,
    sql`select distinct on (applicable.customer_id) applicable.customer_id, s.id, s.targets from (
          select ${contracts.customerId} as customer_id, ${contracts.slaId} as sla_id, 1 as rank, ${contracts.startDate} as started, ${contracts.createdAt} as created
            from ${contracts}
           where ${contracts.customerId} = any(${ids}) and ${contracts.status} = 'ACTIVE' and ${contracts.slaId} is not null
             and ${contracts.startDate} <= current_date and (${contracts.renewalDate} >= current_date or ${contracts.autoRenew})
          union all
          select ${customerSlas.customerId}, ${customerSlas.slaId}, 2, null, ${customerSlas.createdAt} from ${customerSlas} where ${customerSlas.customerId} = any(${ids})
        ) applicable
        join ${slas} s on s.id = applicable.sla_id
        order by applicable.customer_id, applicable.rank, applicable.started desc nulls last, applicable.created desc`,
  );
  return new Map(rows.map((r) => [r.customer_id, { id: r.id, targets: r.targets }]));
}

/** The job columns a new job gets for `priority` at `now` under `sla`: its deadlines, or none. */
export function slaDeadlines(sla: ApplicableSla | undefined, priority: JobPriorityValue, now: Date): SlaDeadlines {
  if (!sla) return { priority, slaId: null, respondBy: null, resolveBy: null };
  const target = sla.targets[priority];
  return {
    priority,
    slaId: sla.id,
    respondBy: new Date(now.getTime() + target.responseHours * HOUR_MS),
    resolveBy: new Date(now.getTime() + target.resolutionHours * HOUR_MS),
  };
}

/** A job with SLA deadlines: what `Job.sla` resolves from. */
export type JobSlaValue = JobRow & { slaId: string; respondBy: Date; resolveBy: Date };

export function withSla(job: JobRow): JobSlaValue | null {
  return job.slaId && job.respondBy && job.resolveBy ? (job as JobSlaValue) : null;
}

/** Missed: met after the deadline, or not met and the deadline has passed. */
export function missed(deadline: Date, metAt: Date | null, now: Date): boolean {
  return (metAt ?? now) > deadline;
}

/** The earliest missed deadline, or null. */
export function breachedAt(job: JobSlaValue, now: Date): Date | null {
  if (missed(job.respondBy, job.respondedAt, now)) return job.respondBy;
  if (missed(job.resolveBy, job.resolvedAt, now)) return job.resolveBy;
  return null;
}
