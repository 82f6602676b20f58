// GraphQL resolvers for addresses: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { createAddress, deleteAddress, formatAddress, updateAddress } from './service';

export const addressResolvers: Resolvers = {
  Address: {
    id: globalIdField('Address'),
    formatted: (a) => formatAddress(a),
    customer: (a, _args, ctx) => (a.customerId ? ctx.loaders.byId('Customer').load(a.customerId) : null),
    lead: (a, _args, ctx) => (a.leadId ? ctx.loaders.byId('Lead').load(a.leadId) : null),
  },
  Mutation: {
    createAddress: (_p, { input }, ctx) => keyedPayload(ctx, 'createAddress', input, (db) => createAddress(db, actorOf(ctx), input), { address: null }),
    updateAddress: (_p, { input }, ctx) =>
      payload(() => updateAddress(ctx.db, actorOf(ctx), inputId(input.id, ['Address'], ['input', 'id']).id, input), { address: null }),
    deleteAddress: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedAddressId } = await deleteAddress(ctx.db, actorOf(ctx), inputId(input.id, ['Address'], ['input', 'id']).id, input);
          return { deletedAddressId: toGlobalId('Address', deletedAddressId) };
        },
        { deletedAddressId: null },
      ),
  },
};
