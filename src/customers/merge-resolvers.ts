// GraphQL for merging customers (src/customers/merge.ts): the mutation, the survivor's list of merged
// customers, and `customerById`, which `customer` and `node` use so that a merged customer's id
// keeps resolving to the customer it was merged into.
import { desc } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { toGlobalId } from '../graph/ids';
import { payload } from '../graph/user-errors';
import { users } from '../tenancy/tables';
import { mergeCustomers } from './merge';
import { customers, customerTombstones, type CustomerRow } from './tables';

/** The customer with this id, or the one it was merged into; null if neither exists or is visible. */
export async function customerById(ctx: Context, id: string): Promise<CustomerRow | null> {
  const customer = await ctx.loaders.byId(customers, 'Customer').load(id);
  if (customer) return customer;
  const tombstone = await ctx.loaders.byId(customerTombstones, 'CustomerTombstone').load(id);
  return tombstone ? ctx.loaders.byId(customers, 'Customer').load(tombstone.survivorId) : null;
}

export const customerMergeResolvers: Resolvers = {
  Mutation: {
    mergeCustomers: (_p, { input }, ctx) =>
      payload(() => mergeCustomers(ctx.db, actorOf(ctx), input, ctx.composition.children), { customer: null, mergedCustomerIds: null, moved: null }),
  },
  Customer: {
    mergedCustomers: (c, _a, ctx) =>
      ctx.loaders.allByParent(customerTombstones, customerTombstones.survivorId, [desc(customerTombstones.mergedAt), customerTombstones.id], 'customer.mergedCustomers').load(c.id),
  },
  MergedCustomer: {
    id: (t) => toGlobalId('Customer', t.id),
    mergedBy: (t, _a, ctx) => (t.mergedById ? ctx.loaders.byId(users, 'User').load(t.mergedById) : null),
  },
};
