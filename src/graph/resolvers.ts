// Resolvers for the shared machinery: scalars, `node`/`nodes`, Money.
import { GraphQLScalarType } from 'graphql';
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
import { viewerOf, type Context } from './context';
import { badUserInput } from './errors';
import { parseGlobalId, type NodeType } from './ids';
import { formatMoney } from './money';
import { nodeTables } from './node-tables';
import { sdlScalar } from './sdl-scalar';
import { customerById } from '../customers/merge-resolvers';

const MAX_NODES = 100;

/**
 * E.164 only: `+`, a country code and the number, digits only (graphql-scalars' own PhoneNumber also
 * accepts national numbers with spaces, which docs/domain.md#contacts does not).
 */
export const E164PhoneNumber = new RegularExpression('PhoneNumber', /^\+[1-9]\d{6,14}$/, {
  errorMessage: (_regex, value) => `${JSON.stringify(value)} is not an E.164 telephone number (+ then country code and number, digits only, e.g. +447700900123)`,
});


/**
 * What a portal token may fetch by ID: its customer and what sits under it (invoices only with
 * VIEW_INVOICES), and itself; anything
 * else is "not found". The rule tree relies on this: reference lists and users are for users only.
 */
const portalNodeTypes: ReadonlySet<NodeType> = new Set(['Customer', 'Contact', 'Address', 'PortalToken', 'Organisation', 'Invoice']);

/** Loads any node by global ID, tagged with its GraphQL type; null if absent or not visible. */
async function loadNode(ctx: Context, globalId: string, argument: string): Promise<{ __typename: NodeType } | null> {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw badUserInput(`${argument}: ${JSON.stringify(globalId)} is not a valid ID.`, argument);
  const { type, id } = parsed;
  const viewer = viewerOf(ctx);
  if (viewer.kind === 'portal' && !portalNodeTypes.has(type)) return null;
  if (viewer.kind === 'portal' && type === 'PortalToken' && id !== viewer.portal.id) return null;
  if (viewer.kind === 'portal' && type === 'Invoice' && !viewer.permissions.has('VIEW_INVOICES')) return null;
  const row: object | null =
    type === 'Organisation'
      ? id === viewer.organisationId
        ? viewer.organisation
        : null
      : type === 'Customer'
        ? await customerById(ctx, id)
        : await ctx.loaders.byId(nodeTables[type], type).load(id);
  // A customer opened by id is a read for the read log (src/audit/read-log-plugin.ts).
  if (row && type === 'Customer') ctx.customerReads.add((row as { id: string }).id);
  return row ? { ...row, __typename: type } : null;
}

export const graphResolvers: Resolvers = {
  DateTime: sdlScalar(DateTimeResolver),
  // graphql-scalars names it LocalDate; the SDL (and clients) call it Date.
  Date: sdlScalar(new GraphQLScalarType({ ...LocalDateResolver.toConfig(), name: 'Date' })),
  EmailAddress: sdlScalar(EmailAddressResolver),
  PhoneNumber: sdlScalar(E164PhoneNumber),
  CountryCode: sdlScalar(CountryCodeResolver),
  Currency: sdlScalar(CurrencyResolver),
  SafeInt: sdlScalar(SafeIntResolver),
  URL: sdlScalar(URLResolver),
  JSONObject: sdlScalar(JSONObjectResolver),
  Node: {
    __resolveType: (node) => (node as unknown as { __typename: NodeType }).__typename,
  },
  Query: {
    node: (_parent, { id }, ctx) => loadNode(ctx, id, 'id') as never,
    nodes: (_parent, { ids }, ctx) => {
      if (ids.length > MAX_NODES) throw badUserInput(`ids: at most ${MAX_NODES} IDs at once (got ${ids.length}).`, 'ids');
      return Promise.all(ids.map((id, i) => loadNode(ctx, id, `ids[${i}]`))) as never;
    },
  },
  Money: {
    formatted: (money) => formatMoney(money),
  },
};
