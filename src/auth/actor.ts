// Who is making a change: a user, a portal token (for its one customer), or the server's own work
// (seeding, demo data, background jobs, the admin command) acting for no one. Services and the audit
// writer branch on `kind`, never on which fields happen to be null.
import type { Role } from './roles';
import type { Viewer } from './viewer';
import type { Visibility } from './visibility';

type ActorBase = {
  organisationId: string;
  /** The request the change came in with; null for the server's own work. */
  requestId: string | null;
  /** Organisation defaults services need (currency for money without one). */
  currency: string;
};

/** A user of the organisation, through a request. */
export type UserActor = ActorBase & {
  kind: 'user';
  userId: string;
  /** The user's role, for field-level rules (src/customers/field-permissions.ts) and defence in depth. */
  role: Role;
  /** An admin: not limited by status security groups. */
  isAdmin: boolean;
  portalTokenId: null;
  /** What the user may see. */
  visibility: Visibility;
};

/** A portal token, through a request: it acts for its one customer. */
export type PortalActor = ActorBase & {
  kind: 'portal';
  userId: null;
  role: null;
  isAdmin: false;
  portalTokenId: string;
  /** What the token may see: its customer. */
  visibility: Visibility;
};

/** The server's own work: it sees everything of the organisation and is limited by no role. */
export type SystemActor = ActorBase & {
  kind: 'system';
  /** What the work is (e.g. 'demo data'), for logs and debugging; not written to the audit trail. */
  reason: string;
  userId: null;
  role: null;
  isAdmin: false;
  portalTokenId: null;
  visibility?: undefined;
  /**
   * When the work is recorded as done, for history written after the fact (the demo organisation's
   * payments, recorded and allocated when they were received): the money rows it creates, allocates,
   * undoes or reverses are stamped with this time instead of the clock's. Unset: now.
   */
  recordedAt?: Date;
};

export type Actor = UserActor | PortalActor | SystemActor;

/** The actor of a request's viewer, seeing what `visibility` lets it. */
export function actorOf(viewer: Viewer, visibility: Visibility, requestId: string | null = null): UserActor | PortalActor {
  const base = { organisationId: viewer.organisationId, requestId, currency: viewer.organisation.currency, visibility };
  if (viewer.kind === 'portal') return { ...base, kind: 'portal', userId: null, role: null, isAdmin: false, portalTokenId: viewer.portal.id };
  return { ...base, kind: 'user', userId: viewer.userId, role: viewer.role, isAdmin: viewer.role === 'ADMIN', portalTokenId: null };
}

/** The server's own work in an organisation (seeding, demo data, jobs, the admin command). */
export function systemActor(organisationId: string, reason: string, currency = 'GBP'): SystemActor {
  return { kind: 'system', reason, organisationId, requestId: null, currency, userId: null, role: null, isAdmin: false, portalTokenId: null };
}

/** The time a change is recorded at: a system actor's `recordedAt`, or undefined for now (the database's clock). */
export function recordedAt(actor: Actor): Date | undefined {
  return actor.kind === 'system' ? actor.recordedAt : undefined;
}
