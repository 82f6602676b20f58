// The executable schema: the SDL in schema/, every area's resolvers, and the rule tree around them.
// Which areas there are is the composition root's business (src/areas.ts); this file knows none.
import fs from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { authorise } from '../auth/permissions';
import { schemaDir } from '../paths';
import type { Composition } from './area';
import { graphResolvers } from './resolvers';

export function loadTypeDefs(): string[] {
  return fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => fs.readFileSync(path.join(schemaDir, f), 'utf8'));
}

export function buildSchema(composition: Composition, options: { shield?: boolean } = {}): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [graphResolvers(composition.nodes), ...composition.resolvers] as never,
  });
  return options.shield === false ? schema : authorise(schema, composition.rules);
}
