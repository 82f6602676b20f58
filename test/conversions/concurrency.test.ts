// Concurrency of the conversions and customer workflows (issue 5): many calls at once over HTTP, each
// on its own database connection (on PostgreSQL the pool has one per call; PGlite has one connection
// and serialises them, which must give the same outcome).
//  - 50 signings of one lead's quote make one customer and one sales order.
//  - 20 merges and status changes over overlapping customers lose no child row and no update: every
//    row that pointed at one of them points at a live customer afterwards, and each live customer's
//    status is the one its last audited change set.
import { sql } from 'drizzle-orm';
import { composition } from '../../src/areas';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { fillCustomerRecord } from '../helpers/customer-record';
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';

const CALLS = 50;
let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation({}, { poolSize: CALLS }));
});
afterAll(() => server.close());

const { gql, createLead } = flows(() => ({ server, token: org.adminToken }));

async function count(table: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from ${sql.identifier(table)} where organisation_id = ${org.organisationId}`,
  );
  return row!.n;
}

const SIGN = `mutation($input: SignQuoteInput!) { signQuote(input: $input) { customer { id } salesOrder { id } lead { status } userErrors { field code message } } }`;

test(`${CALLS} concurrent signings of one lead quote give exactly one customer and one sales order`, async () => {
  const leadId = await createLead({ name: 'Stampede Ltd', contacts: [{ surname: 'Herd' }] });
  const quote = await gql(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } userErrors { code } } }`, {
    input: { recordId: leadId, lines: [{ description: 'Boiler', quantity: '1', unitPriceMinor: 100_000 }] },
  });
  const quoteId = quote.createQuote.quote.id;
  expect(
    (await gql(`mutation($input: QuoteTransitionInput!) { sendQuote(input: $input) { userErrors { code } } }`, { input: { id: quoteId } })).sendQuote
      .userErrors,
  ).toEqual([]);
  const customersBefore = await count('customers');
  const ordersBefore = await count('sales_orders');
  const contactsBefore = await count('contacts');

  const results = await Promise.all(Array.from({ length: CALLS }, () => server.graphql(SIGN, { input: { quoteId } }, org.adminToken)));
  for (const res of results) {
    expect(res.errors).toBeUndefined();
    expect(res.data!.signQuote.userErrors).toEqual([]);
  }
  expect(new Set(results.map((r) => r.data!.signQuote.customer.id)).size).toBe(1);
  expect(new Set(results.map((r) => r.data!.signQuote.salesOrder.id)).size).toBe(1);
  expect(await count('customers')).toBe(customersBefore + 1);
  expect(await count('sales_orders')).toBe(ordersBefore + 1);
  // The lead's one contact was copied once.
  expect(await count('contacts')).toBe(contactsBefore + 1);
  const audit = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from audit_entries where organisation_id = ${org.organisationId} and action = 'lead.convert'`,
  );
  expect(audit[0]!.n).toBe(1);
});

test('20 concurrent merges and status changes over overlapping customers lose no row and no update', async () => {
  const names = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot'];
  const ids: string[] = [];
  for (const name of names) {
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: `${name} Lettings`, contacts: [{ surname: name }] }) });
    ids.push(created.createCustomer.customer.id);
    await fillCustomerRecord(server, org, created.createCustomer.customer.id, name);
  }
  const dbIds = ids.map((id) => parseGlobalId(id)!.id);
  const referenceCount = async () => {
    const out: Record<string, number> = {};
    for (const child of composition.children) {
      if (!child.customer) continue;
      const [row] = await selectRows<{ n: number }>(
        server.database.db,
        sql`select count(*)::int as n from ${child.table} where ${child.customer} = any(${`{${dbIds.join(',')}}`}::uuid[])`,
      );
      out[child.recordType] = row!.n;
    }
    return out;
  };
  const before = await referenceCount();

  // Overlapping on purpose: every customer is in several merges (as survivor in one, merged in
  // another) and has status changes racing them.
  const merge = (s: number, m: number) =>
    server.graphql(
      `mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } userErrors { field code message } } }`,
      { input: { survivorId: ids[s], mergedIds: [ids[m]] } },
      org.adminToken,
    );
  const status = (c: number, code: string) =>
    server.graphql(
      `mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { customer { id } note { id } userErrors { field code message } } }`,
      { input: { id: ids[c], statusId: ref.statuses[code], note: { body: `status ${code}` } } },
      org.adminToken,
    );
  const calls = [
    merge(0, 1),
    merge(1, 2),
    merge(2, 3),
    merge(3, 0),
    merge(4, 5),
    merge(5, 4),
    merge(0, 4),
    merge(2, 5),
    status(0, 'A'),
    status(1, 'Z'),
    status(2, 'H'),
    status(3, 'A'),
    status(4, 'Z'),
    status(5, 'C'),
    status(0, 'Z'),
    status(1, 'A'),
    status(2, 'C'),
    status(3, 'Z'),
    status(4, 'A'),
    status(5, 'H'),
  ];
  expect(calls).toHaveLength(20);
  const results = await Promise.all(calls);

  // Every call either did its work or was refused with a user error naming why (the customer was
  // merged away meanwhile); none failed (no deadlock, no lost lock).
  let notesAdded = 0;
  const payloadOf = (res: (typeof results)[number]) =>
    Object.values(res.data!)[0] as { userErrors: Array<{ code: string }>; customer: unknown; note?: unknown };
  for (const res of results) {
    expect(res.errors).toBeUndefined();
    const payload = payloadOf(res);
    if (payload.userErrors.length > 0) expect(payload.userErrors.map((e) => e.code)).toEqual(['MERGED']);
    else expect(payload.customer).not.toBeNull();
    if (payload.note) notesAdded += 1;
  }
  expect(results.some((r) => payloadOf(r).userErrors.length === 0)).toBe(true);

  // No row lost: everything that pointed at the six customers points at the live ones among them
  // (the tombstones' survivors), plus the notes the status changes added.
  const live = await selectRows<{ id: string; status_id: string; version: number }>(
    server.database.db,
    sql`select id, status_id, version from customers where id = any(${`{${dbIds.join(',')}}`}::uuid[])`,
  );
  const tombstones = await selectRows<{ id: string; survivor_id: string }>(
    server.database.db,
    sql`select id, survivor_id from customer_tombstones where organisation_id = ${org.organisationId}`,
  );
  expect(live.length + tombstones.length).toBe(names.length);
  const liveIds = new Set(live.map((c) => c.id));
  for (const t of tombstones) expect(liveIds.has(t.survivor_id)).toBe(true);
  const after = await referenceCount();
  // Each status change that changed the status wrote its audit entry and its status-history entry.
  const [statusChanges] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from audit_entries where organisation_id = ${org.organisationId} and action = 'customer.changeStatus'`,
  );
  const added: Record<string, number> = { Note: notesAdded, MergedCustomer: tombstones.length, CustomerStatusChange: statusChanges!.n };
  for (const r of composition.children.filter((c) => c.customer)) {
    // Tombstones now point at the survivors, so the "MergedCustomer" count grows by the merges made.
    const expected = (before[r.recordType] ?? 0) + (added[r.recordType] ?? 0);
    expect({ kind: r.recordType, n: after[r.recordType] }).toEqual({ kind: r.recordType, n: expected });
  }

  // No lost update: each live customer's status is what its last audited change said, and its
  // version counts every audited change to it (create, status changes, merges).
  for (const c of live) {
    const entries = await selectRows<{ action: string; after: { statusId?: string } }>(
      server.database.db,
      sql`select action, after from audit_entries where organisation_id = ${org.organisationId} and entity_id = ${c.id} and entity_type = 'Customer' order by id`,
    );
    const statusChanges = entries.filter((e) => e.after?.statusId !== undefined);
    expect(c.status_id).toBe(statusChanges[statusChanges.length - 1]!.after.statusId);
    expect(c.version).toBe(entries.filter((e) => ['customer.create', 'customer.changeStatus', 'customer.merge'].includes(e.action)).length);
  }
});
