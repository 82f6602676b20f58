// GraphQL resolvers for assets and their reference lists: thin, over the services and the loaders.
import { sql } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { viewerOf } from '../graph/context';
import { globalIdField } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { salesOrderLines } from '../pipeline/tables';
import { assetsPage } from './loaders';
import { createListItem, deleteListItem, listItems, renameListItem } from './reference-lists';
import { createAsset, deleteAsset, updateAsset } from './service';
import { assetModels } from './tables';

export const assetsResolvers: Resolvers = {
  Asset: {
    id: globalIdField('Asset'),
    customer: async (a, _args, ctx) => (await ctx.loaders.byId('Customer').load(a.customerId))!,
    workAddress: (a, _args, ctx) => (a.workAddressId ? ctx.loaders.byId('WorkAddress').load(a.workAddressId) : null),
    salesOrder: async (a, _args, ctx) => {
      const line = a.salesOrderLineId ? await ctx.loaders.tableById(salesOrderLines, 'SalesOrderLine').load(a.salesOrderLineId) : null;
      return line ? ctx.loaders.byId('SalesOrder').load(line.salesOrderId) : null;
    },
    group: (a, _args, ctx) => (a.groupId ? ctx.loaders.byId('AssetGroup').load(a.groupId) : null),
    make: (a, _args, ctx) => (a.makeId ? ctx.loaders.byId('AssetMake').load(a.makeId) : null),
    model: (a, _args, ctx) => (a.modelId ? ctx.loaders.byId('AssetModel').load(a.modelId) : null),
    fuelType: (a, _args, ctx) => (a.fuelTypeId ? ctx.loaders.byId('FuelType').load(a.fuelTypeId) : null),
    location: (a, _args, ctx) => (a.locationId ? ctx.loaders.byId('AssetLocation').load(a.locationId) : null),
  },
  AssetListItem: {
    __resolveType: (item) => (item as unknown as { __typename: 'AssetGroup' }).__typename,
  },
  AssetGroup: { id: globalIdField('AssetGroup') },
  FuelType: { id: globalIdField('FuelType') },
  AssetLocation: { id: globalIdField('AssetLocation') },
  AssetMake: {
    id: globalIdField('AssetMake'),
    models: (m, _args, ctx) =>
      ctx.loaders.allByParent(assetModels, assetModels.makeId, [sql`lower(${assetModels.name})`, assetModels.id], 'make.models').load(m.id),
  },
  AssetModel: {
    id: globalIdField('AssetModel'),
    make: async (m, _args, ctx) => (await ctx.loaders.byId('AssetMake').load(m.makeId))!,
  },
  Customer: {
    assets: (c, args, ctx) => assetsPage(ctx, 'customer', c.id, args),
  },
  WorkAddress: {
    assets: (w, args, ctx) => assetsPage(ctx, 'workAddress', w.id, args),
  },
  Query: {
    assetGroups: (_p, _a, ctx) => listItems(ctx.db, viewerOf(ctx).organisationId, 'GROUP'),
    assetMakes: (_p, _a, ctx) => listItems(ctx.db, viewerOf(ctx).organisationId, 'MAKE'),
    fuelTypes: (_p, _a, ctx) => listItems(ctx.db, viewerOf(ctx).organisationId, 'FUEL_TYPE'),
    assetLocations: (_p, _a, ctx) => listItems(ctx.db, viewerOf(ctx).organisationId, 'LOCATION'),
  },
  Mutation: {
    createAssetListItem: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createAssetListItem', input, (db) => createListItem(db, actorOf(ctx), input), { item: null }),
    renameAssetListItem: (_p, { input }, ctx) => payload(() => renameListItem(ctx.db, actorOf(ctx), input), { item: null }),
    deleteAssetListItem: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedId, type } = await deleteListItem(ctx.db, actorOf(ctx), input);
          return { deletedId: toGlobalId(type, deletedId) };
        },
        { deletedId: null },
      ),
    createAsset: (_p, { input }, ctx) => keyedPayload(ctx, 'createAsset', input, (db) => createAsset(db, actorOf(ctx), input), { asset: null }),
    updateAsset: (_p, { input }, ctx) =>
      payload(() => updateAsset(ctx.db, actorOf(ctx), inputId(input.id, ['Asset'], ['input', 'id']).id, input), { asset: null }),
    deleteAsset: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedAssetId } = await deleteAsset(ctx.db, actorOf(ctx), inputId(input.id, ['Asset'], ['input', 'id']).id, input);
          return { deletedAssetId: toGlobalId('Asset', deletedAssetId) };
        },
        { deletedAssetId: null },
      ),
  },
};
