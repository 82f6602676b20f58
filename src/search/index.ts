// The search area: Customer search and saved searches.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { searchResolvers } from './resolvers';
import { searchRules } from './rules';
import { savedSearches } from './tables';

export const searchArea = defineArea({
  name: 'search',
  resolvers: [searchResolvers],
  rules: searchRules,
  nodes: {
    SavedSearch: { table: savedSearches },
  },
});
