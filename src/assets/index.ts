// The assets area: Assets at work addresses, and their reference lists.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { assetsResolvers } from './resolvers';
import { assetsRules } from './rules';
import { assetGroups, assetLocations, assetMakes, assetModels, assets, fuelTypes } from './tables';

export const assetsArea = defineArea({
  name: 'assets',
  resolvers: [assetsResolvers],
  rules: assetsRules,
  nodes: {
    Asset: { table: assets },
    AssetGroup: { table: assetGroups },
    AssetMake: { table: assetMakes },
    AssetModel: { table: assetModels },
    FuelType: { table: fuelTypes },
    AssetLocation: { table: assetLocations },
  },
  // Kept as they are by anonymisation: equipment, nothing about the person.
  children: [{ recordType: 'Asset', table: assets, customer: assets.customerId, onDelete: 'delete', trail: true }],
});
