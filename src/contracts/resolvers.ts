// GraphQL resolvers for contracts: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { globalIdField, moneyOf } from '../graph/fields';
import { inputId, payload } from '../graph/user-errors';
import { todayIso } from '../service-plans/resolvers';
import { contractsDueForRenewalPage, contractStatus, customerContractsPage } from './loaders';
import { cancelContract, createContract, renewContract, updateContract } from './service';

const contractId = (id: string) => inputId(id, ['Contract'], ['input', 'id']).id;
const none = { contract: null };

export const contractsResolvers: Resolvers = {
  Contract: {
    id: globalIdField('Contract'),
    customer: async (c, _a, ctx) => (await ctx.loaders.byId('Customer').load(c.customerId))!,
    price: (c, _a, ctx) => moneyOf(ctx, c.priceMinor, c.currency),
    sla: (c, _a, ctx) => (c.slaId ? ctx.loaders.byId('Sla').load(c.slaId) : null),
    status: (c) => contractStatus(c, todayIso()),
  },
  Customer: {
    contracts: (c, args, ctx) => customerContractsPage(ctx, c.id, args),
  },
  Query: {
    contractsDueForRenewal: (_p, args, ctx) => contractsDueForRenewalPage(ctx, args),
  },
  Mutation: {
    createContract: (_p, { input }, ctx) => payload(() => createContract(ctx.db, actorOf(ctx), input), none),
    updateContract: (_p, { input }, ctx) => payload(() => updateContract(ctx.db, actorOf(ctx), contractId(input.id), input), none),
    renewContract: (_p, { input }, ctx) => payload(() => renewContract(ctx.db, actorOf(ctx), contractId(input.id), input), none),
    cancelContract: (_p, { input }, ctx) => payload(() => cancelContract(ctx.db, actorOf(ctx), contractId(input.id), input), none),
  },
};
