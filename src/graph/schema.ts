// The executable schema: the SDL in schema/, every area's resolvers, and the rule tree around them.
// Which areas there are is the composition root's business (src/areas.ts); this file knows none.
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { authorise } from '../auth/permissions';
import type { Composition } from './area';
import { graphResolvers } from './resolvers';
import { loadSdlInOrder } from './sdl-files';

/** The SDL files, in reading order (src/graph/sdl-files.ts), so GraphiQL lists root fields as schema.graphql does. */
export function loadTypeDefs(): string[] {
  return loadSdlInOrder();
}

export function buildSchema(composition: Composition, options: { shield?: boolean } = {}): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [graphResolvers(composition.nodes), ...composition.resolvers] as never,
  });
  return options.shield === false ? schema : authorise(schema, composition.rules);
}
