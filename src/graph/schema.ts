// The executable schema: the SDL in schema/, every area's resolvers, and the rule tree around them.
import fs from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { grantResolvers } from '../access/grant-resolvers';
import { statusGroupResolvers } from '../access/status-group-resolvers';
import { addressResolvers } from '../addresses/resolvers';
import { auditResolvers } from '../audit/resolvers';
import type { AreaRules } from '../auth/area-rules';
import { authorise } from '../auth/permissions';
import { accessRules } from '../access/rules';
import { activityRules } from '../activity/rules';
import { addressesRules } from '../addresses/rules';
import { assetsRules } from '../assets/rules';
import { auditRules } from '../audit/rules';
import { branchesRules } from '../branches/rules';
import { contactsRules } from '../contacts/rules';
import { conversionsRules } from '../conversions/rules';
import { customFieldsRules } from '../custom-fields/rules';
import { customersRules } from '../customers/rules';
import { documentsRules } from '../documents/rules';
import { importExportRules } from '../import-export/rules';
import { invoicesRules } from '../invoices/rules';
import { leadsRules } from '../leads/rules';
import { organisationsRules } from '../organisations/rules';
import { pipelineRules } from '../pipeline/rules';
import { portalRules } from '../portal/rules';
import { searchRules } from '../search/rules';
import { workAddressesRules } from '../work-addresses/rules';
import { branchesResolvers } from '../branches/resolvers';
import { workAddressesResolvers } from '../work-addresses/resolvers';
import { assetsResolvers } from '../assets/resolvers';
import { activityResolvers } from '../activity/resolvers';
import { documentsResolvers } from '../documents/resolvers';
import { customFieldsResolvers } from '../custom-fields/resolvers';
import { searchResolvers } from '../search/resolvers';
import { importExportResolvers } from '../import-export/resolvers';
import { pipelineResolvers } from '../pipeline/resolvers';
import { conversionsResolvers } from '../conversions/resolvers';

import { contactResolvers } from '../contacts/resolvers';
import { customerResolvers } from '../customers/resolvers';
import { customerMergeResolvers } from '../customers/merge-resolvers';
import { invoiceResolvers } from '../invoices/resolvers';
import { leadResolvers } from '../leads/resolvers';
import { organisationResolvers } from '../organisations/resolvers';
import { portalResolvers } from '../portal/resolvers';
import { schemaDir } from '../paths';
import { graphResolvers } from './resolvers';

export function loadTypeDefs(): string[] {
  return fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => fs.readFileSync(path.join(schemaDir, f), 'utf8'));
}

/**
 * Every area's rules (src/<area>/rules.ts), for the rule tree. TEMPORARY: the area manifests
 * (src/<area>/index.ts) replace this list when they land.
 */
export const areaRules: readonly AreaRules[] = [
  organisationsRules,
  customersRules,
  leadsRules,
  contactsRules,
  addressesRules,
  accessRules,
  auditRules,
  portalRules,
  invoicesRules,
  branchesRules,
  workAddressesRules,
  assetsRules,
  activityRules,
  documentsRules,
  customFieldsRules,
  searchRules,
  importExportRules,
  pipelineRules,
  conversionsRules,
];

export function buildSchema(options: { shield?: boolean } = {}): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [graphResolvers, auditResolvers, organisationResolvers, customerResolvers, customerMergeResolvers, leadResolvers, contactResolvers, addressResolvers, grantResolvers, statusGroupResolvers, portalResolvers, invoiceResolvers,
      branchesResolvers, workAddressesResolvers, assetsResolvers, activityResolvers, documentsResolvers, customFieldsResolvers, searchResolvers, importExportResolvers, pipelineResolvers, conversionsResolvers,
    ] as never,
  });
  return options.shield === false ? schema : authorise(schema, areaRules);
}
