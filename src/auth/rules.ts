// The building blocks of the rule tree: small rules whose results graphql-shield caches per request.
import { rule } from 'graphql-shield';
import type { Context } from '../graph/context';
import { forbidden, unauthenticated } from '../graph/errors';
import type { Role } from '../organisations/tables';

export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })((_parent, _args, ctx: Context) =>
  ctx.viewer ? true : unauthenticated(),
);

const roleRules = new Map<string, ReturnType<ReturnType<typeof rule>>>();

/** The viewer has one of `roles`. One rule per set of roles: graphql-shield caches by rule name. */
export function hasRole(...roles: Role[]) {
  const name = `hasRole:${[...roles].sort().join(',')}`;
  let r = roleRules.get(name);
  if (!r) {
    r = rule(name, { cache: 'contextual' })((_parent, _args, ctx: Context) => {
      if (!ctx.viewer) return unauthenticated();
      return roles.includes(ctx.viewer.role) ? true : forbidden(`Your role (${ctx.viewer.role}) may not do this.`);
    });
    roleRules.set(name, r);
  }
  return r;
}
