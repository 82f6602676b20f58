// Builds a minimal, valid operation for any root field from the schema itself, so tests can call
// every Query and Mutation field (present and future) without hand-written queries.
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
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

/**
 * One operation calling `field` once per entry of `idSets`, each call under its own alias (`call0`,
 * `call1`, …) with its own variables: many calls for the price of one request. The caller checks
 * each alias's answer; a call whose error nulls the whole `data` needs calling on its own.
 */
export function batchedOperationFor(
  schema: GraphQLSchema,
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  idSets: Array<(argument: string) => string | undefined>,
  selection = '{ __typename }',
): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const declarations: string[] = [];
  const calls: string[] = [];
  const named = getNamedType(field.type);
  const selected = isScalarType(named) || isEnumType(named) ? '' : ` ${selection}`;
  idSets.forEach((ids, i) => {
    const args: string[] = [];
    for (const arg of field.args) {
      const idArgument = getNamedType(arg.type).name === 'ID' || getNamedType(arg.type).name.endsWith('Input');
      if (!isNonNullType(arg.type) && !idArgument) continue;
      variables[`${arg.name}_${i}`] = sampleValue(arg.type, arg.name, ids);
      declarations.push(`$${arg.name}_${i}: ${String(arg.type)}`);
      args.push(`${arg.name}: $${arg.name}_${i}`);
    }
    calls.push(`call${i}: ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selected}`);
  });
  const query = `${kind}${declarations.length ? `(${declarations.join(', ')})` : ''} { ${calls.join(' ')} }`;
  return { query, variables };
}

/**
 * A selection of `type` that shows which records came back: `__typename`, every `id`, and the
 * same again inside object fields (those without required arguments) down to `depth` levels, each
 * member of a union or interface by its own type. Valid for any output type (a leak test must not
 * be refused by validation, which would check nothing).
 */
export function idSelection(schema: GraphQLSchema, type: GraphQLOutputType, depth = 2): string {
  const named = getNamedType(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  const members = isAbstractType(named) ? schema.getPossibleTypes(named) : isObjectType(named) ? [named] : [];
  const parts: string[] = ['__typename'];
  for (const member of members) {
    const inner: string[] = [];
    for (const field of Object.values(member.getFields())) {
      if (field.args.some((a) => isNonNullType(a.type))) continue;
      const fieldNamed = getNamedType(field.type);
      if (field.name === 'id' && isScalarType(fieldNamed)) inner.push('id');
      else if (depth > 0 && !(isScalarType(fieldNamed) || isEnumType(fieldNamed))) inner.push(`${field.name} ${idSelection(schema, field.type, depth - 1)}`);
    }
    if (inner.length) parts.push(`... on ${member.name} { ${inner.join(' ')} }`);
  }
  return `{ ${parts.join(' ')} }`;
}
