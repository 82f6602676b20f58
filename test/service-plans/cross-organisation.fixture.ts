// The service-plans area's twin records for test/auth/cross-organisation.test.ts: a plan, held by the
// twin customer for the twin work address.
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

export async function populate({ make, customerId, workAddressId }: FixtureRecords): Promise<void> {
  const plan = await make(
    `mutation($input: CreateServicePlanInput!) { createServicePlan(input: $input) { servicePlan { id } userErrors { code field message } } }`,
    {
      name: 'Twin plan',
      tasks: ['Twin task'],
      materials: [{ description: 'Twin filter', quantity: 1 }],
      price: { amountMinor: 1000 },
      billingFrequency: 'MONTHLY',
    },
  );
  await make(
    `mutation($input: AssignServicePlanInput!) { assignServicePlan(input: $input) { customerServicePlan { id } userErrors { code field message } } }`,
    { customerId, planId: plan.servicePlan.id, startDate: '2026-01-01', expiryDate: '2026-12-31', workAddressIds: [workAddressId] },
  );
}
