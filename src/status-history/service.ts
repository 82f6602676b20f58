// Status history and transition rules (docs/domain.md#status-history-and-transition-rules).
//
// Every workflow that sets a customer's status or a lead's status calls, inside its own transaction:
//   assertCustomerTransition / assertLeadTransition  — the organisation's rules, before it writes;
//   recordCustomerStatusChanges / recordLeadStatusChanges — the history rows, with the change.
// A refusal is a user error, so the workflow's transaction rolls back and nothing is written.
//
// A rule matches a change when its `from` is the change's from-status or null (any), and its `to` is
// the change's to-status or null (any). A customer's first status (created, imported, converted) is a
// change from no status: only rules with no `from` match it. A lead's first status is always NEW and
// is no one's choice: it is recorded, never checked. Every matching rule must list the actor's role;
// the server's own work (demo data, jobs) is bound by none. Rules are a short list per organisation,
// read whole and matched here, so `allowedTransitions` applies exactly the same test as the writes.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { roles, type Role } from '../auth/roles';
import { customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { insertMany } from '../db/insert-many';
import { onUniqueViolation } from '../db/unique';
import type { CreateCustomerStatusTransitionRuleInput, CreateLeadStatusTransitionRuleInput, DeleteStatusTransitionRuleInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { toGlobalId } from '../graph/ids';
import { optionalText } from '../graph/text';
import { inputId, notFound, userError, UserErrors, validate } from '../graph/user-errors';
import type { LeadStatus } from '../leads/tables';
import {
  customerStatusChanges,
  customerStatusTransitionRules,
  leadStatusChanges,
  leadStatusTransitionRules,
  type CustomerStatusTransitionRuleRow,
  type LeadStatusTransitionRuleRow,
  type StatusChangeSource,
} from './tables';

/** The longest note a status change keeps. */
export const STATUS_NOTE_MAX = 1000;

export const statusNoteSchema = optionalText(STATUS_NOTE_MAX);

/** A status note from a mutation's input (trimmed; blank is none), or a user error naming the field. */
export function statusNoteOf(value: string | null | undefined, field: string[] = ['input', 'statusNote']): string | null {
  const parsed = statusNoteSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw userError(field, `${field[field.length - 1]}: ${issue.message}`, issue.code === 'too_big' ? 'TOO_LONG' : 'INVALID');
  }
  return parsed.data ?? null;
}

type Rule<S> = { id: string; from: S | null; to: S | null; allowedRoles: readonly Role[] };

/** The rules a change from `from` (null: a first status) to `to` matches and `role` is not listed in. */
export function refusingRules<S, R extends Rule<S>>(rules: readonly R[], role: Role | null, from: S | null, to: S): R[] {
  return rules.filter((r) => (r.from === null || r.from === from) && (r.to === null || r.to === to) && !(role !== null && r.allowedRoles.includes(role)));
}

const customerRule = (r: CustomerStatusTransitionRuleRow) => ({ ...r, from: r.fromStatusId, to: r.toStatusId });
const leadRule = (r: LeadStatusTransitionRuleRow) => ({ ...r, from: r.fromStatus, to: r.toStatus });

export async function customerTransitionRules(db: Db, organisationId: string) {
  const rows = await db
    .select()
    .from(customerStatusTransitionRules)
    .where(eq(customerStatusTransitionRules.organisationId, organisationId))
    .orderBy(asc(customerStatusTransitionRules.createdAt), asc(customerStatusTransitionRules.id));
  return rows.map(customerRule);
}

export async function leadTransitionRules(db: Db, organisationId: string) {
  const rows = await db
    .select()
    .from(leadStatusTransitionRules)
    .where(eq(leadStatusTransitionRules.organisationId, organisationId))
    .orderBy(asc(leadStatusTransitionRules.createdAt), asc(leadStatusTransitionRules.id));
  return rows.map(leadRule);
}

function rolesText(allowed: readonly Role[]): string {
  return allowed.length === 0 ? 'nobody may make it' : `only ${allowed.join(', ')} may make it`;
}

function refusal(
  field: (string | number)[],
  rule: { id: string; reason: string | null; allowedRoles: readonly Role[] },
  type: 'CustomerStatusTransitionRule' | 'LeadStatusTransitionRule',
  pair: string,
): UserErrors {
  const last = field[field.length - 1];
  const reason = rule.reason ? ` (${rule.reason})` : '';
  const error = userError(
    field,
    `${last}: the organisation's transition rule ${pair}${reason} restricts this change: ${rolesText(rule.allowedRoles)}.`,
    'STATUS_TRANSITION_RESTRICTED',
  );
  return new UserErrors(error.errors.map((e) => ({ ...e, transitionRuleId: toGlobalId(type, rule.id) })));
}

/**
 * Refuses a change of a customer's status (from null: its first status) that a rule of the
 * organisation does not let the actor's role make: STATUS_TRANSITION_RESTRICTED naming the rule.
 */
export async function assertCustomerTransition(
  tx: Db,
  actor: Actor,
  fromStatusId: string | null,
  toStatusId: string,
  field: (string | number)[] = ['input', 'statusId'],
): Promise<void> {
  if (actor.kind === 'system' || fromStatusId === toStatusId) return;
  const refused = refusingRules(await customerTransitionRules(tx, actor.organisationId), actor.role, fromStatusId, toStatusId)[0];
  if (!refused) return;
  const ids = [refused.fromStatusId, refused.toStatusId].filter((id): id is string => id !== null);
  const names = new Map(
    (
      await tx
        .select({ id: customerStatuses.id, name: customerStatuses.name })
        .from(customerStatuses)
        .where(sql`${customerStatuses.id} = any(${uuidArray(ids)})`)
    ).map((s) => [s.id, s.name]),
  );
  const name = (id: string | null) => (id === null ? 'any status' : `"${names.get(id) ?? id}"`);
  throw refusal(field, refused, 'CustomerStatusTransitionRule', `${name(refused.fromStatusId)} → ${name(refused.toStatusId)}`);
}

/** Refuses a change of a lead's status that a rule of the organisation does not let the actor's role make. */
export async function assertLeadTransition(
  tx: Db,
  actor: Actor,
  from: LeadStatus,
  to: LeadStatus,
  field: (string | number)[] = ['input', 'status'],
): Promise<void> {
  if (actor.kind === 'system' || from === to) return;
  const refused = refusingRules(await leadTransitionRules(tx, actor.organisationId), actor.role, from, to)[0];
  if (!refused) return;
  throw refusal(field, refused, 'LeadStatusTransitionRule', `${refused.fromStatus ?? 'any status'} → ${refused.toStatus ?? 'any status'}`);
}

export type CustomerStatusChange = { customerId: string; fromStatusId: string | null; toStatusId: string; source: StatusChangeSource; note?: string | null };
export type LeadStatusChange = { leadId: string; fromStatus: LeadStatus | null; toStatus: LeadStatus; source: StatusChangeSource; note?: string | null };

/** Writes customers' status changes (one statement, one parameter: an import writes a thousand), by the actor, now. */
export async function recordCustomerStatusChanges(tx: Db, actor: Actor, changes: readonly CustomerStatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  await insertMany(
    tx,
    customerStatusChanges,
    changes.map((c) => ({
      organisationId: actor.organisationId,
      customerId: c.customerId,
      recordedForId: c.customerId,
      fromStatusId: c.fromStatusId,
      toStatusId: c.toStatusId,
      changedById: actor.userId,
      source: c.source,
      note: c.note ?? null,
    })),
  );
}

/** Writes leads' status changes (one statement), by the actor, now. */
export async function recordLeadStatusChanges(tx: Db, actor: Actor, changes: readonly LeadStatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  await insertMany(
    tx,
    leadStatusChanges,
    changes.map((c) => ({
      organisationId: actor.organisationId,
      leadId: c.leadId,
      fromStatus: c.fromStatus,
      toStatus: c.toStatus,
      changedById: actor.userId,
      source: c.source,
      note: c.note ?? null,
    })),
  );
}

// Managing the rules (admins: the rule tree).

const ruleFields = {
  allowedRoles: z.array(z.enum(roles)).max(roles.length * 2, { message: 'lists a role more than once' }),
  reason: optionalText(500),
};
const leadStatuses = ['NEW', 'CONTACTED', 'QUALIFIED', 'CONVERTED', 'LOST'] as const;
const leadRuleSchema = z.object({ ...ruleFields, fromStatus: z.enum(leadStatuses).nullish(), toStatus: z.enum(leadStatuses).nullish() });

function checkRoles(allowedRoles: readonly Role[]): Role[] {
  const seen = new Set<Role>();
  allowedRoles.forEach((role, i) => {
    if (seen.has(role)) throw userError(['input', 'allowedRoles', i], `allowedRoles: ${role} is listed twice.`, 'INVALID');
    seen.add(role);
  });
  return [...seen];
}

/** A customer status of the organisation named in the input, or a user error naming the field. */
async function customerStatusOf(tx: Db, actor: Actor, globalId: string, field: string): Promise<string> {
  const { id } = inputId(globalId, ['CustomerStatus'], ['input', field]);
  const [row] = await tx
    .select({ id: customerStatuses.id })
    .from(customerStatuses)
    .where(and(eq(customerStatuses.id, id), eq(customerStatuses.organisationId, actor.organisationId)));
  if (!row) throw notFound(['input', field], 'customer status');
  return row.id;
}

const duplicateRule = () =>
  userError(['input', 'toStatus'], 'toStatus: the organisation already has a rule for this change; delete it first to replace it.', 'DUPLICATE');

export async function createCustomerStatusTransitionRule(
  db: Db,
  actor: Actor,
  input: CreateCustomerStatusTransitionRuleInput,
): Promise<{ rule: CustomerStatusTransitionRuleRow }> {
  const { allowedRoles, reason } = validate(z.object(ruleFields), input);
  const roleList = checkRoles(allowedRoles);
  const duplicate = () => userError(['input', 'toStatusId'], duplicateRule().errors[0]!.message.replace(/^toStatus:/, 'toStatusId:'), 'DUPLICATE');
  return onUniqueViolation('customer_status_transition_rules_pair_key', duplicate, () =>
    db.transaction(async (tx) => {
      const from = input.fromStatusId ? await customerStatusOf(tx, actor, input.fromStatusId, 'fromStatusId') : null;
      const to = input.toStatusId ? await customerStatusOf(tx, actor, input.toStatusId, 'toStatusId') : null;
      if (from !== null && from === to)
        throw userError(['input', 'toStatusId'], 'toStatusId: a status cannot change to itself; give another status or none.', 'INVALID');
      const [existing] = await tx
        .select({ id: customerStatusTransitionRules.id })
        .from(customerStatusTransitionRules)
        .where(
          and(
            eq(customerStatusTransitionRules.organisationId, actor.organisationId),
            sql`${customerStatusTransitionRules.fromStatusId} is not distinct from ${from}::uuid`,
            sql`${customerStatusTransitionRules.toStatusId} is not distinct from ${to}::uuid`,
          ),
        );
      if (existing) throw duplicate();
      const [rule] = await tx
        .insert(customerStatusTransitionRules)
        .values({ organisationId: actor.organisationId, fromStatusId: from, toStatusId: to, allowedRoles: roleList, reason, createdById: actor.userId })
        .returning();
      await recordAudit(tx, actor, {
        action: 'customerStatusTransitionRule.create',
        entityType: 'CustomerStatusTransitionRule',
        entityId: rule!.id,
        after: rule,
      });
      return { rule: rule! };
    }),
  );
}

export async function createLeadStatusTransitionRule(
  db: Db,
  actor: Actor,
  input: CreateLeadStatusTransitionRuleInput,
): Promise<{ rule: LeadStatusTransitionRuleRow }> {
  const { allowedRoles, reason, fromStatus, toStatus } = validate(leadRuleSchema, input);
  const roleList = checkRoles(allowedRoles);
  if (fromStatus && fromStatus === toStatus)
    throw userError(['input', 'toStatus'], 'toStatus: a status cannot change to itself; give another status or none.', 'INVALID');
  if (fromStatus === 'CONVERTED') {
    throw userError(
      ['input', 'fromStatus'],
      'fromStatus: a converted lead is read-only; its status never changes, so a rule from CONVERTED would restrict nothing.',
      'INVALID',
    );
  }
  return onUniqueViolation('lead_status_transition_rules_pair_key', duplicateRule, () =>
    db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: leadStatusTransitionRules.id })
        .from(leadStatusTransitionRules)
        .where(
          and(
            eq(leadStatusTransitionRules.organisationId, actor.organisationId),
            sql`${leadStatusTransitionRules.fromStatus}::text is not distinct from ${fromStatus ?? null}::text`,
            sql`${leadStatusTransitionRules.toStatus}::text is not distinct from ${toStatus ?? null}::text`,
          ),
        );
      if (existing) throw duplicateRule();
      const [rule] = await tx
        .insert(leadStatusTransitionRules)
        .values({
          organisationId: actor.organisationId,
          fromStatus: fromStatus ?? null,
          toStatus: toStatus ?? null,
          allowedRoles: roleList,
          reason,
          createdById: actor.userId,
        })
        .returning();
      await recordAudit(tx, actor, { action: 'leadStatusTransitionRule.create', entityType: 'LeadStatusTransitionRule', entityId: rule!.id, after: rule });
      return { rule: rule! };
    }),
  );
}

/** Deletes a customer or lead transition rule of the organisation, audited; returns its global ID. */
export async function deleteStatusTransitionRule(db: Db, actor: Actor, input: DeleteStatusTransitionRuleInput): Promise<{ deletedRuleId: string }> {
  const { type, id } = inputId(input.id, ['CustomerStatusTransitionRule', 'LeadStatusTransitionRule'], ['input', 'id']);
  const table = type === 'CustomerStatusTransitionRule' ? customerStatusTransitionRules : leadStatusTransitionRules;
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(table)
      .where(and(eq(table.id, id), eq(table.organisationId, actor.organisationId)))
      .for('update');
    if (!before) throw notFound(['input', 'id'], 'transition rule');
    if (input.expectedVersion != null && before.version !== input.expectedVersion) {
      throw userError(
        ['input', 'expectedVersion'],
        `expectedVersion: the rule is at version ${before.version}, not ${input.expectedVersion}; someone else changed it. Reload and try again.`,
        'VERSION_CONFLICT',
      );
    }
    await tx.delete(table).where(eq(table.id, before.id));
    const action = type === 'CustomerStatusTransitionRule' ? 'customerStatusTransitionRule.delete' : 'leadStatusTransitionRule.delete';
    await recordAudit(tx, actor, { action, entityType: type, entityId: before.id, before });
    return { deletedRuleId: toGlobalId(type, before.id) };
  });
}
