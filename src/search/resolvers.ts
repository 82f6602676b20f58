// GraphQL resolvers for customer search and saved searches: thin, over the service.
import { GraphQLScalarType } from 'graphql';
import { JSONResolver } from 'graphql-scalars';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { sdlScalar } from '../graph/sdl-scalar';
import { inputId, payload } from '../graph/user-errors';
import { deleteSavedSearch, listSavedSearches, saveSearch, searchCustomers, type Searcher } from './service';

/** Any JSON value; the filter compiler checks it against the rule's field and operator. */
const SearchValue = new GraphQLScalarType({
  ...JSONResolver.toConfig(),
  name: 'SearchValue',
});

function searcherOf(ctx: Context): Searcher {
  return { visibility: ctx.visibility, userId: viewerOf(ctx).userId };
}

export const searchResolvers: Resolvers = {
  SearchValue: sdlScalar(SearchValue),
  Query: {
    searchCustomers: (_p, args, ctx) => searchCustomers(ctx.db, searcherOf(ctx), args, ctx.config.maxPageSize),
    savedSearches: (_p, args, ctx) => listSavedSearches(ctx.db, searcherOf(ctx), args, ctx.config.maxPageSize),
  },
  Mutation: {
    saveSearch: (_p, { input }, ctx) => keyedPayload(ctx, 'saveSearch', input, (db) => saveSearch(db, actorOf(ctx), input), { savedSearch: null }),
    deleteSavedSearch: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedSavedSearchId } = await deleteSavedSearch(
            ctx.db,
            actorOf(ctx),
            inputId(input.id, ['SavedSearch'], ['input', 'id']).id,
            input.expectedVersion,
          );
          return { deletedSavedSearchId: toGlobalId('SavedSearch', deletedSavedSearchId) };
        },
        { deletedSavedSearchId: null },
      ),
  },
  SavedSearch: {
    id: globalIdField('SavedSearch'),
    owner: (s, _a, ctx) => ctx.loaders.byId('User').load(s.ownerId),
  },
};
