// Managing customer status security groups (admins only: the rule tree restricts the mutations), and
// the one check every status change goes through: a non-admin user may set a customer's status, and
// move a customer away from its status, only within the statuses of their groups.
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { onUniqueViolation } from '../db/unique';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateStatusGroupInput, DeleteStatusGroupInput, UpdateStatusGroupInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { NAME_MAX, optionalText, requiredText } from '../graph/text';
import { inputId, notFound, userError, type UserErrors, validate } from '../graph/user-errors';
import { assignableStatusIds } from './status-groups';
import { statusGroups, statusGroupStatuses, type StatusGroupRow } from './tables';

const createSchema = z.object({ name: requiredText(NAME_MAX), description: optionalText() });
const updateSchema = z.object({ name: requiredText(NAME_MAX).optional(), description: optionalText() });

/** The group's row and its status ids, as the audit trail records them. */
type GroupSnapshot = StatusGroupRow & { statusIds: string[] };

/** Status IDs from the input → uuids of statuses in the organisation, or a user error naming the element. */
async function resolveStatusIds(tx: Db, organisationId: string, globalIds: readonly string[]): Promise<string[]> {
  const ids = globalIds.map((value, i) => inputId(value, ['CustomerStatus'], ['input', 'statusIds', i]).id);
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = new Set(
    (
      await tx
        .select({ id: customerStatuses.id })
        .from(customerStatuses)
        .where(and(eq(customerStatuses.organisationId, organisationId), sql`${customerStatuses.id} = any(${uuidArray(unique)})`))
    ).map((r) => r.id),
  );
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) throw notFound(['input', 'statusIds', missing], 'customer status');
  return unique;
}

async function checkNameFree(tx: Db, organisationId: string, name: string, selfId: string | null): Promise<void> {
  const [other] = await tx
    .select({ id: statusGroups.id })
    .from(statusGroups)
    .where(
      and(eq(statusGroups.organisationId, organisationId), sql`lower(${statusGroups.name}) = lower(${name})`, selfId ? ne(statusGroups.id, selfId) : undefined),
    );
  if (other) throw duplicateName(name);
}

function duplicateName(name: string): UserErrors {
  return userError(['input', 'name'], `name: another status group is already called ${JSON.stringify(name)}.`, 'DUPLICATE');
}

async function statusIdsOf(tx: Db, groupId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: statusGroupStatuses.statusId })
    .from(statusGroupStatuses)
    .where(eq(statusGroupStatuses.groupId, groupId))
    .orderBy(asc(statusGroupStatuses.statusId));
  return rows.map((r) => r.id);
}

/** The system group stands for every status; changing it would change nothing it means, so it is refused. */
function refuseSystem(group: StatusGroupRow, verb: string): void {
  if (group.isSystem) {
    throw userError(['input', 'id'], `id: the system group "${group.name}" always holds every status and cannot be ${verb}.`, 'INVALID_STATE');
  }
}

export async function createStatusGroup(db: Db, actor: Actor, input: CreateStatusGroupInput): Promise<{ statusGroup: StatusGroupRow }> {
  const { name, description } = validate(createSchema, { name: input.name, description: input.description });
  return raceOnName(name, () =>
    db.transaction(async (tx) => {
      const statusIds = await resolveStatusIds(tx, actor.organisationId, input.statusIds);
      await checkNameFree(tx, actor.organisationId, name, null);
      const [group] = await tx
        .insert(statusGroups)
        .values({ organisationId: actor.organisationId, name, description: description ?? null })
        .returning();
      if (statusIds.length) await tx.insert(statusGroupStatuses).values(statusIds.map((statusId) => ({ groupId: group!.id, statusId })));
      const after: GroupSnapshot = { ...group!, statusIds: [...statusIds].sort() };
      await recordAudit(tx, actor, { action: 'statusGroup.create', entityType: 'StatusGroup', entityId: group!.id, after });
      return { statusGroup: group! };
    }),
  );
}

export async function updateStatusGroup(db: Db, actor: Actor, groupId: string, input: UpdateStatusGroupInput): Promise<{ statusGroup: StatusGroupRow }> {
  // `name: null` is "no change" in GraphQL terms only if omitted; an explicit null is a blank name.
  if (input.name === null) throw userError(['input', 'name'], 'name: must not be blank', 'REQUIRED');
  const fields = validate(updateSchema, {
    name: input.name ?? undefined,
    ...(input.description !== undefined ? { description: input.description } : {}),
  });
  if (input.statusIds === null) throw userError(['input', 'statusIds'], 'statusIds: give the full list of statuses, or omit it to keep them.', 'INVALID');
  return raceOnName(fields.name, () =>
    db.transaction(async (tx) => {
      const before = await lockForUpdate(tx, statusGroups, actor, groupId, input.expectedVersion, 'status group');
      refuseSystem(before, 'changed');
      const beforeStatusIds = await statusIdsOf(tx, before.id);
      const changes: Partial<typeof statusGroups.$inferInsert> = {};
      if (fields.name !== undefined) {
        await checkNameFree(tx, actor.organisationId, fields.name, before.id);
        changes.name = fields.name;
      }
      if (input.description !== undefined) changes.description = fields.description ?? null;
      let afterStatusIds = beforeStatusIds;
      if (input.statusIds != null) {
        afterStatusIds = [...(await resolveStatusIds(tx, actor.organisationId, input.statusIds))].sort();
        await tx.delete(statusGroupStatuses).where(eq(statusGroupStatuses.groupId, before.id));
        if (afterStatusIds.length) await tx.insert(statusGroupStatuses).values(afterStatusIds.map((statusId) => ({ groupId: before.id, statusId })));
      }
      const after = await writeUpdate(tx, statusGroups, before.id, changes);
      await recordAudit(tx, actor, {
        action: 'statusGroup.update',
        entityType: 'StatusGroup',
        entityId: after.id,
        before: { ...before, statusIds: beforeStatusIds } satisfies GroupSnapshot,
        after: { ...after, statusIds: afterStatusIds } satisfies GroupSnapshot,
      });
      return { statusGroup: after };
    }),
  );
}

export async function deleteStatusGroup(db: Db, actor: Actor, groupId: string, input?: DeleteStatusGroupInput): Promise<{ statusGroup: null }> {
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, statusGroups, actor, groupId, input?.expectedVersion, 'status group');
    refuseSystem(before, 'deleted');
    const statusIds = await statusIdsOf(tx, before.id);
    // Memberships and the group's statuses go with it (on delete cascade).
    await tx.delete(statusGroups).where(eq(statusGroups.id, before.id));
    await recordAudit(tx, actor, {
      action: 'statusGroup.delete',
      entityType: 'StatusGroup',
      entityId: before.id,
      before: { ...before, statusIds } satisfies GroupSnapshot,
    });
    return { statusGroup: null };
  });
}

/**
 * Refuses a status change the actor's status security groups do not allow: the new status, and the
 * current one when it changes, must both be assignable. Admins and the server's own jobs (no
 * visibility: not acting for anyone) are not limited; a portal token has no groups, so sets nothing.
 */
export async function assertStatusPermitted(
  tx: Db,
  actor: Actor,
  fromStatusId: string | null,
  toStatusId: string,
  field: string[] = ['input', 'statusId'],
): Promise<void> {
  // The server's own work and admins are not limited by status security groups; a portal token may set none.
  if (actor.kind === 'system' || (actor.kind === 'user' && actor.isAdmin)) return;
  if (fromStatusId === toStatusId) return;
  const assignable = actor.kind === 'user' ? await assignableStatusIds(tx, actor.organisationId, actor.userId, false) : new Set<string>();
  if (assignable === 'all') return;
  const refused = [toStatusId, fromStatusId].filter((id): id is string => id !== null && !assignable.has(id));
  if (refused.length === 0) return;
  const names = new Map(
    (
      await tx
        .select({ id: customerStatuses.id, name: customerStatuses.name })
        .from(customerStatuses)
        .where(sql`${customerStatuses.id} = any(${uuidArray(refused)})`)
    ).map((s) => [s.id, s.name]),
  );
  const last = field[field.length - 1];
  const message = !assignable.has(toStatusId)
    ? `${last}: the status "${names.get(toStatusId) ?? toStatusId}" is not in your status security groups.`
    : `${last}: the customer's current status "${names.get(fromStatusId!) ?? fromStatusId}" is not in your status security groups, so you cannot change it.`;
  throw userError(field, message, 'STATUS_NOT_PERMITTED');
}

/** Two admins creating the same name at once: the loser gets the same user error. */
function raceOnName<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
  return name === undefined ? run() : onUniqueViolation('status_groups_name_key', () => duplicateName(name), run);
}
