// GraphQL for stored cards: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { parsePageArgs, type SortSpec } from '../graph/connection';
import { globalIdField } from '../graph/fields';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { addStoredCard, hasExpired, removeStoredCard } from './service';
import { storedCards } from './tables';

const newestFirst: SortSpec = { name: 'CREATED_AT', expr: storedCards.createdAt, cast: 'timestamptz', direction: 'DESC' };

export const storedCardsResolvers: Resolvers = {
  StoredCard: {
    id: globalIdField('StoredCard'),
    customer: async (c, _a, ctx) => (await ctx.loaders.byId('Customer').load(c.customerId))!,
    expired: (c) => hasExpired(c),
  },
  Customer: {
    storedCards: (c, args, ctx) =>
      ctx.loaders
        .childPage({
          table: storedCards,
          parentColumn: storedCards.customerId,
          where: undefined,
          name: 'customer.storedCards',
          sort: newestFirst,
          page: parsePageArgs(args, newestFirst, ctx.config.maxPageSize),
        })
        .load(c.id),
  },
  Mutation: {
    addStoredCard: (_p, { input }, ctx) => payload(() => addStoredCard(ctx.db, actorOf(ctx), input), { storedCard: null }),
    removeStoredCard: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { removedStoredCardId } = await removeStoredCard(ctx.db, actorOf(ctx), inputId(input.id, ['StoredCard'], ['input', 'id']).id, input);
          return { removedStoredCardId: toGlobalId('StoredCard', removedStoredCardId) };
        },
        { removedStoredCardId: null },
      ),
  },
};
