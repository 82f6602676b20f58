// The building blocks of the rule tree: small rules whose results graphql-shield caches per request
// (`contextual`: the answer depends only on who is asking, not on the field's parent or arguments).
// The decision and its messages are src/auth/requirements.ts's, shared with the HTTP routes.
import { rule } from 'graphql-shield';
import type { Context } from '../graph/context';
import { refusalFor } from './requirements';
import { everyone, type PortalPermission, type RoleSet } from './roles';

type Rule = ReturnType<ReturnType<typeof rule>>;

/** Any valid token: a user's or a portal's. */
export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })((_parent, _args, ctx: Context) => refusalFor(ctx.viewer, {}) ?? true);

/** A user of the organisation (not a portal token). */
export const isUser = rule('isUser', { cache: 'contextual' })((_parent, _args, ctx: Context) => refusalFor(ctx.viewer, { roles: everyone }) ?? true);

const memo = new Map<string, Rule>();

function memoised(name: string, create: () => Rule): Rule {
  let r = memo.get(name);
  if (!r) {
    r = create();
    memo.set(name, r);
  }
  return r;
}

/**
 * A user whose role is in `roles`, a named set of src/auth/roles.ts. One rule per set of roles:
 * graphql-shield caches by rule name.
 */
export function hasRole(roles: RoleSet): Rule {
  const name = `hasRole:${[...roles].sort().join(',')}`;
  return memoised(name, () => rule(name, { cache: 'contextual' })((_parent, _args, ctx: Context) => refusalFor(ctx.viewer, { roles }) ?? true));
}

/**
 * A portal token holding `permission` (for the one customer it is bound to: which records it reaches
 * is the data layer's job, src/auth/visibility.ts). Users pass this rule only through `or(...)`.
 */
export function isPortalTokenWith(permission?: PortalPermission): Rule {
  const name = `isPortalToken:${permission ?? ''}`;
  return memoised(name, () =>
    rule(name, { cache: 'contextual' })((_parent, _args, ctx: Context) => refusalFor(ctx.viewer, { portal: permission ?? true }) ?? true),
  );
}
