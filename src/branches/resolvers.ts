// GraphQL resolvers for branches: thin, over the service and the loaders.
import { sql } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { branchWorkAddressesPage } from '../work-addresses/loaders';
import { formatPostal } from '../work-addresses/resolvers';
import { createBranch, deleteBranch, mergeBranches, updateBranch } from './service';
import { branches } from './tables';

const deleted = <T extends { deletedBranchId: string }>(result: T): T => ({ ...result, deletedBranchId: toGlobalId('Branch', result.deletedBranchId) });

export const branchesResolvers: Resolvers = {
  Customer: {
    // A customer has a handful of offices: all of them, by name, one query for every customer asked.
    branches: (c, _a, ctx) =>
      ctx.loaders.allByParent(branches, branches.customerId, [sql`lower(${branches.name}) collate "C"`, branches.id], 'customer.branches').load(c.id),
  },
  Branch: {
    id: globalIdField('Branch'),
    formatted: (b) => formatPostal(b),
    customer: async (b, _a, ctx) => (await ctx.loaders.byId('Customer').load(b.customerId))!,
    workAddresses: (b, args, ctx) => branchWorkAddressesPage(ctx, b.id, args),
  },
  Mutation: {
    createBranch: (_p, { input }, ctx) => keyedPayload(ctx, 'createBranch', input, (db) => createBranch(db, actorOf(ctx), input), { branch: null }),
    updateBranch: (_p, { input }, ctx) =>
      payload(() => updateBranch(ctx.db, actorOf(ctx), inputId(input.id, ['Branch'], ['input', 'id']).id, input), { branch: null }),
    deleteBranch: (_p, { input }, ctx) =>
      payload(async () => deleted(await deleteBranch(ctx.db, actorOf(ctx), inputId(input.id, ['Branch'], ['input', 'id']).id, input.expectedVersion)), {
        deletedBranchId: null,
      }),
    mergeBranches: (_p, { input }, ctx) =>
      payload(async () => deleted(await mergeBranches(ctx.db, actorOf(ctx), input)), { branch: null, deletedBranchId: null }),
  },
};
