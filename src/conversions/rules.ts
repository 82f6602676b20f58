// Who may convert leads, sign quotes and convert sales orders into assets: those who change leads and
// customers (README, "Who may see and do what"). The conversion preview is a read: every user who can
// read sales orders (src/pipeline/rules.ts: `SalesOrder: isUser`). Which lead, quote or order they
// reach is the data layer's business (visibility applied).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { sellers as sellerRoles } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

const sellers = hasRole(sellerRoles);

export const conversionsRules: AreaRules = {
  Query: {
    salesOrderConversionPreview: isUser,
  },
  Mutation: {
    convertLead: sellers,
    signQuote: sellers,
    convertSalesOrderToAssets: sellers,
  },
  types: {
    // Reached only through a root field that was allowed.
    SalesOrderConversionPreview: allow,
    SalesOrderAssetPreview: allow,
    // The previews of convertLead and signQuote: reached only through those mutations' rules.
    ConvertLeadPreview: allow,
    SignQuotePreview: allow,
  },
};
