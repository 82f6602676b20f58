// Writes the audit trail. Called inside the same transaction as the change it records, so a change
// and its audit entry are written together or not at all.
import type { Actor } from '../auth/actor';
import type { Db } from '../db/client';
import { auditEntries } from './tables';

/** Who is making a change: a user, a portal token, or the server's own work (src/auth/actor.ts). */
export type { Actor } from '../auth/actor';

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
      actorUserId: actor.kind === 'user' ? actor.userId : null,
      actorPortalTokenId: actor.kind === 'portal' ? actor.portalTokenId : null,
      requestId: actor.requestId,
      action: c.action,
      entityType: c.entityType,
      entityId: c.entityId,
      before: c.before ?? null,
      after: c.after ?? null,
    })),
  );
}
