// Who may do what with stored cards: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { bookkeepers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

/** Those who keep the books keep the cards: adding, removing, and reading the provider's token. */
const keepsBooks = hasRole(bookkeepers);

export const storedCardsRules: AreaRules = {
  Mutation: { addStoredCard: keepsBooks, removeStoredCard: keepsBooks },
  // Reached by users only: Customer.storedCards (ruled below), the mutations, and node(), which
  // refuses portal tokens the type. Which cards a user sees follows the customer (the visibility
  // layer, through `customer_id`); the token is for those who keep the books.
  types: {
    StoredCard: { '*': allow, providerToken: keepsBooks },
    StoredCardConnection: allow,
    StoredCardEdge: allow,
    AddStoredCardPayload: allow,
    RemoveStoredCardPayload: allow,
  },
  extend: { Customer: { storedCards: isUser } },
};
