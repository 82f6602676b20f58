// The portal area: Portal tokens: a customer's own, limited access.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { portalResolvers } from './resolvers';
import { portalRules } from './rules';
import { portalTokens } from './tables';
import { portalTokenKind } from './tokens';

export const portalArea = defineArea({
  name: 'portal',
  resolvers: [portalResolvers],
  rules: portalRules,
  nodes: {
    // A portal token may read itself, and no other token.
    PortalToken: { table: portalTokens, portal: (viewer, id) => id === viewer.portal.id },
  },
  // `crmp_…` bearer tokens.
  tokens: [portalTokenKind],
  // Tokens are named for people: anonymisation deletes them.
  children: [{ recordType: 'PortalToken', table: portalTokens, customer: portalTokens.customerId, onDelete: 'delete', anonymise: 'delete', trail: true }],
});
