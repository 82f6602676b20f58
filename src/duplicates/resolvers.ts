// GraphQL resolvers of possible duplicates: thin, over ./service.ts. A duplicate's record is read
// through the request's loaders, so visibility applies again when it is shown.
import { customerById } from '../customers/loaders';
import type { Resolvers } from '../generated/graphql';
import { decodeIdArgument } from '../graph/ids';
import { findPossibleDuplicates } from './service';

export const duplicatesResolvers: Resolvers = {
  Query: {
    possibleDuplicates: async (_p, { customerId }, ctx) => {
      // A merged customer's id answers for its survivor, as `customer(id:)` does.
      const customer = await customerById(ctx, decodeIdArgument(customerId, ['Customer'], 'customerId').id);
      if (!customer) return null;
      return findPossibleDuplicates(ctx.db, ctx.visibility, { kind: 'customer', id: customer.id }, { among: ['customer'] });
    },
  },
  PossibleDuplicate: {
    record: (d, _a, ctx) => (d.kind === 'customer' ? ctx.loaders.byId('Customer').load(d.id) : ctx.loaders.byId('Lead').load(d.id)),
  },
  DuplicateRecord: {
    __resolveType: (record) => ('stage' in record ? 'Customer' : 'Lead'),
  },
};
