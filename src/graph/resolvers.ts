// Resolvers for the shared machinery: scalars, `node`/`nodes`, Money, UserError.
import { GraphQLError, GraphQLScalarType, type ValueNode } from 'graphql';
import {
  CountryCodeResolver,
  CurrencyResolver,
  DateTimeResolver,
  EmailAddressResolver,
  JSONObjectResolver,
  LocalDateResolver,
  RegularExpression,
  SafeIntResolver,
  URLResolver,
} from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql';
import type { NodeSource } from './area';
import { maskCardData } from './card-data';
import { viewerOf, type Context } from './context';
import { badUserInput } from './errors';
import { parseGlobalId, type NodeType } from './ids';
import { formatMoney } from './money';
import { sdlScalar } from './sdl-scalar';

const MAX_NODES = 100;

/**
 * E.164 only: `+`, a country code and the number, digits only (graphql-scalars' own PhoneNumber also
 * accepts national numbers with spaces, which docs/domain.md#contacts does not).
 */
export const E164PhoneNumber = new RegularExpression('PhoneNumber', /^\+[1-9]\d{6,14}$/, {
  errorMessage: (_regex, value) =>
    `${JSON.stringify(value)} is not an E.164 telephone number (+ then country code and number, digits only, e.g. +447700900123)`,
});

/**
 * JSON objects as graphql-scalars parses them, refusing the key `__proto__` at any depth. JSON.parse
 * makes it an ordinary key, but the first copy made by assignment (zod's records do) turns it into
 * the copy's prototype: the key vanished without a word, and its contents answered `in` checks.
 */
const JSONObjectWithoutProto = new GraphQLScalarType({
  ...JSONObjectResolver.toConfig(),
  parseValue: (value: unknown) => refuseProtoKeys(JSONObjectResolver.parseValue(value)),
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => refuseProtoKeys(JSONObjectResolver.parseLiteral(ast, variables)),
});

/** Recursive: variables nest at most MAX_VARIABLE_DEPTH levels (src/limits/plugin.ts) and literals are bounded by the query's token limit. */
function refuseProtoKeys<T>(value: T, path: string[] = []): T {
  if (Array.isArray(value)) value.forEach((item, i) => refuseProtoKeys(item, [...path, String(i)]));
  else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (key === '__proto__') {
        throw new GraphQLError(`The key "__proto__" is not allowed in a JSON object${path.length ? ` (at ${path.join('.')})` : ''}.`);
      }
      refuseProtoKeys((value as Record<string, unknown>)[key], [...path, key]);
    }
  }
  return value;
}

/** Loads any node by global ID, tagged with its GraphQL type; null if absent or not visible. */
export async function loadNode(
  nodes: ReadonlyMap<NodeType, NodeSource>,
  ctx: Context,
  globalId: string,
  argument: string,
): Promise<{ __typename: NodeType } | null> {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw badUserInput(`${argument}: ${JSON.stringify(globalId)} is not a valid ID.`, argument);
  const { type, id } = parsed;
  const source = nodes.get(type);
  if (!source) return null;
  const viewer = viewerOf(ctx);
  // A portal token fetches by id only what its area opens to it (its customer and what sits under
  // it, itself); anything else is "not found". The rule tree relies on this.
  if (viewer.kind === 'portal') {
    const open = typeof source.portal === 'function' ? source.portal(viewer, id) : source.portal === true;
    if (!open) return null;
  }
  const row = source.load ? await source.load(ctx, id) : await ctx.loaders.byId(type).load(id);
  return row ? { ...row, __typename: type } : null;
}

/** The shared machinery's resolvers; `nodes` is every area's node types (src/graph/area.ts). */
export function graphResolvers(nodes: ReadonlyMap<NodeType, NodeSource>): Resolvers {
  return {
    DateTime: sdlScalar(DateTimeResolver),
    // graphql-scalars names it LocalDate; the SDL (and clients) call it Date.
    Date: sdlScalar(new GraphQLScalarType({ ...LocalDateResolver.toConfig(), name: 'Date' })),
    EmailAddress: sdlScalar(EmailAddressResolver),
    PhoneNumber: sdlScalar(E164PhoneNumber),
    CountryCode: sdlScalar(CountryCodeResolver),
    Currency: sdlScalar(CurrencyResolver),
    SafeInt: sdlScalar(SafeIntResolver),
    URL: sdlScalar(URLResolver),
    JSONObject: sdlScalar(JSONObjectWithoutProto),
    Node: {
      __resolveType: (node) => (node as unknown as { __typename: NodeType }).__typename,
    },
    Query: {
      node: (_parent, { id }, ctx) => loadNode(nodes, ctx, id, 'id') as never,
      nodes: (_parent, { ids }, ctx) => {
        if (ids.length > MAX_NODES) throw badUserInput(`ids: at most ${MAX_NODES} IDs at once (got ${ids.length}).`, 'ids');
        return Promise.all(ids.map((id, i) => loadNode(nodes, ctx, id, `ids[${i}]`))) as never;
      },
    },
    Money: {
      formatted: (money) => formatMoney(money),
    },
    // Messages may quote what the caller sent (an ID that is not one): never a card number.
    UserError: {
      message: (error) => maskCardData(error.message),
      mergedIntoId: (error) => error.mergedIntoId ?? null,
      transitionRuleId: (error) => error.transitionRuleId ?? null,
    },
  };
}
