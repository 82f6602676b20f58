// Who may read statements: merged into the one rule tree (src/auth/permissions.ts).
import { allow, or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { isPortalTokenWith, isUser } from '../auth/rules';

/** Users who see the customer (visibility decides which), and portal tokens with VIEW_STATEMENTS. */
const seesStatements = or(isUser, isPortalTokenWith('VIEW_STATEMENTS'));

export const statementsRules: AreaRules = {
  extend: {
    Customer: { statement: seesStatements },
    Invoice: { pdfUrl: or(isUser, isPortalTokenWith('VIEW_INVOICES')) },
  },
  // Reached only through Customer.statement; the documents a line links to keep their own rules
  // (an invoice needs VIEW_INVOICES too).
  types: { Statement: allow, StatementLine: allow, StatementGroup: allow },
};
