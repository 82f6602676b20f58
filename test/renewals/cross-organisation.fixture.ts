// The renewals area's twin records for test/auth/cross-organisation.test.ts: an asset linked to an
// opportunity it renews, and an opportunity raised from an expiry.
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

export async function populate({ make, customerId }: FixtureRecords): Promise<void> {
  const asset = await make(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { code field message } } }`, {
    customerId,
    description: 'Twin renewed boiler',
    renewalDate: '2099-01-01',
  });
  const opportunity = await make(
    `mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } userErrors { code field message } } }`,
    { recordId: customerId, name: 'Twin renewal' },
  );
  await make(`mutation($input: LinkAssetToOpportunityInput!) { linkAssetToOpportunity(input: $input) { asset { id } userErrors { code field message } } }`, {
    assetId: asset.asset.id,
    opportunityId: opportunity.opportunity.id,
    kind: 'RENEWAL',
  });
  const expiry = await make(`mutation($input: CreateExpiryInput!) { createExpiry(input: $input) { expiry { id } userErrors { code field message } } }`, {
    ownerId: customerId,
    supplier: 'Twin Power',
    description: 'Twin cover',
    endsOn: '2099-02-01',
  });
  await make(
    `mutation($input: RaiseOpportunityFromExpiryInput!) { raiseOpportunityFromExpiry(input: $input) { opportunity { id } userErrors { code field message } } }`,
    { expiryId: expiry.expiry.id },
  );
}
