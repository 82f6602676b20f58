// The table behind each node type, for node()/nodes() and for tests that walk every kind of record.
// A new Node type adds its table here (the type check insists).
import { accessGrants, statusGroups } from '../access/tables';
import { addresses } from '../addresses/tables';
import { apiTokens, users } from '../tenancy/tables';
import { assetGroups, assetLocations, assetMakes, assetModels, assets, fuelTypes } from '../assets/tables';
import { branches } from '../branches/tables';
import { businessUnits, customers, customerStatuses, customerTypes } from '../customers/tables';
import { communications, expiries, notes, tasks } from '../activity/tables';
import { contacts } from '../contacts/tables';
import { customFieldDefinitions } from '../custom-fields/tables';
import { documents } from '../documents/tables';
import { importJobs } from '../import-export/tables';
import { invoices } from '../invoices/tables';
import { leads } from '../leads/tables';
import { estimates, jobs, opportunities, quotes, salesOrders } from '../pipeline/tables';
import { portalTokens } from '../portal/tables';
import { savedSearches } from '../search/tables';
import { workAddresses } from '../work-addresses/tables';
import type { NodeType } from './ids';

/** The table behind each node type; organisations are read from the viewer instead. */
export const nodeTables = {
  User: users,
  Customer: customers,
  CustomerType: customerTypes,
  CustomerStatus: customerStatuses,
  BusinessUnit: businessUnits,
  Lead: leads,
  Contact: contacts,
  Address: addresses,
  PortalToken: portalTokens,
  AccessGrant: accessGrants,
  StatusGroup: statusGroups,
  ApiToken: apiTokens,
  Invoice: invoices,
  Branch: branches,
  WorkAddress: workAddresses,
  Asset: assets,
  AssetGroup: assetGroups,
  AssetMake: assetMakes,
  AssetModel: assetModels,
  FuelType: fuelTypes,
  AssetLocation: assetLocations,
  CustomFieldDefinition: customFieldDefinitions,
  SavedSearch: savedSearches,
  ImportJob: importJobs,
  Note: notes,
  Task: tasks,
  Communication: communications,
  Expiry: expiries,
  Document: documents,
  Opportunity: opportunities, Quote: quotes, SalesOrder: salesOrders, Job: jobs, Estimate: estimates,
} satisfies Record<Exclude<NodeType, 'Organisation'>, unknown>;
