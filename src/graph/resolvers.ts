// Resolvers for the shared machinery: scalars, `node`/`nodes`, Money.
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
import { addresses } from '../addresses/tables';
import { contacts } from '../contacts/tables';
import { businessUnits, customers, customerStatuses, customerTypes } from '../customers/tables';
import type { Resolvers } from '../generated/graphql';
import { leads } from '../leads/tables';
import { users } from '../organisations/tables';
import type { Context } from './context';
import { badUserInput } from './errors';
import { parseGlobalId, type NodeType } from './ids';
import { formatMoney } from './money';

const MAX_NODES = 100;

/**
 * E.164 only: `+`, a country code and the number, digits only (graphql-scalars' own PhoneNumber also
 * accepts national numbers with spaces, which D2 does not).
 */
export const E164PhoneNumber = new RegularExpression('PhoneNumber', /^\+[1-9]\d{6,14}$/, {
  description: 'A telephone number in E.164 form, e.g. +442079460000.',
  errorMessage: (_regex, value) => `${JSON.stringify(value)} is not an E.164 telephone number (+ then country code and number, digits only, e.g. +447700900123)`,
});

/** Loads any node by global ID, tagged with its GraphQL type; null if absent or not visible. */
async function loadNode(ctx: Context, globalId: string, argument: string): Promise<{ __typename: NodeType } | null> {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw badUserInput(`${argument}: ${JSON.stringify(globalId)} is not a valid ID.`, argument);
  const { type, id } = parsed;
  const viewer = ctx.viewer!;
  let row: object | null = null;
  switch (type) {
    case 'Organisation':
      row = id === viewer.organisationId ? viewer.organisation : null;
      break;
    case 'User':
      row = await ctx.loaders.byId(users, 'User').load(id);
      break;
    case 'Customer':
      row = await ctx.loaders.byId(customers, 'Customer').load(id);
      break;
    case 'CustomerType':
      row = await ctx.loaders.byId(customerTypes, 'CustomerType').load(id);
      break;
    case 'CustomerStatus':
      row = await ctx.loaders.byId(customerStatuses, 'CustomerStatus').load(id);
      break;
    case 'BusinessUnit':
      row = await ctx.loaders.byId(businessUnits, 'BusinessUnit').load(id);
      break;
    case 'Lead':
      row = await ctx.loaders.byId(leads, 'Lead').load(id);
      break;
    case 'Contact':
      row = await ctx.loaders.byId(contacts, 'Contact').load(id);
      break;
    case 'Address':
      row = await ctx.loaders.byId(addresses, 'Address').load(id);
      break;
  }
  return row ? { ...row, __typename: type } : null;
}

export const graphResolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Date: LocalDateResolver,
  EmailAddress: EmailAddressResolver,
  PhoneNumber: E164PhoneNumber,
  CountryCode: CountryCodeResolver,
  Currency: CurrencyResolver,
  SafeInt: SafeIntResolver,
  URL: URLResolver,
  JSONObject: JSONObjectResolver,
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
