// The status-history area's twin records for test/auth/cross-organisation.test.ts: a customer and a
// lead transition rule (the area's node types).
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

export async function populate({ make }: FixtureRecords): Promise<void> {
  await make(
    `mutation($input: CreateCustomerStatusTransitionRuleInput!) { createCustomerStatusTransitionRule(input: $input) { rule { id } userErrors { code field message } } }`,
    { allowedRoles: ['ADMIN', 'MANAGER', 'SALES', 'FINANCE'], reason: 'Twin rule (every role that changes statuses: restricts nothing)' },
  );
  await make(
    `mutation($input: CreateLeadStatusTransitionRuleInput!) { createLeadStatusTransitionRule(input: $input) { rule { id } userErrors { code field message } } }`,
    { fromStatus: 'LOST', toStatus: 'NEW', allowedRoles: ['MANAGER'] },
  );
}
