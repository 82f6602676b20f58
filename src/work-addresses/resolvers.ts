// GraphQL resolvers for work addresses: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import { entityHistoryPage } from '../audit/trail';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { customerWorkAddressesPage } from './loaders';
import { createWorkAddress, deleteWorkAddress, updateWorkAddress } from './service';

/** Lines, town, county, postcode and country on one line, blanks skipped. */
export function formatPostal(a: {
  line1: string;
  line2: string | null;
  line3: string | null;
  town: string | null;
  county: string | null;
  postcode: string | null;
  country: string;
}): string {
  return [a.line1, a.line2, a.line3, a.town, a.county, a.postcode, a.country].filter((p) => p && p.trim()).join(', ');
}

export const workAddressesResolvers: Resolvers = {
  Customer: {
    workAddresses: (c, args, ctx) => customerWorkAddressesPage(ctx, c.id, args.filter, args),
  },
  WorkAddress: {
    id: globalIdField('WorkAddress'),
    formatted: (w) => formatPostal(w),
    occupier: (w) => ({
      title: w.occupierTitle,
      firstName: w.occupierFirstName,
      surname: w.occupierSurname,
      email: w.occupierEmail,
      phone: w.occupierPhone,
    }),
    customer: async (w, _a, ctx) => (await ctx.loaders.byId('Customer').load(w.customerId))!,
    branch: (w, _a, ctx) => (w.branchId ? ctx.loaders.byId('Branch').load(w.branchId) : null),
    // Through the visibility-filtered loader: null when the viewer may not see the landlord.
    landlord: (w, _a, ctx) => (w.landlordCustomerId ? ctx.loaders.byId('Customer').load(w.landlordCustomerId) : null),
    history: (w, args, ctx) => entityHistoryPage(ctx, 'WorkAddress', w.id, args),
  },
  Mutation: {
    createWorkAddress: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createWorkAddress', input, (db) => createWorkAddress(db, actorOf(ctx), input), { workAddress: null }),
    updateWorkAddress: (_p, { input }, ctx) =>
      payload(() => updateWorkAddress(ctx.db, actorOf(ctx), inputId(input.id, ['WorkAddress'], ['input', 'id']).id, input), { workAddress: null }),
    deleteWorkAddress: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedWorkAddressId } = await deleteWorkAddress(ctx.db, actorOf(ctx), inputId(input.id, ['WorkAddress'], ['input', 'id']).id, input);
          return { deletedWorkAddressId: toGlobalId('WorkAddress', deletedWorkAddressId) };
        },
        { deletedWorkAddressId: null },
      ),
  },
};
