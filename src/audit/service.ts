// Writes the audit trail. Called inside the same transaction as the change it records, so a change
// and its audit entry are written together or not at all.
import type { Visibility } from '../auth/visibility';
import type { Role } from '../tenancy/tables';
import type { Db } from '../db/client';
import { auditEntries } from './tables';

/** Who is making a change, and in which organisation and request. */
export type Actor = {
  organisationId: string;
  userId: string | null;
  /** The portal token making the change, when it is not a user. */
  portalTokenId?: string | null;
  /** What the actor may see; absent for the server's own jobs, which see everything. */
  visibility?: Visibility;
  requestId: string | null;
  /** Organisation defaults services need (currency for money without one). */
  currency: string;
  /** An admin user: not limited by status security groups. Absent (false) for everyone else. */
  isAdmin?: boolean;
  /** The user's role, for field-level rules (src/customers/field-permissions.ts); absent for the server's own jobs and portal tokens. */
  role?: Role | null;
};

export type AuditChange = {
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
};

export async function recordAudit(db: Db, actor: Actor, changes: AuditChange | AuditChange[]): Promise<void> {
  const list = Array.isArray(changes) ? changes : [changes];
  if (list.length === 0) return;
  await db.insert(auditEntries).values(
    list.map((c) => ({
      organisationId: actor.organisationId,
      actorUserId: actor.userId,
      actorPortalTokenId: actor.portalTokenId ?? null,
      requestId: actor.requestId,
      action: c.action,
      entityType: c.entityType,
      entityId: c.entityId,
      before: c.before ?? null,
      after: c.after ?? null,
    })),
  );
}
