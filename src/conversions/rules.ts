// Who may convert leads and sign quotes: those who change leads and customers (README, "Who may see
// and do what"). Which lead or quote they reach is the data layer's business (visibility applied).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { hasRole } from '../auth/rules';

const sellers = hasRole('ADMIN', 'MANAGER', 'SALES');

export const conversionsRules: AreaRules = {
  Mutation: {
    convertLead: sellers,
    signQuote: sellers,
  },
  types: {
    // Reached only through a root field that was allowed.
    ConvertLeadPayload: allow,
    SignQuotePayload: allow,
  },
};
