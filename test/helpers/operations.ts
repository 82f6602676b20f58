// Builds a minimal, valid operation for any root field from the schema itself, so tests can call
// every Query and Mutation field (present and future) without hand-written queries.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

const scalarSamples: Record<string, unknown> = {
  ID: 'QWJjOjE',
  String: 'x',
  Int: 1,
  Float: 1,
  Boolean: true,
  DateTime: '2099-01-01T00:00:00Z',
  Date: '2099-01-01',
  // The `Date` scalar's resolver (graphql-scalars' LocalDateResolver) renames it to LocalDate in the built schema.
  LocalDate: '2099-01-01',
  EmailAddress: 'someone@example.test',
  PhoneNumber: '+447700900123',
  CountryCode: 'GB',
  Currency: 'GBP',
  SafeInt: 1,
  URL: 'https://example.test/',
  JSONObject: {},
};

/** A value of `type`: every required input field filled, optional ones left out; IDs from `ids`. */
export function sampleValue(type: GraphQLInputType, name: string, ids: (argument: string) => string | undefined): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType, name, ids);
  if (isListType(type)) return [sampleValue(type.ofType as GraphQLInputType, name, ids)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isScalarType(type)) {
    if (type.name === 'ID') return ids(name) ?? scalarSamples.ID;
    if (!(type.name in scalarSamples)) throw new Error(`no sample for scalar ${type.name}: add one to test/helpers/operations.ts`);
    return scalarSamples[type.name];
  }
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) || getNamedType(field.type).name === 'ID') out[field.name] = sampleValue(field.type, field.name, ids);
    }
    return out;
  }
  throw new Error(`cannot sample ${String(type)}`);
}

/** `query`/`mutation` calling `field` with sample arguments (all, when `allArguments`), selecting `__typename`. */
export function operationFor(
  schema: GraphQLSchema,
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  ids: (argument: string) => string | undefined = () => undefined,
): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const args: string[] = [];
  for (const arg of field.args) {
    const idArgument = getNamedType(arg.type).name === 'ID' || getNamedType(arg.type).name.endsWith('Input');
    if (!isNonNullType(arg.type) && !idArgument) continue;
    variables[arg.name] = sampleValue(arg.type, arg.name, ids);
    declarations.push(`$${arg.name}: ${String(arg.type)}`);
    args.push(`${arg.name}: $${arg.name}`);
  }
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
  const query = `${kind}${declarations.length ? `(${declarations.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
  return { query, variables };
}

/** The fields of the Query or Mutation type. */
export function schemaFieldsOf(schema: GraphQLSchema, root: 'Query' | 'Mutation'): GraphQLField<unknown, unknown>[] {
  const type = root === 'Query' ? schema.getQueryType() : schema.getMutationType();
  return type ? Object.values(type.getFields()) : [];
}
