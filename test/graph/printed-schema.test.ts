// The committed schema.graphql is the schema clients get: what a running server answers to
// introspection (GraphiQL's docs pane, code generators) has the same types, fields, arguments,
// descriptions and deprecations, and the schema's own description. Order aside: the printed file
// lists root fields by area (src/graph/sdl-files.ts), the server in the order it loads the SDL
// (src/graph/schema.ts), so the two are compared sorted.
import fs from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { printedSchema, printedSchemaFile } from '../../scripts/schema-sdl';
import { createTestOrganisation, startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  token = (await createTestOrganisation(server)).adminToken;
});
afterAll(() => server.close());

const printedSorted = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema));

async function servedSchema(): Promise<GraphQLSchema> {
  const query = getIntrospectionQuery({ descriptions: true, schemaDescription: true, inputValueDeprecation: true, specifiedByUrl: true });
  const res = await server.graphql<IntrospectionQuery>(query, undefined, token);
  expect(res.errors).toBeUndefined();
  return buildClientSchema(res.data!);
}

test('schema.graphql is what schema/*.graphql prints (npm run schema:print)', () => {
  expect(fs.readFileSync(printedSchemaFile, 'utf8')).toBe(printedSchema());
});

test('the server serves exactly the schema in schema.graphql', async () => {
  const committed = buildSchema(fs.readFileSync(printedSchemaFile, 'utf8'));
  const served = await servedSchema();
  expect(printedSorted(served)).toBe(printedSorted(committed));
});

test('the schema describes itself for GraphiQL: authentication, IDs, lists, user errors, money', async () => {
  const { description } = await servedSchema();
  for (const topic of ['Authorization: Bearer', 'global ID', 'connections', 'userErrors', 'Money']) {
    expect(description).toContain(topic);
  }
});

test('root fields are listed by area: node, nodes and viewer first', () => {
  const committed = buildSchema(fs.readFileSync(printedSchemaFile, 'utf8'));
  expect(Object.keys(committed.getQueryType()!.getFields()).slice(0, 3)).toEqual(['node', 'nodes', 'viewer']);
});
