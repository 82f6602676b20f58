// Who may do what with the organisation, its users and their API tokens: merged into the one rule
// tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins } from '../auth/roles';
import { hasRole, isAuthenticated, isUser } from '../auth/rules';

export const organisationsRules: AreaRules = {
  Query: { viewer: isAuthenticated, users: isUser },
  Mutation: {
    createUser: hasRole(admins),
    updateUser: hasRole(admins),
    // Any user for themself; the service lets only admins act for others.
    createApiToken: isUser,
    revokeApiToken: isUser,
  },
  types: {
    // Reached only through root fields that already required a token.
    Viewer: allow,
    // A map, so that other areas can add fields with rules of their own (invoice-addresses' format).
    Organisation: { '*': allow },
    // People: every path to them is for users only (`node` serves a portal token only its customer,
    // contacts, addresses and its own token), so their fields need no rule of their own.
    User: { '*': allow, apiTokens: isUser },
    // The resolvers also limit a token's details to its owner and admins.
    ApiToken: { '*': isUser },
  },
};
