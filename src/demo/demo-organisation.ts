// The demo organisation `npm start` creates on an empty database: users of every role, each with a
// token that every start prints (and GraphiQL is preloaded with the admin's), plus realistic leads
// and customers, the money of the first customers (src/finance/demo.ts) and service agreements with
// SLA deadlines, one breached (src/contracts/demo.ts). Demo tokens live in
// the server's memory only: each start issues fresh ones and revokes the previous start's; the
// database keeps their hashes, like any token's.
import { faker } from '@faker-js/faker';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { addresses } from '../addresses/tables';
import { createDemoAssets } from '../assets/demo';
import { roles } from '../auth/roles';
import { hashToken, issueToken } from '../auth/tokens';
import { contacts } from '../contacts/tables';
import { createDemoAgreements } from '../contracts/demo';
import type { Db } from '../db/client';
import { createDemoFinance } from '../finance/demo';
import { leads } from '../leads/tables';
import { createOrganisation, createUser } from '../organisations/service';
import { createDemoPipeline, createDemoWorkLifecycle } from '../pipeline/demo';
import { createDemoRenewals } from '../renewals/demo';
import { createDemoServiceCases } from '../service-cases/demo';
import { createDemoServiceReminders } from '../service-reminders/demo';
import { leadStatusChanges } from '../status-history/tables';
import { apiTokens, demoCredentials, organisations, users, type Role } from '../tenancy/tables';
import { generateCustomers } from './bulk';

export const DEMO_ORGANISATION_NAME = 'Demo Services Ltd';

export type DemoCredential = { role: Role; email: string; token: string };

const demoUsers: Array<{ role: Role; name: string }> = [
  { role: 'MANAGER', name: 'Morgan Manager' },
  { role: 'SALES', name: 'Sam Sales' },
  { role: 'SERVICE', name: 'Sky Service' },
  { role: 'FINANCE', name: 'Frankie Finance' },
  { role: 'READ_ONLY', name: 'Robin Reader' },
];

const ADMIN_EMAIL = 'admin@demo.test';
const demoEmail = (role: Role) => `${role.toLowerCase().replace('_', '-')}@demo.test`;
const demoEmails = [ADMIN_EMAIL, ...demoUsers.map((u) => demoEmail(u.role))];

/** The name of the tokens issued at start-up; the next start revokes the ones still live. */
export const DEMO_TOKEN_NAME = 'Demo token (printed at start-up)';

const roleOrder: readonly Role[] = roles;

/**
 * Earlier versions kept the demo tokens in plain text in `demo_credentials`: removes those rows and
 * revokes the tokens they held, so none survives in plain text or stays usable.
 */
export async function forgetStoredDemoTokens(db: Db): Promise<void> {
  const stored = await db.delete(demoCredentials).returning({ token: demoCredentials.token });
  if (stored.length === 0) return;
  const hashes = stored.map((row) => hashToken(row.token));
  await db
    .update(apiTokens)
    .set({ revokedAt: new Date(), version: sql`${apiTokens.version} + 1` })
    .where(and(inArray(apiTokens.tokenHash, hashes), isNull(apiTokens.revokedAt)));
}

/**
 * New tokens for the demo organisation's users (admin first), returned in plain text and stored only
 * as hashes; the tokens of earlier starts are revoked. Empty when there is no demo organisation.
 */
export async function issueDemoTokens(db: Db): Promise<DemoCredential[]> {
  return db.transaction(async (tx) => {
    await forgetStoredDemoTokens(tx);
    const [organisation] = await tx
      .select({ id: organisations.id })
      .from(organisations)
      .where(eq(organisations.name, DEMO_ORGANISATION_NAME))
      .orderBy(asc(organisations.createdAt))
      .limit(1);
    if (!organisation) return [];
    const people = await tx
      .select({ id: users.id, role: users.role, email: users.email, organisationId: users.organisationId })
      .from(users)
      .where(and(eq(users.organisationId, organisation.id), inArray(users.email, demoEmails), isNull(users.deactivatedAt)));
    if (people.length === 0) return [];
    await tx
      .update(apiTokens)
      .set({ revokedAt: new Date(), version: sql`${apiTokens.version} + 1` })
      .where(
        and(
          inArray(
            apiTokens.userId,
            people.map((p) => p.id),
          ),
          eq(apiTokens.name, DEMO_TOKEN_NAME),
          isNull(apiTokens.revokedAt),
        ),
      );
    const issued: DemoCredential[] = [];
    for (const person of people) issued.push({ role: person.role, email: person.email, token: await issueToken(tx, person, DEMO_TOKEN_NAME) });
    return issued.sort((a, b) => roleOrder.indexOf(a.role) - roleOrder.indexOf(b.role));
  });
}

export async function hasAnyOrganisation(db: Db): Promise<boolean> {
  const rows = await db.select({ id: organisations.id }).from(organisations).limit(1);
  return rows.length > 0;
}

export async function createDemoOrganisation(
  db: Db,
  options: { customers?: number; leads?: number; contactsPerCustomer?: number; addressesPerCustomer?: number } = {},
): Promise<string> {
  faker.seed(20261123);
  const created = await createOrganisation(db, { name: DEMO_ORGANISATION_NAME, adminEmail: ADMIN_EMAIL, adminName: 'Alex Admin' });
  const organisationId = created.organisation.id;
  const userIds: string[] = [created.admin.id];
  for (const u of demoUsers) {
    const { user } = await createUser(db, organisationId, { email: demoEmail(u.role), name: u.name, role: u.role });
    userIds.push(user.id);
  }
  // The first tokens that creating users makes are never shown: issueDemoTokens makes the printed ones.
  await db
    .update(apiTokens)
    .set({ revokedAt: new Date(), version: sql`${apiTokens.version} + 1` })
    .where(eq(apiTokens.organisationId, organisationId));
  await generateCustomers(db, {
    organisationId,
    count: options.customers ?? 60,
    seed: 20261123,
    contactsPerCustomer: options.contactsPerCustomer,
    addressesPerCustomer: options.addressesPerCustomer,
  });
  await createDemoLeads(db, organisationId, userIds, options.leads ?? 25);
  await createDemoFinance(db, organisationId);
  await createDemoAssets(db, organisationId);
  await createDemoPipeline(db, organisationId);
  await createDemoAgreements(db, organisationId);
  await createDemoServiceReminders(db, organisationId);
  await createDemoServiceCases(db, organisationId);
  await createDemoRenewals(db, organisationId);
  await createDemoWorkLifecycle(db, organisationId);
  return organisationId;
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
      // Its history: recorded NEW, then moved on to where it is now (by its owner).
      await tx
        .insert(leadStatusChanges)
        .values([
          { organisationId, leadId: lead!.id, fromStatus: null, toStatus: 'NEW', source: 'CREATED' },
          ...(status === 'NEW'
            ? []
            : [{ organisationId, leadId: lead!.id, fromStatus: 'NEW' as const, toStatus: status, changedById: lead!.ownerId, source: 'CHANGED' as const }]),
        ]);
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
