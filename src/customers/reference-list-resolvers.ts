// GraphQL resolvers for managing customer types and business units (./reference-lists.ts): thin.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { createBusinessUnit, createCustomerType, deleteBusinessUnit, deleteCustomerType, updateBusinessUnit, updateCustomerType } from './reference-lists';

export const referenceListResolvers: Resolvers = {
  Mutation: {
    createCustomerType: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createCustomerType', input, (db) => createCustomerType(db, actorOf(ctx), input), { customerType: null }),
    updateCustomerType: (_p, { input }, ctx) =>
      payload(() => updateCustomerType(ctx.db, actorOf(ctx), inputId(input.id, ['CustomerType'], ['input', 'id']).id, input), { customerType: null }),
    deleteCustomerType: (_p, { input }, ctx) =>
      payload(
        async () => ({
          deletedId: toGlobalId('CustomerType', await deleteCustomerType(ctx.db, actorOf(ctx), inputId(input.id, ['CustomerType'], ['input', 'id']).id, input)),
        }),
        { deletedId: null },
      ),
    createBusinessUnit: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createBusinessUnit', input, (db) => createBusinessUnit(db, actorOf(ctx), input), { businessUnit: null }),
    updateBusinessUnit: (_p, { input }, ctx) =>
      payload(() => updateBusinessUnit(ctx.db, actorOf(ctx), inputId(input.id, ['BusinessUnit'], ['input', 'id']).id, input), { businessUnit: null }),
    deleteBusinessUnit: (_p, { input }, ctx) =>
      payload(
        async () => ({
          deletedId: toGlobalId('BusinessUnit', await deleteBusinessUnit(ctx.db, actorOf(ctx), inputId(input.id, ['BusinessUnit'], ['input', 'id']).id, input)),
        }),
        { deletedId: null },
      ),
  },
};
