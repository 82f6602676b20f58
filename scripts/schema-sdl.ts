// The printed schema, `schema.graphql` at the top of the repository: the SDL in schema/*.graphql
// merged into one document, as client teams (code generators, reviewers of API changes) read it.
// Built from the SDL files alone, not from the server's resolvers, so that printing it needs no
// database and no running code; test/graph/printed-schema.test.ts checks that the server serves
// exactly this schema.
//
// Order: src/graph/sdl-files.ts (root fields grouped by area, `node`, `nodes` and `viewer` first).
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { printSchema, type GraphQLSchema } from 'graphql';
import { loadSdlInOrder } from '../src/graph/sdl-files';

export const projectRoot = path.join(__dirname, '..');
export const schemaDir = path.join(projectRoot, 'schema');
export const printedSchemaFile = path.join(projectRoot, 'schema.graphql');

const header = `# The API's schema as clients see it, printed from schema/*.graphql by \`npm run schema:print\`.
# Do not edit: change the SDL in schema/ and print again. \`npm run schema:check\` (part of \`npm test\`)
# fails when this file is out of date, and \`npm run schema:breaking\` when a change would break
# existing clients without being listed in schema-changes.md.

`;

/** The schema the SDL describes (validated as the server validates it), without resolvers. */
export function schemaFromSdl(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadSdlInOrder(schemaDir) });
}

/** For the scripts: the schema, or exit 1 with the SDL's error on one line instead of a stack. */
export function schemaFromSdlOrExit(): GraphQLSchema {
  try {
    return schemaFromSdl();
  } catch (error) {
    console.error(`schema/*.graphql does not build: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

/** A schema printed the way `schema.graphql` holds it: descriptions kept, the header on top. */
export function printForClients(schema: GraphQLSchema): string {
  return `${header}${printSchema(schema)}\n`;
}

/** What `schema.graphql` should contain now. */
export function printedSchema(schema: GraphQLSchema = schemaFromSdl()): string {
  return printForClients(schema);
}
