// GraphQL resolvers of this area, registered in src/graph/schema.ts.
import { customers } from '../customers/tables';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';

export const branchesResolvers: Resolvers = {
  Branch: {
    id: globalIdField('Branch'),
    customer: async (b, _a, ctx) => (await ctx.loaders.byId(customers, 'Customer').load(b.customerId))!,
  },
};
