// The executable schema: the SDL in schema/, every area's resolvers, and the rule tree around them.
// Which areas there are is the composition root's business (src/areas.ts); this file knows none.
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { authorise } from '../auth/permissions';
import type { Composition } from './area';
import { checkCardDataGuard, guardCardData } from './card-data-guard';
import { graphResolvers } from './resolvers';
import { loadSdlInOrder } from './sdl-files';

/** The SDL files, in reading order (src/graph/sdl-files.ts), so GraphiQL lists root fields as schema.graphql does. */
export function loadTypeDefs(): string[] {
  return loadSdlInOrder();
}

export function buildSchema(composition: Composition, options: { shield?: boolean } = {}): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    // The money areas' mutations refuse card data before they run (inside the rule tree, so a caller
    // who may not run them is refused as usual).
    resolvers: [graphResolvers(composition.nodes), ...guardCardData(composition.resolvers, composition.refusingCardData)] as never,
    // The schema was just built from the SDL and nothing else holds it: the resolvers go onto it
    // rather than onto a copy of every type (graphql-tools' default), which every server start and
    // every test file paid for (~40–70 ms). The printed schema is the same (schema:check).
    updateResolversInPlace: true,
  });
  checkCardDataGuard(schema, composition.refusingCardData);
  return options.shield === false ? schema : authorise(schema, composition.rules);
}
