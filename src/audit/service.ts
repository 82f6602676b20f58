// Writes the audit trail. Called inside the same transaction as the change it records, so a change
// and its audit entry are written together or not at all.
import { sql } from 'drizzle-orm';
import type { Actor } from '../auth/actor';
import type { Db } from '../db/client';
import { auditDeletedRows, auditEntries } from './tables';

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
  await rememberDeletedRows(db, actor.organisationId, list);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidField(row: unknown, key: string): string | null {
  const value = row && typeof row === 'object' ? (row as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' && UUID.test(value) ? value : null;
}

/**
 * For each deletion of a row that sat under a customer or lead (its `before` names `customerId` or
 * `leadId`), which record it belonged to: the trail finds the row's entries through it
 * (src/audit/trail.ts). A record deleted in the same transaction (a customer's deletion takes its
 * rows with it) gets no link: there is no trail left to keep.
 */
async function rememberDeletedRows(db: Db, organisationId: string, list: AuditChange[]): Promise<void> {
  const rows = list.flatMap((c) => {
    if (!c.action.endsWith('.delete') || c.entityType === 'Customer' || c.entityType === 'Lead') return [];
    const customerId = uuidField(c.before, 'customerId');
    const leadId = uuidField(c.before, 'leadId');
    return customerId || leadId ? [{ id: c.entityId, customer_id: customerId, lead_id: leadId, entity_type: c.entityType }] : [];
  });
  if (rows.length === 0) return;
  await db.execute(sql`insert into ${auditDeletedRows} (id, organisation_id, customer_id, lead_id, entity_type)
    select r.id, ${organisationId}, r.customer_id, r.lead_id, r.entity_type
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, customer_id uuid, lead_id uuid, entity_type text)
    where (r.customer_id is null or exists (select 1 from customers c where c.id = r.customer_id and c.organisation_id = ${organisationId}))
      and (r.lead_id is null or exists (select 1 from leads l where l.id = r.lead_id and l.organisation_id = ${organisationId}))
    on conflict (id) do nothing`);
}
