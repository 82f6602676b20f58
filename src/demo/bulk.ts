// Generates many realistic customers (with contacts and addresses) fast, for benchmarks: rows are
// built in memory and inserted a batch at a time, each batch in one transaction, each table's rows
// in one statement with one JSON parameter (see insertMany).
import { randomUUID } from 'node:crypto';
import { faker } from '@faker-js/faker';
import { and, asc, eq, sql } from 'drizzle-orm';
import { addresses } from '../addresses/tables';
import { contacts } from '../contacts/tables';
import { customers, customerStatuses, customerTypes } from '../customers/tables';
import type { Db } from '../db/client';
import { insertMany } from '../db/insert-many';
import { customerStatusChanges } from '../status-history/tables';
import { organisations, users } from '../tenancy/tables';

export type BulkOptions = {
  organisationId: string;
  count: number;
  batchSize?: number;
  /** Called after each batch with the number of customers written so far. */
  onProgress?: (done: number) => void;
  /** Fixed seed for repeatable data. */
  seed?: number;
  /** Exactly this many contacts for every customer (benchmarks); by default 1 to 3 at random. */
  contactsPerCustomer?: number;
  /** Exactly this many addresses for every customer (benchmarks); by default 1 or 2 at random. */
  addressesPerCustomer?: number;
};

function exactCount(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 100))
    throw new Error(`${name}: expected a whole number from 0 to 100, got ${value}`);
  return value;
}

function ukPhone(): string {
  return `+447${faker.string.numeric(9)}`;
}

export async function generateCustomers(db: Db, options: BulkOptions): Promise<void> {
  const { organisationId, count, batchSize = 1000 } = options;
  const contactsPerCustomer = exactCount('contactsPerCustomer', options.contactsPerCustomer);
  const addressesPerCustomer = exactCount('addressesPerCustomer', options.addressesPerCustomer);
  if (options.seed !== undefined) faker.seed(options.seed);
  const types = await db.select().from(customerTypes).where(eq(customerTypes.organisationId, organisationId));
  const statuses = await db.select().from(customerStatuses).where(eq(customerStatuses.organisationId, organisationId)).orderBy(asc(customerStatuses.position));
  const owners = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organisationId, organisationId)));
  if (types.length === 0 || statuses.length === 0) throw new Error('organisation has no customer types or statuses');
  const [organisation] = await db.select().from(organisations).where(eq(organisations.id, organisationId));
  const currency = organisation?.currency ?? 'GBP';
  const weightedStatuses = statuses.map((s) => ({ value: s.id, weight: s.code === 'A' ? 10 : s.code === 'P' ? 4 : 1 }));

  for (let done = 0; done < count;) {
    const n = Math.min(batchSize, count - done);
    const customerRows: (typeof customers.$inferInsert)[] = [];
    const contactRows: (typeof contacts.$inferInsert)[] = [];
    const addressRows: (typeof addresses.$inferInsert)[] = [];
    for (let i = 0; i < n; i++) {
      const type = faker.helpers.arrayElement(types);
      const isPrivate = type.allowsPrimaryContact;
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      const id = randomUUID();
      customerRows.push({
        id,
        organisationId,
        name: isPrivate ? `${first} ${last}` : faker.company.name(),
        typeId: type.id,
        statusId: faker.helpers.weightedArrayElement(weightedStatuses),
        stage: 'LIVE',
        ownerId: owners.length ? faker.helpers.arrayElement(owners).id : null,
        vatNumber: type.requiredFields.includes('VAT_NUMBER') || faker.datatype.boolean(0.3) ? `GB${faker.string.numeric(9)}` : null,
        creditLimitMinor: faker.datatype.boolean(0.5) ? faker.number.int({ min: 10, max: 500 }) * 10000 : null,
        currency,
        creditorDays: faker.helpers.arrayElement([7, 14, 30, 30, 60]),
        advertisingSource: faker.helpers.arrayElement(['Website', 'Referral', 'Google', 'Trade show', 'Van signage', null]),
        buildingType: faker.helpers.arrayElement(['Detached house', 'Semi-detached house', 'Flat', 'Office', 'Warehouse', null]),
      });
      const contactCount = contactsPerCustomer ?? faker.number.int({ min: 1, max: 3 });
      for (let c = 0; c < contactCount; c++) {
        const cf = c === 0 ? first : faker.person.firstName();
        const cl = c === 0 ? last : faker.person.lastName();
        contactRows.push({
          organisationId,
          customerId: id,
          title: faker.helpers.arrayElement(['Mr', 'Mrs', 'Ms', 'Dr', null]),
          firstName: cf,
          surname: cl,
          position: isPrivate ? null : faker.person.jobTitle(),
          emails: [{ address: faker.internet.email({ firstName: cf, lastName: cl }).toLowerCase(), label: 'Work' }],
          phones: [{ type: faker.helpers.arrayElement(['MOBILE', 'OFFICE'] as const), number: ukPhone() }],
          isPrimary: isPrivate && c === 0,
        });
      }
      const addressCount = addressesPerCustomer ?? faker.number.int({ min: 1, max: 2 });
      for (let a = 0; a < addressCount; a++) {
        addressRows.push({
          organisationId,
          customerId: id,
          type: a === 0 ? 'BILLING' : 'SHIPPING',
          // At most one default per customer and type (addresses_one_default_per_customer_type).
          isDefault: a < 2,
          line1: faker.location.streetAddress(),
          town: faker.location.city(),
          county: faker.location.county(),
          postcode: faker.location.zipCode('??# #??').toUpperCase(),
          country: 'GB',
        });
      }
    }
    await db.transaction(async (tx) => {
      await insertMany(tx, customers, customerRows);
      await insertMany(tx, contacts, contactRows);
      await insertMany(tx, addresses, addressRows);
      // Each customer's first status, as createCustomer records it (by no user: the server's own work).
      await insertMany(
        tx,
        customerStatusChanges,
        customerRows.map((c) => ({
          organisationId,
          customerId: c.id!,
          recordedForId: c.id!,
          fromStatusId: null,
          toStatusId: c.statusId,
          source: 'CREATED' as const,
        })),
      );
    });
    done += n;
    options.onProgress?.(done);
    // Back to the event loop between batches: PGlite runs queries synchronously in this thread, so a
    // seed run inside the server (npm run seed while it runs) would otherwise starve its requests
    // and signals until the last batch.
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Fresh planner statistics: without them PostgreSQL guesses the tables are tiny and reads the
  // customer list's contacts and addresses by sequential scan until autovacuum catches up.
  await db.execute(sql`analyze ${customers}, ${contacts}, ${addresses}`);
}
