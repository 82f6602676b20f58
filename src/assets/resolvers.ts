// GraphQL resolvers of this area, registered in src/graph/schema.ts.
import { customers } from '../customers/tables';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';

export const assetsResolvers: Resolvers = {
  Asset: {
    id: globalIdField('Asset'),
    customer: async (b, _a, ctx) => (await ctx.loaders.byId(customers, 'Customer').load(b.customerId))!,
  },
};
