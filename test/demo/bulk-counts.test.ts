// generateCustomers' exact counts (benchmarks ask for 3 contacts and 2 addresses per customer), and
// its random 1–3 contacts and 1–2 addresses when none are asked for (npm run seed).
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { generateCustomers } from '../../src/demo/bulk';
import { createTestOrganisation, startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function perCustomer(organisationId: string) {
  const rows = await selectRows<{ contacts: number; addresses: number; defaults: number }>(
    server.database.db,
    sql`select (select count(*)::int from contacts k where k.customer_id = c.id) as contacts,
        (select count(*)::int from addresses a where a.customer_id = c.id) as addresses,
        (select count(*)::int from addresses a where a.customer_id = c.id and a.is_default) as defaults
      from customers c where c.organisation_id = ${organisationId}`,
  );
  return rows.map((r) => ({ contacts: Number(r.contacts), addresses: Number(r.addresses), defaults: Number(r.defaults) }));
}

it('makes exactly the contacts and addresses asked for, with at most one default address per type', async () => {
  const org = await createTestOrganisation(server, 'Exact Counts');
  await generateCustomers(server.database.db, { organisationId: org.organisationId, count: 7, batchSize: 3, contactsPerCustomer: 3, addressesPerCustomer: 3 });
  const rows = await perCustomer(org.organisationId);
  expect(rows).toHaveLength(7);
  expect(new Set(rows.map((r) => `${r.contacts}/${r.addresses}/${r.defaults}`))).toEqual(new Set(['3/3/2']));
});

it('keeps random counts by default, and refuses a count that is not a whole number', async () => {
  const org = await createTestOrganisation(server, 'Random Counts');
  await generateCustomers(server.database.db, { organisationId: org.organisationId, count: 30, seed: 5 });
  const rows = await perCustomer(org.organisationId);
  expect(rows.every((r) => r.contacts >= 1 && r.contacts <= 3 && r.addresses >= 1 && r.addresses <= 2)).toBe(true);
  expect(new Set(rows.map((r) => r.contacts)).size).toBeGreaterThan(1);
  await expect(generateCustomers(server.database.db, { organisationId: org.organisationId, count: 1, contactsPerCustomer: 1.5 })).rejects.toThrow(
    /contactsPerCustomer/,
  );
});
