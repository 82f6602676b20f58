// The SLA of service cases: the organisation's hours per priority (or the built-in ones), the
// deadlines a new case gets from them, and the breach state of a case, in TypeScript for a case read
// and in SQL for the `breached` filter (the same rule in both).
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { serviceCases, serviceCaseSlaDefaults, type ServiceCasePriority, type ServiceCaseRow } from './tables';

export const SLA_MAX_HOURS = 8760;

/** What an organisation that has set nothing gets. */
export const BUILT_IN_SLA: Readonly<Record<ServiceCasePriority, { respondWithinHours: number; resolveWithinHours: number }>> = {
  URGENT: { respondWithinHours: 1, resolveWithinHours: 8 },
  HIGH: { respondWithinHours: 4, resolveWithinHours: 24 },
  NORMAL: { respondWithinHours: 8, resolveWithinHours: 72 },
  LOW: { respondWithinHours: 24, resolveWithinHours: 168 },
};

export const PRIORITIES: readonly ServiceCasePriority[] = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];

export type SlaDefault = { priority: ServiceCasePriority; respondWithinHours: number; resolveWithinHours: number };

/** The organisation's SLA per priority, built-in where it has set none. */
export async function slaDefaults(db: Db, organisationId: string): Promise<SlaDefault[]> {
  const rows = await db.select().from(serviceCaseSlaDefaults).where(eq(serviceCaseSlaDefaults.organisationId, organisationId));
  return PRIORITIES.map((priority) => {
    const set = rows.find((r) => r.priority === priority);
    return { priority, ...(set ? { respondWithinHours: set.respondWithinHours, resolveWithinHours: set.resolveWithinHours } : BUILT_IN_SLA[priority]) };
  });
}

export async function slaFor(db: Db, organisationId: string, priority: ServiceCasePriority): Promise<SlaDefault> {
  const [set] = await db
    .select()
    .from(serviceCaseSlaDefaults)
    .where(and(eq(serviceCaseSlaDefaults.organisationId, organisationId), eq(serviceCaseSlaDefaults.priority, priority)));
  return { priority, ...(set ? { respondWithinHours: set.respondWithinHours, resolveWithinHours: set.resolveWithinHours } : BUILT_IN_SLA[priority]) };
}

export const addHours = (from: Date, hours: number) => new Date(from.getTime() + hours * 3_600_000);

export type Breach = { response: boolean; resolution: boolean; breached: boolean };

/** A deadline is missed when the event came after it, or has not come and the deadline has passed. */
export function breachOf(c: Pick<ServiceCaseRow, 'respondBy' | 'resolveBy' | 'respondedAt' | 'resolvedAt'>, now: Date = new Date()): Breach {
  const missed = (deadline: Date | null, done: Date | null) => deadline !== null && (done ?? now).getTime() > deadline.getTime();
  const response = missed(c.respondBy, c.respondedAt);
  const resolution = missed(c.resolveBy, c.resolvedAt);
  return { response, resolution, breached: response || resolution };
}

/** `breachOf(case).breached`, as SQL over the cases table. */
export const breachedSql: SQL = sql`(
  (${serviceCases.respondBy} is not null and coalesce(${serviceCases.respondedAt}, now()) > ${serviceCases.respondBy})
  or (${serviceCases.resolveBy} is not null and coalesce(${serviceCases.resolvedAt}, now()) > ${serviceCases.resolveBy}))`;
