// The stored-cards area's twin records for test/auth/cross-organisation.test.ts: a card on file for
// the customer, added through the API.
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

export async function populate({ make, customerId }: FixtureRecords): Promise<void> {
  await make(`mutation($input: AddStoredCardInput!) { addStoredCard(input: $input) { storedCard { id } userErrors { code field message } } }`, {
    customerId,
    provider: 'stripe',
    providerToken: `pm_twin_${customerId.slice(-8)}`,
    brand: 'MASTERCARD',
    last4: '4444',
    expiryMonth: 1,
    expiryYear: new Date().getUTCFullYear() + 2,
    label: 'Twin card',
  });
}
