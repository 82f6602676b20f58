// The rule tree is the map of who may do what: it must name every field of every type (no field is
// left to the fallback by accident), and without a token every root field is refused.
import { isInterfaceType, isObjectType, isUnionType } from 'graphql';
import { composition } from '../../src/areas';
import { buildRuleTree } from '../../src/auth/permissions';
import { buildSchema } from '../../src/graph/schema';
import { operationFor, schemaFieldsOf } from '../helpers/operations';
import { startTestServer, type TestServer } from '../helpers/server';

const schema = buildSchema(composition, { shield: false });
const tree = buildRuleTree(composition.rules, schema) as Record<string, Record<string, unknown> | unknown>;

/** Object types a client can reach (introspection types excluded). */
const objectTypes = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && !t.name.startsWith('__'));

describe('the rule tree', () => {
  it('names every Query and Mutation field, one by one', () => {
    for (const root of ['Query', 'Mutation'] as const) {
      const rules = tree[root] as Record<string, unknown>;
      expect(Object.keys(rules).sort()).toEqual(
        schemaFieldsOf(schema, root)
          .map((f) => f.name)
          .sort(),
      );
    }
  });

  it('has a rule for every field of every other type: a new field without one fails here', () => {
    const missing: string[] = [];
    for (const type of objectTypes) {
      if (!isObjectType(type) || type.name === 'Query' || type.name === 'Mutation') continue;
      const rules = tree[type.name];
      if (rules === undefined) {
        missing.push(`${type.name} (whole type)`);
        continue;
      }
      // A single rule covers the whole type; a map needs '*' or every field.
      if (isRuleLike(rules) || '*' in (rules as object)) continue;
      for (const field of Object.keys(type.getFields())) if (!(field in (rules as object))) missing.push(`${type.name}.${field}`);
    }
    expect(missing).toEqual([]);
  });

  it('names no type or field that the schema does not have (stale rules)', () => {
    const stale: string[] = [];
    for (const [typeName, rules] of Object.entries(tree)) {
      const type = schema.getType(typeName);
      if (!type || !isObjectType(type)) {
        stale.push(typeName);
        continue;
      }
      if (isRuleLike(rules)) continue;
      for (const field of Object.keys(rules as object)) if (field !== '*' && !(field in type.getFields())) stale.push(`${typeName}.${field}`);
    }
    expect(stale).toEqual([]);
  });

  it('covers interfaces and unions through their object types only', () => {
    const abstract = Object.values(schema.getTypeMap()).filter((t) => (isInterfaceType(t) || isUnionType(t)) && !t.name.startsWith('__'));
    for (const type of abstract) expect(tree[type.name]).toBeUndefined();
  });
});

/** graphql-shield rules are class instances; a field map is a plain object. */
function isRuleLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) !== Object.prototype;
}

describe('without a token', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  for (const root of ['Query', 'Mutation'] as const) {
    for (const field of schemaFieldsOf(schema, root)) {
      it(`refuses ${root}.${field.name} with UNAUTHENTICATED`, async () => {
        const { query, variables } = operationFor(schema, root === 'Query' ? 'query' : 'mutation', field);
        const res = await server.graphql(query, variables, null);
        expect(res.status).toBeLessThan(500);
        expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        expect(res.data?.[field.name] ?? null).toBeNull();
      });
    }
  }
});
