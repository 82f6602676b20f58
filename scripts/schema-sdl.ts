// The printed schema, `schema.graphql` at the top of the repository: the SDL in schema/*.graphql
// merged into one document, as client teams (code generators, reviewers of API changes) read it.
// Built from the SDL files alone, not from the server's resolvers, so that printing it needs no
// database and no running code; test/graph/printed-schema.test.ts checks that the server serves
// exactly this schema.
//
// Order: the SDL files are merged in the order of `areaOrder` below, so the root fields of Query
// and Mutation (spread over `extend type` in every file) read by area: `node`, `nodes` and `viewer`
// first, then the organisation's users and access, leads and customers and what hangs off them, the
// pipeline, money, the portal. A file not in the list (a new area) follows, alphabetically, with a
// warning; add it to the list where it belongs.
import fs from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { printSchema, type GraphQLSchema } from 'graphql';

export const projectRoot = path.join(__dirname, '..');
export const schemaDir = path.join(projectRoot, 'schema');
export const printedSchemaFile = path.join(projectRoot, 'schema.graphql');

/** schema/<name>.graphql, in the order the printed schema lists their types and root fields. */
export const areaOrder = [
  'common', // Node, connections, Money, UserError; Query.node, Query.nodes
  'organisation', // Query.viewer
  'users',
  'access',
  'audit',
  'lead',
  'customer',
  'customer-status',
  'customer-workflows',
  'customer-merge',
  'customer-deletion',
  'contact',
  'address',
  'branch',
  'work-address',
  'asset',
  'activity',
  'document',
  'custom-fields',
  'search',
  'import-export',
  'pipeline',
  'conversions',
  'invoice',
  'portal',
];

const header = `# The API's schema as clients see it, printed from schema/*.graphql by \`npm run schema:print\`.
# Do not edit: change the SDL in schema/ and print again. \`npm run schema:check\` (part of \`npm test\`)
# fails when this file is out of date, and \`npm run schema:breaking\` when a change would break
# existing clients without being listed in schema-changes.md.

`;

/** The SDL files in print order, and the names of those `areaOrder` does not place yet. */
export function schemaFiles(): { files: string[]; unplaced: string[] } {
  const names = fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => f.slice(0, -'.graphql'.length));
  const placed = areaOrder.filter((name) => names.includes(name));
  const unplaced = names.filter((name) => !areaOrder.includes(name)).sort();
  return { files: [...placed, ...unplaced].map((name) => path.join(schemaDir, `${name}.graphql`)), unplaced };
}

/** The schema the SDL describes (validated as the server validates it), without resolvers. */
export function schemaFromSdl(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: schemaFiles().files.map((file) => fs.readFileSync(file, 'utf8')) });
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
