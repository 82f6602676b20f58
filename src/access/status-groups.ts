// Customer status security groups: which statuses a user may see as choices and may set.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { statusGroups, statusGroupStatuses, userStatusGroups } from './tables';

export const SYSTEM_STATUS_GROUP_NAME = 'All customer statuses';

/** Every organisation has one system group standing for all statuses; new users join it by default. */
export async function createSystemStatusGroup(tx: Db, organisationId: string): Promise<string> {
  const [group] = await tx
    .insert(statusGroups)
    .values({ organisationId, name: SYSTEM_STATUS_GROUP_NAME, description: 'Every customer status, including ones added later.', isSystem: true })
    .returning({ id: statusGroups.id });
  return group!.id;
}

/** Puts a user in groups; with no list given, in the organisation's system group. */
export async function assignStatusGroups(tx: Db, organisationId: string, userId: string, groupIds?: readonly string[]): Promise<void> {
  const ids =
    groupIds ??
    (
      await tx
        .select({ id: statusGroups.id })
        .from(statusGroups)
        .where(and(eq(statusGroups.organisationId, organisationId), eq(statusGroups.isSystem, true)))
    ).map((g) => g.id);
  if (ids.length)
    await tx
      .insert(userStatusGroups)
      .values(ids.map((groupId) => ({ userId, groupId })))
      .onConflictDoNothing();
}

/**
 * The statuses a user may choose: all of them (`'all'`) for admins and members of the system group,
 * otherwise the union of their groups' statuses.
 */
export async function assignableStatusIds(db: Db, organisationId: string, userId: string, isAdmin: boolean): Promise<'all' | Set<string>> {
  if (isAdmin) return 'all';
  const groups = await db
    .select({ id: statusGroups.id, isSystem: statusGroups.isSystem })
    .from(userStatusGroups)
    .innerJoin(statusGroups, eq(statusGroups.id, userStatusGroups.groupId))
    .where(and(eq(userStatusGroups.userId, userId), eq(statusGroups.organisationId, organisationId)));
  if (groups.some((g) => g.isSystem)) return 'all';
  if (groups.length === 0) return new Set();
  const rows = await db
    .select({ statusId: statusGroupStatuses.statusId })
    .from(statusGroupStatuses)
    .where(
      inArray(
        statusGroupStatuses.groupId,
        groups.map((g) => g.id),
      ),
    );
  return new Set(rows.map((r) => r.statusId));
}
