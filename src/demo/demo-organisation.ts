// The demo organisation `npm start` creates on an empty database: users of every role, each with a
// token that every start prints (and GraphiQL is preloaded with the admin's), plus realistic leads
// and customers, and a few invoices.
import { faker } from '@faker-js/faker';
import { asc, eq } from 'drizzle-orm';
import { addresses } from '../addresses/tables';
import { contacts } from '../contacts/tables';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { raiseInvoice } from '../invoices/service';
import { leads } from '../leads/tables';
import { createOrganisation, createUser } from '../organisations/service';
import { demoCredentials, organisations, users, type Role } from '../organisations/tables';
import { generateCustomers } from './bulk';
import { createDemoAssets } from '../assets/demo';
import { createDemoPipeline } from '../pipeline/demo';

export const DEMO_ORGANISATION_NAME = 'Demo Services Ltd';

export type DemoCredential = { role: Role; email: string; token: string };

const demoUsers: Array<{ role: Role; name: string }> = [
  { role: 'MANAGER', name: 'Morgan Manager' },
  { role: 'SALES', name: 'Sam Sales' },
  { role: 'SERVICE', name: 'Sky Service' },
  { role: 'FINANCE', name: 'Frankie Finance' },
  { role: 'READ_ONLY', name: 'Robin Reader' },
];

/** The demo tokens, admin first; empty when there is no demo organisation. */
export async function demoCredentialsList(db: Db): Promise<DemoCredential[]> {
  const rows = await db
    .select({ role: users.role, email: users.email, token: demoCredentials.token })
    .from(demoCredentials)
    .innerJoin(users, eq(users.id, demoCredentials.userId));
  const order: Role[] = ['ADMIN', 'MANAGER', 'SALES', 'SERVICE', 'FINANCE', 'READ_ONLY'];
  return rows.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
}

export async function hasAnyOrganisation(db: Db): Promise<boolean> {
  const rows = await db.select({ id: organisations.id }).from(organisations).limit(1);
  return rows.length > 0;
}

export async function createDemoOrganisation(db: Db, options: { customers?: number; leads?: number } = {}): Promise<string> {
  faker.seed(20261123);
  const created = await createOrganisation(db, { name: DEMO_ORGANISATION_NAME, adminEmail: 'admin@demo.test', adminName: 'Alex Admin' });
  const organisationId = created.organisation.id;
  await db.insert(demoCredentials).values({ userId: created.admin.id, organisationId, token: created.token });
  const userIds: string[] = [created.admin.id];
  for (const u of demoUsers) {
    const { user, token } = await createUser(db, organisationId, { email: `${u.role.toLowerCase().replace('_', '-')}@demo.test`, name: u.name, role: u.role });
    await db.insert(demoCredentials).values({ userId: user.id, organisationId, token });
    userIds.push(user.id);
  }
  await generateCustomers(db, { organisationId, count: options.customers ?? 60, seed: 20261123 });
  await createDemoLeads(db, organisationId, userIds, options.leads ?? 25);
  await createDemoInvoices(db, organisationId);
  await createDemoAssets(db, organisationId);
  await createDemoPipeline(db, organisationId);
  return organisationId;
}

/** A few invoices on the first customers, issued over the last weeks, so finance views have data. */
async function createDemoInvoices(db: Db, organisationId: string): Promise<void> {
  const actor = { organisationId, userId: null, requestId: null, currency: 'GBP' };
  const some = await db.select({ id: customers.id }).from(customers).where(eq(customers.organisationId, organisationId)).orderBy(asc(customers.name)).limit(12);
  const work = ['Annual boiler service', 'Gas safety certificate', 'Replace thermostat', 'Emergency call-out', 'Radiator flush'];
  for (const [i, customer] of some.entries()) {
    const issued = new Date(Date.UTC(2026, 9, 1 + i * 3)).toISOString().slice(0, 10);
    await raiseInvoice(db, actor, {
      customerId: customer.id,
      issueDate: i % 4 === 3 ? undefined : issued,
      lines: [
        { description: faker.helpers.arrayElement(work), quantityMilli: 1000, unitPriceMinor: faker.number.int({ min: 60, max: 240 }) * 100, taxRateBp: 2000 },
        { description: 'Labour (hours)', quantityMilli: faker.helpers.arrayElement([500, 1000, 1500, 2000]), unitPriceMinor: 4500, taxRateBp: 2000 },
      ],
    });
  }
}

async function createDemoLeads(db: Db, organisationId: string, ownerIds: string[], count: number): Promise<void> {
  const statuses = ['NEW', 'NEW', 'CONTACTED', 'QUALIFIED', 'LOST'] as const;
  await db.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      const isPrivate = faker.datatype.boolean(0.3);
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      const status = faker.helpers.arrayElement(statuses);
      const [lead] = await tx
        .insert(leads)
        .values({
          organisationId,
          name: isPrivate ? `${first} ${last}` : faker.company.name(),
          isPrivate,
          businessType: isPrivate ? null : faker.helpers.arrayElement(['Limited company', 'Sole trader', 'Partnership']),
          industry: isPrivate ? null : faker.helpers.arrayElement(['Hospitality', 'Retail', 'Property', 'Education', 'Healthcare']),
          employees: isPrivate ? null : faker.number.int({ min: 1, max: 500 }),
          website: isPrivate ? null : faker.internet.url(),
          leadSource: faker.helpers.arrayElement(['Website', 'Referral', 'Cold call', 'Trade show']),
          ownerId: faker.helpers.arrayElement(ownerIds),
          status,
          lostReason: status === 'LOST' ? faker.helpers.arrayElement(['Price', 'Chose a competitor', 'No budget']) : null,
        })
        .returning();
      await tx.insert(contacts).values({
        organisationId,
        leadId: lead!.id,
        firstName: first,
        surname: last,
        position: isPrivate ? null : faker.person.jobTitle(),
        emails: [{ address: faker.internet.email({ firstName: first, lastName: last }).toLowerCase(), label: 'Work' }],
        phones: [{ type: 'MOBILE', number: `+447${faker.string.numeric(9)}` }],
      });
      await tx.insert(addresses).values({
        organisationId,
        leadId: lead!.id,
        type: 'TRADING',
        isDefault: true,
        line1: faker.location.streetAddress(),
        town: faker.location.city(),
        postcode: faker.location.zipCode('??# #??').toUpperCase(),
        country: 'GB',
      });
    }
  });
}
