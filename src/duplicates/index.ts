// The duplicates area: Possible duplicates of leads and customers, found when they are created or
// converted, and merge candidates for a customer (docs/domain.md#possible-duplicates).
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts. It has no tables of
// its own: the indexes it reads sit on the customers', leads', contacts' and addresses' tables.
import { defineArea } from '../graph/area';
import { duplicatesResolvers } from './resolvers';
import { duplicatesRules } from './rules';

export const duplicatesArea = defineArea({
  name: 'duplicates',
  resolvers: [duplicatesResolvers],
  rules: duplicatesRules,
});
