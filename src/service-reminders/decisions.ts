// Batch decisions about service reminders (docs/domain.md#service-reminder-decisions): one call decides
// up to 500 reminders, each item one of AUTHORISE (a job, through the pipeline's job rules), CANCEL_ONCE,
// CANCEL_FOREVER, POSTPONE or UNKNOWN.
//
// How it stays fast and atomic per item, in one transaction:
// 1. every item is checked in memory first (its fields, its reminder: found, visible, at the version
//    expected, not cancelled), the reminders being read and locked in ONE statement, ordered by id so
//    two batches never deadlock;
// 2. the jobs of all authorisations are raised together through the pipeline's `insertJobs` (the status
//    gating of new work, statuses read in one query, jobs inserted in one statement): a refused job is
//    not written, and its item is reported (so no savepoints are needed: nothing of a refused item is
//    ever written);
// 3. what the accepted items change is written in bulk: one UPDATE of the reminders, one INSERT of the
//    decisions, one INSERT of the audit entries.
// With `allOrNothing`, any item error rolls the whole transaction back and the errors are returned.
import { and, eq, getTableColumns, sql, type Table } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor, type AuditChange } from '../audit/service';
import type { Db } from '../db/client';
import type { DecideServiceRemindersInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { withIdempotency, type ResultCodec } from '../graph/idempotency';
import { TEXT_MAX, isoDate, optionalText } from '../graph/text';
import { inputId, userError, UserErrors, validate, type UserError } from '../graph/user-errors';
import { insertJobs } from '../pipeline/jobs';
import { jobs, type JobRow } from '../pipeline/tables';
import {
  accessMethods,
  decisionKinds,
  serviceReminderDecisions,
  serviceReminders,
  serviceReminderTypes,
  type ServiceReminderDecisionRow,
  type ServiceReminderRow,
} from './tables';

/** The most items one call may decide. */
export const MAX_DECISIONS = 500;
const NOTES_MAX = 2000;

export type DecisionResult = {
  index: number;
  decided: boolean;
  reminder: ServiceReminderRow | null;
  decision: ServiceReminderDecisionRow | null;
  job: JobRow | null;
};
export type DecisionsOutcome = { results: DecisionResult[]; userErrors: UserError[] };

const itemSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  decision: z.enum(decisionKinds),
  postponeTo: isoDate.nullish(),
  accessMethod: z.enum(accessMethods).nullish(),
  accessNotes: optionalText(NOTES_MAX),
  jobDescription: optionalText(TEXT_MAX),
  scheduledFor: z.date().nullish(),
  overrideStatus: z.boolean().nullish(),
  notes: optionalText(NOTES_MAX),
});
type Item = z.output<typeof itemSchema> & { reminderId: string };

/** `date` (YYYY-MM-DD) plus whole months, the day clamped to the month's end (31 Jan + 1 = 28/29 Feb), as PostgreSQL does. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/** Today in UTC, as YYYY-MM-DD. */
const todayUtc = () => new Date().toISOString().slice(0, 10);

/** Fields that only one decision takes: given with another, the item is refused naming the field. */
const ONLY_FOR: Array<[keyof Item, Item['decision']]> = [
  ['postponeTo', 'POSTPONE'],
  ['accessMethod', 'AUTHORISE'],
  ['accessNotes', 'AUTHORISE'],
  ['jobDescription', 'AUTHORISE'],
  ['scheduledFor', 'AUTHORISE'],
  ['overrideStatus', 'AUTHORISE'],
];

/** A user error of one item: its `field` starts with `input.items.<index>`. */
function itemError(index: number, field: string, message: string, code: UserError['code']): UserError {
  return { field: ['input', 'items', String(index), field], message: `${field}: ${message}`, code };
}

/** An error thrown for `input.<field>` (the job rules' paths) moved under the item. */
function underItem(index: number, errors: UserErrors): UserError[] {
  return errors.errors.map((e) => ({ ...e, field: e.field[0] === 'input' ? ['input', 'items', String(index), ...e.field.slice(1)] : e.field }));
}

/** Rows of `table` from their JSON, with timestamp columns back to Dates (a replayed result). */
function revive<T>(table: Table, row: unknown): T | null {
  if (row == null) return null;
  const out = { ...(row as Record<string, unknown>) };
  for (const [name, column] of Object.entries(getTableColumns(table))) {
    if (column.dataType === 'date' && typeof out[name] === 'string') out[name] = new Date(out[name] as string);
  }
  return out as T;
}

const outcomeCodec: ResultCodec<DecisionsOutcome> = {
  store: (outcome) => JSON.parse(JSON.stringify(outcome)),
  replay: (stored) => {
    const { results, userErrors } = stored as DecisionsOutcome;
    return {
      userErrors,
      results: results.map((r) => ({
        ...r,
        reminder: revive<ServiceReminderRow>(serviceReminders, r.reminder),
        decision: revive<ServiceReminderDecisionRow>(serviceReminderDecisions, r.decision),
        job: revive<JobRow>(jobs, r.job),
      })),
    };
  },
};

export async function decideServiceReminders(db: Db, actor: Actor, input: DecideServiceRemindersInput, mayOverride: boolean): Promise<DecisionsOutcome> {
  if (input.items.length === 0 || input.items.length > MAX_DECISIONS) {
    throw userError(['input', 'items'], `items: give from 1 to ${MAX_DECISIONS} decisions (got ${input.items.length}).`, 'INVALID');
  }
  // Shape errors (a bad ID, a field too long) are item errors like any other.
  const errors = new Map<number, UserError[]>();
  const fail = (index: number, list: UserError[]) => errors.set(index, [...(errors.get(index) ?? []), ...list]);
  const items: Array<Item | null> = input.items.map((raw, index) => {
    try {
      const { reminderId, ...rest } = raw;
      const { id } = inputId(reminderId, ['ServiceReminder'], ['input', 'items', index, 'reminderId']);
      return { ...validate(itemSchema, rest, ['input', 'items', index]), reminderId: id };
    } catch (error) {
      if (!(error instanceof UserErrors)) throw error;
      fail(index, error.errors);
      return null;
    }
  });
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (!item) return;
    if (seen.has(item.reminderId))
      fail(index, [itemError(index, 'reminderId', 'the reminder is already decided by an earlier item of this call.', 'DUPLICATE')]);
    seen.add(item.reminderId);
    for (const [field, decision] of ONLY_FOR) {
      if (item[field] != null && item.decision !== decision)
        fail(index, [itemError(index, field, `is for ${decision} only, not ${item.decision}.`, 'INVALID')]);
    }
    if (item.decision === 'POSTPONE' && item.postponeTo == null) fail(index, [itemError(index, 'postponeTo', 'is required to postpone.', 'REQUIRED')]);
    if (item.decision === 'AUTHORISE' && item.accessMethod == null) fail(index, [itemError(index, 'accessMethod', 'is required to authorise.', 'REQUIRED')]);
  });

  return withIdempotency(
    db,
    actor,
    'decideServiceReminders',
    input.idempotencyKey,
    input,
    async (tx) => {
      const ids = [...seen].sort();
      // One statement reads and locks every reminder named, in id order; the type's name comes along
      // (the default job description).
      const locked =
        ids.length === 0
          ? []
          : await tx
              .select({ reminder: serviceReminders, typeName: serviceReminderTypes.name })
              .from(serviceReminders)
              .innerJoin(serviceReminderTypes, eq(serviceReminderTypes.id, serviceReminders.typeId))
              .where(
                and(
                  eq(serviceReminders.organisationId, actor.organisationId),
                  sql`${serviceReminders.id} = any(${uuidArray(ids)})`,
                  actor.visibility?.rows(serviceReminders),
                ),
              )
              .orderBy(serviceReminders.id)
              .for('update', { of: serviceReminders });
      const byId = new Map(locked.map((r) => [r.reminder.id, r]));
      const today = todayUtc();

      type Candidate = { index: number; item: Item; before: ServiceReminderRow; typeName: string; dueDateAfter: string; cancel: boolean; job: JobRow | null };
      const candidates: Candidate[] = [];
      const sortedErrors = () => [...errors.entries()].sort(([a], [b]) => a - b).flatMap(([, list]) => list);
      for (const [index, item] of items.entries()) {
        if (!item || errors.has(index)) continue;
        const found = byId.get(item.reminderId);
        if (!found) {
          fail(index, [itemError(index, 'reminderId', 'no service reminder with this ID.', 'NOT_FOUND')]);
          continue;
        }
        const before = found.reminder;
        if (item.expectedVersion != null && before.version !== item.expectedVersion) {
          fail(index, [
            itemError(
              index,
              'expectedVersion',
              `the reminder is at version ${before.version}, not ${item.expectedVersion}; reload and decide again.`,
              'VERSION_CONFLICT',
            ),
          ]);
          continue;
        }
        if (before.cancelledAt) {
          fail(index, [itemError(index, 'reminderId', 'the reminder was cancelled for good; nothing more can be decided about it.', 'INVALID_STATE')]);
          continue;
        }
        let dueDateAfter = before.dueDate;
        if (item.decision === 'AUTHORISE' || item.decision === 'CANCEL_ONCE') dueDateAfter = addMonths(before.dueDate, before.intervalMonths);
        if (item.decision === 'POSTPONE') {
          const to = item.postponeTo!;
          if (to <= before.dueDate || to < today) {
            fail(index, [
              itemError(index, 'postponeTo', `must be later than the current due date (${before.dueDate}) and not before today (${today}).`, 'INVALID'),
            ]);
            continue;
          }
          dueDateAfter = to;
        }
        candidates.push({ index, item, before, typeName: found.typeName, dueDateAfter, cancel: item.decision === 'CANCEL_FOREVER', job: null });
      }
      if (input.allOrNothing && errors.size > 0) throw new UserErrors(sortedErrors());

      // The jobs of every authorisation at once, through the pipeline's job rules (the status gating of
      // new work): a refused one is not written, and its item is reported.
      const authorising = candidates.filter((c) => c.item.decision === 'AUTHORISE');
      const made = await insertJobs(
        tx,
        actor,
        authorising.map(({ item, before, typeName }) => ({
          customerId: before.customerId,
          workAddressId: before.workAddressId,
          description: item.jobDescription ?? typeName,
          scheduledFor: item.scheduledFor ?? null,
          overrideStatus: item.overrideStatus,
          mayOverride,
          field: ['input', 'reminderId'],
        })),
      );
      const refused = new Set<number>();
      authorising.forEach((c, i) => {
        const result = made[i]!;
        if (result instanceof UserErrors) {
          fail(c.index, underItem(c.index, result));
          refused.add(c.index);
        } else c.job = result;
      });
      const accepted = candidates.filter((c) => !refused.has(c.index));

      const userErrors = sortedErrors();
      if (input.allOrNothing && userErrors.length > 0) throw new UserErrors(userErrors);

      // The reminders that move (all but UNKNOWN), in one statement: each id's new due date and
      // whether it is cancelled, looked up by position in two array parameters.
      const moving = accepted.filter((a) => a.item.decision !== 'UNKNOWN');
      const after = new Map<string, ServiceReminderRow>();
      if (moving.length > 0) {
        const idArray = uuidArray(moving.map((a) => a.before.id));
        const position = sql`array_position(${idArray}, ${serviceReminders.id})`;
        const dates = sql`${`{${moving.map((a) => a.dueDateAfter).join(',')}}`}::date[]`;
        const cancels = sql`${`{${moving.map((a) => (a.cancel ? 't' : 'f')).join(',')}}`}::boolean[]`;
        const rows = await tx
          .update(serviceReminders)
          .set({
            dueDate: sql`(${dates})[${position}]`,
            cancelledAt: sql`case when (${cancels})[${position}] then clock_timestamp() else ${serviceReminders.cancelledAt} end`,
            version: sql`${serviceReminders.version} + 1`,
            updatedAt: sql`clock_timestamp()`,
          })
          .where(sql`${serviceReminders.id} = any(${idArray})`)
          .returning();
        for (const row of rows) after.set(row.id, row);
      }
      const decisions =
        accepted.length === 0
          ? []
          : await tx
              .insert(serviceReminderDecisions)
              .values(
                accepted.map((a) => ({
                  organisationId: actor.organisationId,
                  customerId: a.before.customerId,
                  reminderId: a.before.id,
                  workAddressId: a.before.workAddressId,
                  decision: a.item.decision,
                  decidedById: actor.kind === 'user' ? actor.userId : null,
                  notes: a.item.notes ?? null,
                  accessMethod: a.item.accessMethod ?? null,
                  accessNotes: a.item.accessNotes ?? null,
                  jobId: a.job?.id ?? null,
                  dueDateBefore: a.before.dueDate,
                  dueDateAfter: a.dueDateAfter,
                })),
              )
              .returning();
      const audit: AuditChange[] = [];
      accepted.forEach((a, i) => {
        const decision = decisions[i]!;
        audit.push({ action: 'serviceReminderDecision.create', entityType: 'ServiceReminderDecision', entityId: decision.id, after: decision });
        const changed = after.get(a.before.id);
        if (changed) audit.push({ action: 'serviceReminder.decide', entityType: 'ServiceReminder', entityId: a.before.id, before: a.before, after: changed });
      });
      await recordAudit(tx, actor, audit);

      const byIndex = new Map(accepted.map((a, i) => [a.index, { a, decision: decisions[i]! }]));
      const results: DecisionResult[] = input.items.map((_item, index) => {
        const done = byIndex.get(index);
        if (!done) return { index, decided: false, reminder: null, decision: null, job: null };
        return { index, decided: true, reminder: after.get(done.a.before.id) ?? done.a.before, decision: done.decision, job: done.a.job };
      });
      return { results, userErrors };
    },
    outcomeCodec,
  );
}
