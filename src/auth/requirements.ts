// Who may pass, decided once for the rule tree (src/auth/rules.ts) and the HTTP routes
// (src/auth/http.ts): the same requirement gives the same answer, with the same code and message,
// whichever way the request came in.
import type { GraphQLError } from 'graphql';
import { forbidden, unauthenticated } from '../graph/errors';
import type { PortalPermission, RoleSet } from './roles';
import type { Viewer } from './viewer';

/**
 * What a caller needs. Nothing: any valid token. `roles`: a user whose role is in the set (`everyone`
 * for any user). `portal`: a portal token (`true`), or one holding that permission. Both: either.
 */
export type Requirement = { roles?: RoleSet; portal?: PortalPermission | true };

/** The messages of an authentication refusal (UNAUTHENTICATED). */
export const authenticationRefusals = {
  noToken: 'Authentication required: send `Authorization: Bearer <token>`.',
  malformedHeader: 'The Authorization header must be `Bearer <token>`.',
  badToken: 'The token is not valid: unknown, revoked or expired.',
} as const;

/** Why `viewer` may not pass `requirement`: UNAUTHENTICATED or FORBIDDEN; null when it may. */
export function refusalFor(viewer: Viewer | null, requirement: Requirement): GraphQLError | null {
  if (!viewer) return unauthenticated(authenticationRefusals.noToken);
  const { roles, portal } = requirement;
  if (!roles && !portal) return null;
  if (viewer.kind === 'user') {
    if (!roles) return forbidden('Only a portal token may do this.');
    return roles.includes(viewer.role) ? null : forbidden(`Your role (${viewer.role}) may not do this.`);
  }
  if (!portal) return forbidden('A portal token may not do this.');
  if (portal !== true && !viewer.permissions.has(portal)) return forbidden(`This portal token does not grant ${portal}.`);
  return null;
}
