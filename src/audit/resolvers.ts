// GraphQL resolvers for the audit trail (Customer.auditTrail, Lead.auditTrail) and the customer
// read log (Customer.readLog). Who may read them is the rule tree's business (admins and managers).
import type { Resolvers } from '../generated/graphql';
import { entityGlobalId } from '../graph/ids';
import { auditTrailPage, readLogPage } from './trail';

/** Opaque ids for log rows: they are serial numbers, not nodes, so they get their own prefix. */
function logEntryId(type: 'AuditEntry' | 'RecordRead', id: number): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export const auditResolvers: Resolvers = {
  Customer: {
    auditTrail: (c, args, ctx) => auditTrailPage(ctx, 'customer', c.id, args),
    readLog: (c, args, ctx) => readLogPage(ctx, c.id, args),
  },
  Lead: {
    auditTrail: (l, args, ctx) => auditTrailPage(ctx, 'lead', l.id, args),
  },
  AuditEntry: {
    id: (e) => logEntryId('AuditEntry', e.id),
    entityId: (e) => entityGlobalId(e.entityType, e.entityId),
    actor: (e, _a, ctx) => (e.actorUserId ? ctx.loaders.byId('User').load(e.actorUserId) : null),
    portalToken: (e, _a, ctx) => (e.actorPortalTokenId ? ctx.loaders.byId('PortalToken').load(e.actorPortalTokenId) : null),
    at: (e) => e.createdAt,
    before: (e) => (e.before ?? null) as Record<string, unknown> | null,
    after: (e) => (e.after ?? null) as Record<string, unknown> | null,
  },
  RecordRead: {
    id: (r) => logEntryId('RecordRead', r.id),
    reader: (r, _a, ctx) => (r.readerUserId ? ctx.loaders.byId('User').load(r.readerUserId) : null),
    portalToken: (r, _a, ctx) => (r.readerPortalTokenId ? ctx.loaders.byId('PortalToken').load(r.readerPortalTokenId) : null),
    at: (r) => r.createdAt,
  },
};
