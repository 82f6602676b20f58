// The activity area: Notes, tasks, communications and expiries on a record.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { communications, expiries, notes, tasks } from './tables';
import { activityResolvers } from './resolvers';
import { activityRules } from './rules';

export const activityArea = defineArea({
  name: 'activity',
  resolvers: [activityResolvers],
  rules: activityRules,
  nodes: {
    Note: { table: notes },
    Task: { table: tasks },
    Communication: { table: communications },
    Expiry: { table: expiries },
  },
});
