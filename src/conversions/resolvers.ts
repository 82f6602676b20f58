// GraphQL resolvers of conversions: thin, over ./service.ts.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { payload } from '../graph/user-errors';
import { convertLead, signQuote } from './service';

export const conversionsResolvers: Resolvers = {
  Mutation: {
    convertLead: (_p, { input }, ctx) => payload(() => convertLead(ctx.db, ctx.config, actorOf(ctx), input), { customer: null, lead: null }),
    signQuote: (_p, { input }, ctx) =>
      payload(() => signQuote(ctx.db, ctx.config, actorOf(ctx), input), { quote: null, customer: null, lead: null, salesOrder: null }),
  },
};
