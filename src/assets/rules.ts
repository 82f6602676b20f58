// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins, fieldWorkers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

const listKeepers = hasRole(admins);
/** The roles that look after customers' equipment; READ_ONLY and FINANCE change nothing here. */
const assetWriters = hasRole(fieldWorkers);

export const assetsRules: AreaRules = {
  Query: { assetGroups: isUser, assetMakes: isUser, fuelTypes: isUser, assetLocations: isUser },
  Mutation: {
    createAssetListItem: listKeepers,
    renameAssetListItem: listKeepers,
    deleteAssetListItem: listKeepers,
    createAsset: assetWriters,
    updateAsset: assetWriters,
    deleteAsset: assetWriters,
  },
  // Every path to an asset is for users: Customer.assets and WorkAddress.assets (below), the asset
  // mutations, and node(), which serves a portal token only its customer's contacts, addresses and
  // invoices. Which assets a user sees follows the customer (src/auth/visibility.ts). So the types
  // need no rule per field, and a long list of assets pays for no rule per field.
  types: {
    Asset: allow,
    AssetGroup: allow,
    AssetMake: allow,
    AssetModel: allow,
    FuelType: allow,
    AssetLocation: allow,
  },
  extend: { Customer: { assets: isUser }, WorkAddress: { assets: isUser } },
};
