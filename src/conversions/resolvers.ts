// GraphQL resolvers of conversions: thin, over ./service.ts and ./sales-order-assets.ts.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { decodeIdArgument } from '../graph/ids';
import { previewablePayload } from '../graph/previews';
import { payload } from '../graph/user-errors';
import { blockedConversion, blockedSigning, describeConversion, describeSigning } from './previews';
import { convertSalesOrderToAssets, previewSalesOrderConversion } from './sales-order-assets';
import { convertLead, signQuote } from './service';

export const conversionsResolvers: Resolvers = {
  Query: {
    salesOrderConversionPreview: (_p, { salesOrderId }, ctx) =>
      previewSalesOrderConversion(ctx.db, actorOf(ctx), decodeIdArgument(salesOrderId, ['SalesOrder'], 'salesOrderId').id),
  },
  SalesOrder: {
    convertedToAssetsBy: (o, _a, ctx) => (o.convertedToAssetsById ? ctx.loaders.byId('User').load(o.convertedToAssetsById) : null),
  },
  ConvertLeadPreview: {
    customerStatus: (p, _a, ctx) => (p.customerStatusId ? ctx.loaders.byId('CustomerStatus').load(p.customerStatusId) : null),
  },
  SignQuotePreview: {
    customerStatus: (p, _a, ctx) => (p.customerStatusId ? ctx.loaders.byId('CustomerStatus').load(p.customerStatusId) : null),
  },
  SalesOrderAssetPreview: {
    group: (d, _a, ctx) => (d.groupId ? ctx.loaders.byId('AssetGroup').load(d.groupId) : null),
    make: (d, _a, ctx) => (d.makeId ? ctx.loaders.byId('AssetMake').load(d.makeId) : null),
    model: (d, _a, ctx) => (d.modelId ? ctx.loaders.byId('AssetModel').load(d.modelId) : null),
  },
  Mutation: {
    convertLead: (_p, { input }, ctx) =>
      previewablePayload(
        input.dryRun,
        (tally) => convertLead(ctx.db, ctx.config, actorOf(ctx), input, tally),
        { customer: null, lead: null, possibleDuplicates: null },
        (result) => describeConversion(result, input),
        blockedConversion,
      ),
    signQuote: (_p, { input }, ctx) =>
      previewablePayload(
        input.dryRun,
        (tally) => signQuote(ctx.db, ctx.config, actorOf(ctx), input, tally),
        { quote: null, customer: null, lead: null, salesOrder: null },
        describeSigning,
        blockedSigning,
      ),
    convertSalesOrderToAssets: (_p, { input }, ctx) =>
      payload(() => convertSalesOrderToAssets(ctx.db, actorOf(ctx), input), { salesOrder: null, customer: null, assets: null }),
  },
};
