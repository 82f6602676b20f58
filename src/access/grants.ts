// Delegated access: grant one user sight of one lead or customer for a period, revoke it, and list
// a record's grants (its access view). Visibility itself reads the grants (src/auth/visibility.ts);
// this is where they are made. Admins and managers grant on any record they see; other users only on
// records they own.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/service';
import type { UserActor } from '../auth/actor';
import { inRoleSet, managers } from '../auth/roles';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { refuseStaleVersion } from '../db/versioned';
import type { AccessGrantState, GrantRecordAccessInput } from '../generated/graphql';
import { forbidden } from '../graph/errors';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { leads } from '../leads/tables';
import { resolveRecordOwner, type RecordOwner } from '../records/owner';
import { users } from '../tenancy/tables';
import { accessGrants, type AccessGrantRow } from './tables';

/** Who is asking, as far as managing access goes. */
export type Grantor = UserActor;

const REASON_MAX = 1000;

export function grantState(grant: AccessGrantRow, now: Date = new Date()): AccessGrantState {
  if (grant.revokedAt) return 'REVOKED';
  if (now < grant.startsAt) return 'SCHEDULED';
  if (now >= grant.endsAt) return 'EXPIRED';
  return 'ACTIVE';
}

async function ownerOf(tx: Db, record: RecordOwner): Promise<string | null> {
  const table = record.kind === 'customer' ? customers : leads;
  const [row] = await tx.select({ ownerId: table.ownerId }).from(table).where(eq(table.id, record.id));
  return row?.ownerId ?? null;
}

/** Admins and managers manage access to any record they see; others to the records they own. */
async function mayManage(tx: Db, grantor: Grantor, record: RecordOwner): Promise<boolean> {
  return inRoleSet(managers, grantor.role) || (await ownerOf(tx, record)) === grantor.userId;
}

const grantSchema = z.object({
  reason: z
    .string()
    .trim()
    .min(1, { message: 'must not be blank' })
    .max(REASON_MAX, { message: `must be at most ${REASON_MAX} characters` }),
});

export async function grantRecordAccess(db: Db, grantor: Grantor, input: GrantRecordAccessInput): Promise<{ accessGrant: AccessGrantRow }> {
  const { reason } = validate(grantSchema, { reason: input.reason });
  const granteeId = inputId(input.granteeId, ['User'], ['input', 'granteeId']).id;
  const now = new Date();
  const startsAt = input.startsAt ?? now;
  if (input.endsAt <= startsAt) throw userError(['input', 'endsAt'], 'endsAt: must be after startsAt.', 'INVALID');
  if (input.endsAt <= now) throw userError(['input', 'endsAt'], 'endsAt: must be in the future.', 'INVALID');
  return db.transaction(async (tx) => {
    const record = await resolveRecordOwner(tx, grantor, input.recordId, ['input', 'recordId']);
    if (!(await mayManage(tx, grantor, record))) {
      throw userError(['input', 'recordId'], "recordId: only admins, managers and the record's owner may grant access to it.", 'NOT_PERMITTED');
    }
    const [grantee] = await tx
      .select({ id: users.id, deactivatedAt: users.deactivatedAt })
      .from(users)
      .where(and(eq(users.id, granteeId), eq(users.organisationId, grantor.organisationId)));
    if (!grantee) throw notFound(['input', 'granteeId'], 'user');
    if (grantee.deactivatedAt) throw userError(['input', 'granteeId'], 'granteeId: the user is deactivated.', 'INVALID_STATE');
    const [grant] = await tx
      .insert(accessGrants)
      .values({
        organisationId: grantor.organisationId,
        granteeUserId: granteeId,
        customerId: record.kind === 'customer' ? record.id : null,
        leadId: record.kind === 'lead' ? record.id : null,
        startsAt,
        endsAt: input.endsAt,
        reason,
        grantedByUserId: grantor.userId,
      })
      .returning();
    await recordAudit(tx, grantor, {
      action: 'accessGrant.create',
      entityType: record.kind === 'customer' ? 'Customer' : 'Lead',
      entityId: record.id,
      after: { grantId: grant!.id, granteeUserId: granteeId, startsAt, endsAt: input.endsAt, reason },
    });
    return { accessGrant: grant! };
  });
}

export async function revokeRecordAccess(
  db: Db,
  grantor: Grantor,
  grantGlobalId: string,
  expectedVersion?: number | null,
): Promise<{ accessGrant: AccessGrantRow }> {
  const grantId = inputId(grantGlobalId, ['AccessGrant'], ['input', 'id']).id;
  return db.transaction(async (tx) => {
    const [grant] = await tx
      .select()
      .from(accessGrants)
      .where(and(eq(accessGrants.id, grantId), eq(accessGrants.organisationId, grantor.organisationId), grantor.visibility?.rows(accessGrants)))
      .for('update');
    if (!grant) throw notFound(['input', 'id'], 'access grant');
    const record: RecordOwner = grant.customerId ? { kind: 'customer', id: grant.customerId } : { kind: 'lead', id: grant.leadId! };
    if (!(await mayManage(tx, grantor, record))) {
      throw userError(['input', 'id'], "id: only admins, managers and the record's owner may revoke access to it.", 'NOT_PERMITTED');
    }
    refuseStaleVersion(grant, expectedVersion, 'access grant');
    if (grant.revokedAt) throw userError(['input', 'id'], 'id: the grant is already revoked.', 'INVALID_STATE');
    const [revoked] = await tx
      .update(accessGrants)
      .set({ revokedAt: sql`clock_timestamp()`, revokedByUserId: grantor.userId, version: sql`${accessGrants.version} + 1` })
      .where(and(eq(accessGrants.id, grant.id), isNull(accessGrants.revokedAt)))
      .returning();
    await recordAudit(tx, grantor, {
      action: 'accessGrant.revoke',
      entityType: record.kind === 'customer' ? 'Customer' : 'Lead',
      entityId: record.id,
      before: { grantId: grant.id, granteeUserId: grant.granteeUserId, endsAt: grant.endsAt },
      after: { grantId: grant.id, revokedAt: revoked!.revokedAt },
    });
    return { accessGrant: revoked! };
  });
}

/**
 * Refuses a record's access view to all but admins, managers and the record's owner; called before its
 * grants are read.
 */
export function mayViewGrants(grantor: Grantor, record: { ownerId: string | null }): void {
  if (!inRoleSet(managers, grantor.role) && record.ownerId !== grantor.userId) {
    throw forbidden("Only admins, managers and the record's owner see its access grants.");
  }
}

/** A record's grants (newest first) in the given states; all of them when none are given. */
export function grantsInStates(grants: AccessGrantRow[], states: readonly AccessGrantState[] | null | undefined): AccessGrantRow[] {
  if (!states?.length) return grants;
  const now = new Date();
  return grants.filter((g) => states.includes(grantState(g, now)));
}
