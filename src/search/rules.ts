// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
// Every user searches (visibility decides which customers come back); saving a search is a change,
// so READ_ONLY may not. A private saved search is its owner's alone, also through node().
import { rule } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { writers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';
import type { Context } from '../graph/context';
import { forbidden } from '../graph/errors';
import type { SavedSearchRow } from './tables';

const savers = hasRole(writers);

/** The owner, or anyone in the organisation when it is shared (node() already keeps organisations apart). */
const seesSavedSearch = rule('seesSavedSearch', { cache: 'strict' })((parent: SavedSearchRow, _args, ctx: Context) => {
  if (ctx.viewer?.kind !== 'user') return forbidden('A portal token may not do this.');
  return parent.shared || parent.ownerId === ctx.viewer.userId ? true : forbidden('This saved search is private to the user who saved it.');
});

export const searchRules: AreaRules = {
  Query: { searchCustomers: isUser, savedSearches: isUser },
  Mutation: { saveSearch: savers, deleteSavedSearch: savers },
  types: {
    SavedSearch: { '*': seesSavedSearch },
  },
};
