// Writes the audit trail. Called inside the same transaction as the change it records, so a change
// and its audit entry are written together or not at all.
import { sql } from 'drizzle-orm';
import type { Actor } from '../auth/actor';
import type { Db } from '../db/client';
import { eventColumns, uuidField } from '../events/outbox';
import { events } from '../events/tables';
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

/**
 * Writes the audit entries and, in the same statement, one event per change for integrators (the
 * transactional outbox, src/events/outbox.ts): a change, its audit entry and its event are written
 * together or not at all.
 */
export async function recordAudit(db: Db, actor: Actor, changes: AuditChange | AuditChange[]): Promise<void> {
  const list = Array.isArray(changes) ? changes : [changes];
  if (list.length === 0) return;
  const deferred = deferredAudits.get(db);
  if (deferred && deferred.actor === actor) {
    deferred.changes.push(...list);
    return;
  }
  await writeAudit(db, actor, list);
}

/** The audit entries held back by `withDeferredAudits`, by the transaction they belong to. */
const deferredAudits = new WeakMap<Db, { actor: Actor; changes: AuditChange[] }>();

/**
 * Runs `work` in the transaction `tx` with the actor's audit entries held back, then writes them all
 * in one statement, in the order they were recorded (a workflow whose steps each audit, such as
 * signing a quote on a lead, then costs one write instead of one per step). Entries recorded in a
 * nested transaction (a savepoint), or for another actor, are written at once as usual. If `work`
 * fails, nothing is written: the transaction rolls back anyway.
 */
export async function withDeferredAudits<T>(tx: Db, actor: Actor, work: () => Promise<T>): Promise<T> {
  if (deferredAudits.has(tx)) return work();
  const deferred = { actor, changes: [] as AuditChange[] };
  deferredAudits.set(tx, deferred);
  try {
    const result = await work();
    if (deferred.changes.length) await writeAudit(tx, actor, deferred.changes);
    return result;
  } finally {
    deferredAudits.delete(tx);
  }
}

async function writeAudit(db: Db, actor: Actor, list: AuditChange[]): Promise<void> {
  const rows = list.map((c, ord) => ({
    ord,
    action: c.action,
    entity_type: c.entityType,
    entity_id: c.entityId,
    before: c.before ?? null,
    after: c.after ?? null,
    ...eventColumns(c),
  }));
  const actorUserId = actor.kind === 'user' ? actor.userId : null;
  const actorPortalTokenId = actor.kind === 'portal' ? actor.portalTokenId : null;
  await db.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(ord int, action text, entity_type text, entity_id uuid, before jsonb, after jsonb, type text, customer_id uuid, resource_version int)
    ), audit as (
      insert into ${auditEntries} (organisation_id, actor_user_id, actor_portal_token_id, request_id, action, entity_type, entity_id, before, after)
      select ${actor.organisationId}, ${actorUserId}::uuid, ${actorPortalTokenId}::uuid, ${actor.requestId}::text, action, entity_type, entity_id,
        nullif(before, 'null'::jsonb), nullif(after, 'null'::jsonb)
      from input order by ord
    )
    insert into ${events} (organisation_id, type, action, resource_type, resource_id, customer_id, resource_version, payload, actor_user_id, actor_portal_token_id, request_id)
    select ${actor.organisationId}, type, action, entity_type, entity_id, customer_id, resource_version,
      jsonb_build_object('before', coalesce(before, 'null'::jsonb), 'after', coalesce(after, 'null'::jsonb)),
      ${actorUserId}::uuid, ${actorPortalTokenId}::uuid, ${actor.requestId}::text
    from input order by ord`);
  await rememberDeletedRows(db, actor.organisationId, list);
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
