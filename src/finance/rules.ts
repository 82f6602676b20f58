// Who may see a customer's finance tab: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { isUser } from '../auth/rules';

export const financeRules: AreaRules = {
  // Users who see the customer (visibility decides which); reached only through Customer.balance
  // and Customer.ledger, so the types need no rule per field.
  extend: { Customer: { balance: isUser, ledger: isUser } },
  types: {
    CustomerBalance: allow,
    AgingBucket: allow,
    LastPayment: allow,
    LedgerEntry: allow,
    LedgerEntryConnection: allow,
    LedgerEntryEdge: allow,
  },
};
