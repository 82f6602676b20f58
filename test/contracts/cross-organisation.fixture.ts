// The contracts area's twin records for test/auth/cross-organisation.test.ts: a contract of the twin
// customer granting an SLA of its own.
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

const TARGETS = ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((priority) => ({ priority, responseHours: 8, resolutionHours: 48 }));

export async function populate({ make, customerId }: FixtureRecords): Promise<void> {
  const sla = await make(`mutation($input: CreateSlaInput!) { createSla(input: $input) { sla { id } userErrors { code field message } } }`, {
    name: 'Twin contract SLA',
    targets: TARGETS,
  });
  await make(`mutation($input: CreateContractInput!) { createContract(input: $input) { contract { id } userErrors { code field message } } }`, {
    customerId,
    reference: 'Twin contract',
    termMonths: 12,
    startDate: '2026-01-01',
    price: { amountMinor: 2500 },
    billingFrequency: 'MONTHLY',
    slaId: sla.sla.id,
  });
}
