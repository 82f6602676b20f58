// Merging customers as users see it over GraphQL (docs/domain.md#merging-customers): every child row
// moves to the survivor, by count and content; the merged customers' ids resolve to the survivor
// through `customer` and `node`; chosen values survive; refusals change nothing; and no table that
// references customers is left out of the merge.
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { composition } from '../../src/areas';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { fillCustomerRecord } from '../helpers/customer-record';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { gql, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const MERGE = `mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  customer { id name version stage vatNumber customFields status { code } primaryContact { surname }
    mergedCustomers { id name mergedBy { email } snapshot } }
  mergedCustomerIds moved { recordType count } userErrors { field code message } } }`;

/** Rows per table that point at the customer (database id), through every column the merge knows. */
async function referencesTo(id: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const child of composition.children) {
    if (!child.customer) continue;
    const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from ${child.table} where ${child.customer} = ${id}`);
    if (row!.n > 0) out[child.recordType] = row!.n;
  }
  return out;
}

/** Every row of an organisation, per table: for "nothing changed" checks. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const tables = await selectRows<{ table_name: string }>(
    server.database.db,
    sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'organisation_id' and table_name not in ('audit_entries', 'record_reads')`,
  );
  for (const { table_name } of tables) {
    const [row] = await selectRows<{ d: string }>(
      server.database.db,
      sql`select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as d from ${sql.identifier(table_name)} t where organisation_id = ${org.organisationId}`,
    );
    out[table_name] = row!.d;
  }
  return out;
}

describe('mergeCustomers', () => {
  // The record children (each area's `children`) are what merge, deletion, anonymisation and the
  // audit trail go through: every foreign key to customers or leads must be declared there, and
  // every declared column must be one, so a new child table cannot be missed by any of them.
  test('every foreign key to customers and leads is a declared record child, and nothing else is', async () => {
    const foreignKeys = await selectRows<{ table_name: string; column_name: string; target: string }>(
      server.database.db,
      sql`select kcu.table_name, kcu.column_name, ccu.table_name as target
          from information_schema.referential_constraints rc
          join information_schema.key_column_usage kcu on kcu.constraint_name = rc.constraint_name and kcu.constraint_schema = rc.constraint_schema
          join information_schema.constraint_column_usage ccu on ccu.constraint_name = rc.unique_constraint_name and ccu.constraint_schema = rc.unique_constraint_schema
          where ccu.table_name in ('customers', 'leads') and ccu.column_name = 'id' and kcu.table_schema = 'public'
          order by 1, 2`,
    );
    const declared = composition.children.flatMap((child) => {
      const table = getTableConfig(child.table).name;
      return [...(child.customer ? [`${table}.${child.customer.name} -> customers`] : []), ...(child.lead ? [`${table}.${child.lead.name} -> leads`] : [])];
    });
    expect(foreignKeys.map((k) => `${k.table_name}.${k.column_name} -> ${k.target}`).sort()).toEqual([...declared].sort());
    // One name per kind of record, as the payloads count them.
    const names = composition.children.map((c) => c.recordType);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  test('every child row moves to the survivor, the merged ids resolve to it, chosen values survive', async () => {
    const survivorId = await createCustomer('Harbour View Lettings', {
      overrides: { typeId: ref.types.Private, contacts: [{ surname: 'Survivor', isPrimary: true }], vatNumber: 'GB111' },
    });
    const otherId = await createCustomer('Harbour View Lettings Ltd', { overrides: { contacts: [{ surname: 'Other' }], vatNumber: 'GB222' } });
    const thirdId = await createCustomer('HVL', { overrides: { customFields: {} } });
    const survivorDb = await fillCustomerRecord(server, org, survivorId, 'Survivor', { invoice: true });
    const otherDb = await fillCustomerRecord(server, org, otherId, 'Other', { invoice: true });
    const thirdDb = await fillCustomerRecord(server, org, thirdId, 'Third');
    // A department of the merged customer and a lead converted into it point at it from elsewhere.
    const departmentId = await createCustomer('HVL Lettings desk', { overrides: { parentCustomerId: otherId } });
    const lead = await gql(`mutation { createLead(input: { name: "HVL lead" }) { lead { id } } }`, {});
    const converted = await gql(`mutation($input: ConvertLeadInput!) { convertLead(input: $input) { userErrors { code } } }`, {
      input: { leadId: lead.createLead.lead.id, typeId: ref.types.Company, intoCustomerId: thirdId },
    });
    expect(converted.convertLead.userErrors).toEqual([]);

    const before = { survivor: await referencesTo(survivorDb), other: await referencesTo(otherDb), third: await referencesTo(thirdDb) };
    expect(before.other.Invoice).toBe(1);
    expect(before.other['Customer (department)']).toBe(1);
    expect(before.third['Lead (converted into)']).toBe(1);
    const contactsBefore = await selectRows<{ id: string; surname: string; is_primary: boolean }>(
      server.database.db,
      sql`select id, surname, is_primary from contacts where customer_id in (${survivorDb}, ${otherDb}, ${thirdDb}) order by surname`,
    );

    const data = await gql(MERGE, {
      input: {
        survivorId,
        mergedIds: [otherId, thirdId],
        values: [{ field: 'VAT_NUMBER', fromCustomerId: otherId }],
        idempotencyKey: 'merge-hvl',
      },
    });
    const result = data.mergeCustomers;
    expect(result.userErrors).toEqual([]);
    expect(result.customer).toMatchObject({ id: survivorId, name: 'Harbour View Lettings', vatNumber: 'GB222', primaryContact: { surname: 'Survivor' } });
    expect(result.mergedCustomerIds).toEqual([otherId, thirdId]);
    expect(result.customer.mergedCustomers.map((m: any) => m.id).sort()).toEqual([otherId, thirdId].sort());
    expect(result.customer.mergedCustomers.find((m: any) => m.id === otherId)).toMatchObject({
      name: 'Harbour View Lettings Ltd',
      mergedBy: { email: expect.any(String) },
    });
    expect(result.customer.mergedCustomers.find((m: any) => m.id === otherId).snapshot.vatNumber).toBe('GB222');

    // Counts: the survivor has what all three had; nothing points at the merged ones.
    const after = await referencesTo(survivorDb);
    for (const kind of new Set([...Object.keys(before.survivor), ...Object.keys(before.other), ...Object.keys(before.third)])) {
      expect({ kind, n: after[kind] }).toEqual({ kind, n: (before.survivor[kind] ?? 0) + (before.other[kind] ?? 0) + (before.third[kind] ?? 0) });
    }
    expect(await referencesTo(otherDb)).toEqual({});
    expect(await referencesTo(thirdDb)).toEqual({});
    const moved = Object.fromEntries(result.moved.map((m: any) => [m.recordType, m.count]));
    expect(moved).toMatchObject({ Contact: 2 + 1, Invoice: 1, Document: 2, Note: 2, SalesOrder: 2, 'Customer (department)': 1, 'Lead (converted into)': 1 });

    // Content: the same contacts, now the survivor's; only the survivor's primary is primary.
    const contactsAfter = await selectRows<{ id: string; surname: string; is_primary: boolean }>(
      server.database.db,
      sql`select id, surname, is_primary from contacts where customer_id = ${survivorDb} order by surname`,
    );
    expect(contactsAfter.map((c) => [c.id, c.surname])).toEqual(contactsBefore.map((c) => [c.id, c.surname]));
    expect(contactsAfter.filter((c) => c.is_primary).map((c) => c.surname)).toEqual(['Survivor']);
    const department = await gql(`query($id: ID!) { customer(id: $id) { parentCustomer { id } } }`, { id: departmentId });
    expect(department.customer.parentCustomer.id).toBe(survivorId);

    // The merged ids resolve to the survivor, through `customer`, `node` and `nodes`.
    const resolved = await gql(
      `query($a: ID!, $b: ID!) { customer(id: $a) { id name } node(id: $b) { id ... on Customer { name } } nodes(ids: [$a, $b]) { id } }`,
      { a: otherId, b: thirdId },
    );
    expect(resolved).toEqual({
      customer: { id: survivorId, name: 'Harbour View Lettings' },
      node: { id: survivorId, name: 'Harbour View Lettings' },
      nodes: [{ id: survivorId }, { id: survivorId }],
    });
    // They are gone from the list.
    const list = await gql(`{ customers(first: 100) { nodes { id } } }`, {});
    expect(list.customers.nodes.map((n: any) => n.id)).not.toContain(otherId);

    // Audited: the merge on the survivor, and the merged customers' own history joins its trail.
    const trail = await gql(`query($id: ID!) { customer(id: $id) { auditTrail(first: 100) { nodes { action entityType entityId after } } } }`, {
      id: survivorId,
    });
    const actions = trail.customer.auditTrail.nodes.map((n: any) => n.action);
    expect(actions).toContain('customer.merge');
    expect(actions.filter((a: string) => a === 'customer.mergedInto')).toHaveLength(2);
    expect(actions.filter((a: string) => a === 'customer.create').length).toBeGreaterThanOrEqual(3);
    const mergeEntry = trail.customer.auditTrail.nodes.find((n: any) => n.action === 'customer.merge');
    expect(mergeEntry.after.mergedCustomerIds).toEqual([otherDb, thirdDb]);
    expect(mergeEntry.after.moved.Invoice).toHaveLength(1);

    // A retry with the key returns the first result; the merged customers can't be merged again.
    const retry = await gql(MERGE, {
      input: { survivorId, mergedIds: [otherId, thirdId], values: [{ field: 'VAT_NUMBER', fromCustomerId: otherId }], idempotencyKey: 'merge-hvl' },
    });
    expect(retry.mergeCustomers.userErrors).toEqual([]);
    expect(retry.mergeCustomers.mergedCustomerIds).toEqual([otherId, thirdId]);
    expect(retry.mergeCustomers.moved).toEqual(result.moved);
    const again = await gql(MERGE, { input: { survivorId, mergedIds: [otherId] } });
    expect(errorCodes(again.mergeCustomers.userErrors)).toEqual(['input.mergedIds.0:MERGED']);
    expect(again.mergeCustomers.userErrors[0].message).toContain('"Harbour View Lettings"');
  });

  test('a survivor merged later takes its tombstones along: old ids still resolve in one hop', async () => {
    const a = await createCustomer('Chain A');
    const b = await createCustomer('Chain B');
    const c = await createCustomer('Chain C');
    expect((await gql(MERGE, { input: { survivorId: b, mergedIds: [a] } })).mergeCustomers.userErrors).toEqual([]);
    expect((await gql(MERGE, { input: { survivorId: c, mergedIds: [b] } })).mergeCustomers.userErrors).toEqual([]);
    const resolved = await gql(`query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: customer(id: $b) { id mergedCustomers { name } } }`, { a, b });
    expect(resolved.a.id).toBe(c);
    expect(resolved.b.id).toBe(c);
    expect(resolved.b.mergedCustomers.map((m: any) => m.name).sort()).toEqual(['Chain A', 'Chain B']);
    // Mutations given an old id say where the customer went, and change nothing.
    const contact = await gql(
      `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { field code message mergedIntoId } } }`,
      {
        input: { ownerId: a, contact: { surname: 'Late' } },
      },
    );
    expect(contact.createContact.userErrors).toEqual([
      { field: ['input', 'ownerId'], code: 'MERGED', message: `ownerId: this customer was merged into "Chain C" (${c}); use that ID.`, mergedIntoId: c },
    ]);
    const status = await gql(
      `mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { userErrors { field code mergedIntoId } } }`,
      {
        input: { id: b, statusId: ref.statuses.A },
      },
    );
    expect(errorCodes(status.changeCustomerStatus.userErrors)).toEqual(['input.id:MERGED']);
    expect(status.changeCustomerStatus.userErrors[0].mergedIntoId).toBe(c);
    // Other errors point nowhere.
    const missing = await gql(`mutation($input: CreateContactInput!) { createContact(input: $input) { userErrors { code mergedIntoId } } }`, {
      input: { ownerId: 'Q3VzdG9tZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw', contact: { surname: 'Nobody' } },
    });
    expect(missing.createContact.userErrors[0].mergedIntoId).toBeNull();
  });

  test('a chosen primary contact and status survive; the stage is LIVE if any merged one is', async () => {
    const survivorId = await createCustomer('Primary S', { overrides: { typeId: ref.types.Private, contacts: [{ surname: 'Keep-not', isPrimary: true }] } });
    const otherId = await createCustomer('Primary O', {
      overrides: { typeId: ref.types.Private, contacts: [{ surname: 'Chosen', isPrimary: true }], statusId: ref.statuses.A },
    });
    await server.database.db.execute(sql`update customers set stage = 'PENDING' where id = ${parseGlobalId(survivorId)!.id}`);
    const data = await gql(MERGE, {
      input: {
        survivorId,
        mergedIds: [otherId],
        values: [
          { field: 'PRIMARY_CONTACT', fromCustomerId: otherId },
          { field: 'STATUS', fromCustomerId: otherId },
        ],
      },
    });
    expect(data.mergeCustomers.userErrors).toEqual([]);
    expect(data.mergeCustomers.customer).toMatchObject({ primaryContact: { surname: 'Chosen' }, status: { code: 'A' }, stage: 'LIVE' });
  });

  test('refusals name the field and change nothing', async () => {
    const survivorId = await createCustomer('Refuse S');
    const otherId = await createCustomer('Refuse O');
    await fillCustomerRecord(server, org, otherId, 'Refuse');
    const euroId = await createCustomer('Refuse EUR', { overrides: { creditLimit: { amountMinor: 100, currency: 'EUR' } } });
    const before = await snapshot();
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ survivorId, mergedIds: [] }, ['input.mergedIds:REQUIRED']],
      [{ survivorId, mergedIds: [survivorId] }, ['input.mergedIds.0:INVALID']],
      [{ survivorId, mergedIds: [otherId, otherId] }, ['input.mergedIds.1:DUPLICATE']],
      [{ survivorId, mergedIds: [otherId], values: [{ field: 'NAME', fromCustomerId: euroId }] }, ['input.values.0.fromCustomerId:INVALID']],
      [{ survivorId, mergedIds: [otherId], expectedVersion: 99 }, ['input.expectedVersion:VERSION_CONFLICT']],
      [{ survivorId, mergedIds: [otherId, euroId] }, ['input.mergedIds.1:INVALID']],
      [{ survivorId, mergedIds: [otherId, 'Q3VzdG9tZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw'] }, ['input.mergedIds.1:NOT_FOUND']],
    ];
    for (const [input, codes] of cases) {
      const data = await gql(MERGE, { input });
      expect({ input, codes: errorCodes(data.mergeCustomers.userErrors) }).toEqual({ input, codes });
      expect(data.mergeCustomers.customer).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
  });

  test('a merge that would make the survivor a department of its own department is refused', async () => {
    // Survivor → Desk → Head office; merging Head office into Survivor would hang Desk under Survivor.
    const head = await createCustomer('Cycle Head Office');
    const desk = await createCustomer('Cycle Desk', { overrides: { parentCustomerId: head } });
    const survivorId = await createCustomer('Cycle Survivor', { overrides: { parentCustomerId: desk } });
    const before = await snapshot();
    const data = await gql(MERGE, { input: { survivorId, mergedIds: [head] } });
    expect(errorCodes(data.mergeCustomers.userErrors)).toEqual(['input.values:INVALID']);
    expect(await snapshot()).toEqual(before);
  });

  test('only admins and managers merge; a manager who cannot see a customer gets "not found"', async () => {
    const survivorId = await createCustomer('Role S');
    const otherId = await createCustomer('Role O');
    const sales = await server.graphql(MERGE, { input: { survivorId, mergedIds: [otherId] } }, await org.tokenFor('SALES'));
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const manager = await gql(MERGE, { input: { survivorId, mergedIds: [otherId] } }, await org.tokenFor('MANAGER'));
    expect(manager.mergeCustomers.userErrors).toEqual([]);
  });
});
