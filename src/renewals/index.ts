// The renewals area: which opportunities and quote lines renew or upgrade a customer's assets,
// opportunities raised from expiries, and what is expiring soon. What it brings to the server
// (src/graph/area.ts); listed once in src/areas.ts. Its link tables hang between an asset or expiry
// and an opportunity (both under one customer or lead), so they are no customer's children of their
// own: they go with either end.
import { defineArea } from '../graph/area';
import { renewalsResolvers } from './resolvers';
import { renewalsRules } from './rules';

export const renewalsArea = defineArea({
  name: 'renewals',
  resolvers: [renewalsResolvers],
  rules: renewalsRules,
});
