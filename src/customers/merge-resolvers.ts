// GraphQL for merging customers (src/customers/merge.ts): the mutation and the survivor's list of
// merged customers. (A merged customer's id resolving to its survivor: `customerById`, loaders.ts.)
import { desc } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { toGlobalId } from '../graph/ids';
import { previewablePayload } from '../graph/previews';
import { blockedMerge, describeMerge, mergeCustomers } from './merge';
import { customerTombstones } from './tables';

export const customerMergeResolvers: Resolvers = {
  Mutation: {
    mergeCustomers: (_p, { input }, ctx) =>
      previewablePayload(
        input.dryRun,
        (tally) => mergeCustomers(ctx.db, actorOf(ctx), input, ctx.composition.children, tally),
        { customer: null, mergedCustomerIds: null, moved: null },
        describeMerge,
        blockedMerge,
      ),
  },
  MergeCustomersPreview: {
    survivorStatus: (p, _a, ctx) => (p.survivorStatusId ? ctx.loaders.byId('CustomerStatus').load(p.survivorStatusId) : null),
  },
  Customer: {
    mergedCustomers: (c, _a, ctx) =>
      ctx.loaders
        .allByParent(customerTombstones, customerTombstones.survivorId, [desc(customerTombstones.mergedAt), customerTombstones.id], 'customer.mergedCustomers')
        .load(c.id),
  },
  MergedCustomer: {
    id: (t) => toGlobalId('Customer', t.id),
    mergedBy: (t, _a, ctx) => (t.mergedById ? ctx.loaders.byId('User').load(t.mergedById) : null),
  },
};
