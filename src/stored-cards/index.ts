// The stored-cards area: payment cards kept on file for customers, as the payment provider's token
// with brand, last four digits and expiry (docs/domain.md#stored-cards).
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { storedCardsResolvers } from './resolvers';
import { storedCardsRules } from './rules';
import { storedCards } from './tables';

export const storedCardsArea = defineArea({
  name: 'stored-cards',
  resolvers: [storedCardsResolvers],
  rules: storedCardsRules,
  nodes: { StoredCard: { table: storedCards } },
  // Money: no mutation here accepts a card number or a security code anywhere in its input.
  refusesCardData: true,
  // Cards sit under their customer: they move with a merge and go with its deletion; anonymising the
  // customer removes them (a card on file is personal data, and an anonymised customer is charged no more).
  children: [
    {
      recordType: 'StoredCard',
      table: storedCards,
      customer: storedCards.customerId,
      onDelete: 'delete',
      anonymise: 'delete',
      trail: true,
    },
  ],
});
