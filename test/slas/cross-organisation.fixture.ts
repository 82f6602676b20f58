// The SLAs area's twin records for test/auth/cross-organisation.test.ts: an SLA, held by the twin
// customer, and a job raised for it (so the job carries the SLA's deadlines).
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

const TARGETS = ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((priority) => ({ priority, responseHours: 4, resolutionHours: 24 }));

export async function populate({ make, customerId, workAddressId }: FixtureRecords): Promise<void> {
  const created = await make(`mutation($input: CreateSlaInput!) { createSla(input: $input) { sla { id } userErrors { code field message } } }`, {
    name: 'Twin SLA',
    targets: TARGETS,
  });
  await make(`mutation($input: SetCustomerSlaInput!) { setCustomerSla(input: $input) { customer { id } userErrors { code field message } } }`, {
    customerId,
    slaId: created.sla.id,
  });
  await make(`mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } userErrors { code field message } } }`, {
    customerId,
    workAddressId,
    description: 'Twin urgent job',
    priority: 'URGENT',
  });
}
