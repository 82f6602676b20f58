// The all-works area: a work address's and a customer's whole service history in one list (jobs,
// estimates, service reminders, reminder decisions). Its own area because it reads across the pipeline
// and service-reminders areas and belongs to neither. Listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { allWorksResolvers } from './resolvers';
import { allWorksRules } from './rules';

export const allWorksArea = defineArea({
  name: 'all-works',
  resolvers: [allWorksResolvers],
  rules: allWorksRules,
});
