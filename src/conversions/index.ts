// The conversions area: Conversions: lead to customer, quote to sales order, sales order to assets.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { conversionsResolvers } from './resolvers';
import { conversionsRules } from './rules';

export const conversionsArea = defineArea({
  name: 'conversions',
  resolvers: [conversionsResolvers],
  rules: conversionsRules,
});
