// Previews of merges (`dryRun: true` on mergeCustomers, src/graph/previews.ts): the merge runs and is
// rolled back, so nothing is written (every table of the organisation keeps its fingerprint: rows,
// tombstones, audit entries, events, idempotency keys); what it reports — rows moved per kind, the
// merged customers deleted and their tombstones created, primary contacts and default addresses given
// up, the survivor's stage and status, the blockers — is what the real merge then does, checked here
// against the database after it.
import { sql } from 'drizzle-orm';
import { composition } from '../../src/areas';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { changedTables, tableChecksums } from '../helpers/atomicity';
import { fillCustomerRecord } from '../helpers/customer-record';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { gql, mutate, createCustomer, createLead } = flows(() => ({ server, token: org.adminToken, ref }));

const MERGE = `mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  customer { id stage status { id code } } mergedCustomerIds moved { recordType count }
  userErrors { field code message }
  preview { wouldSucceed changes { kind action count } blockers { field code message } survivorStage survivorStatus { id code } } } }`;

type Change = { kind: string; action: string; count: number };
const sorted = (changes: Change[]) => [...changes].sort((a, b) => `${a.kind}/${a.action}`.localeCompare(`${b.kind}/${b.action}`));

const fingerprint = () => tableChecksums(server.database.db, { organisationId: org.organisationId });

async function dryRun(input: Record<string, unknown>, token = org.adminToken) {
  const before = await fingerprint();
  const data = (await gql(MERGE, { input: { ...input, dryRun: true } }, token)).mergeCustomers;
  expect(changedTables(before, await fingerprint())).toEqual([]);
  return data;
}

/** Rows per kind that point at the customer (database id), through every column the merge moves. */
async function referencesTo(id: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const child of composition.children) {
    if (!child.customer) continue;
    const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from ${child.table} where ${child.customer} = ${id}`);
    if (row!.n > 0) out[child.recordType] = row!.n;
  }
  return out;
}

async function count(table: string, where = sql`true`): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from ${sql.identifier(table)} where organisation_id = ${org.organisationId} and ${where}`,
  );
  return row!.n;
}

describe('mergeCustomers with dryRun', () => {
  it('reports what the real merge then does, and writes nothing', async () => {
    // A PENDING survivor (from a lead) and a LIVE customer: the survivor becomes LIVE. Both Private,
    // each with a primary contact and a default billing address: one of each is given up.
    const leadId = await createLead({ name: 'Preview Survivor', contacts: [{ surname: 'Survivor' }] });
    const converted = await mutate('convertLead', { leadId, typeId: ref.types.Private }, 'customer { id stage }');
    const survivorId: string = converted.customer.id;
    expect(converted.customer.stage).toBe('PENDING');
    await mutate(
      'createAddress',
      { ownerId: survivorId, address: { type: 'BILLING', isDefault: true, line1: '1 Survivor St', postcode: 'BS1 1AA' } },
      'address { id }',
    );
    const otherId = await createCustomer('Preview Other', {
      overrides: { typeId: ref.types.Private, statusId: ref.statuses.A, contacts: [{ surname: 'Other', isPrimary: true }] },
    });
    const survivorDb = parseGlobalId(survivorId)!.id;
    const otherDb = await fillCustomerRecord(server, org, otherId, 'Other', { invoice: true });

    const input = { survivorId, mergedIds: [otherId], values: [{ field: 'STATUS', fromCustomerId: otherId }] };
    const preview = await dryRun(input);
    expect(preview).toMatchObject({ customer: null, mergedCustomerIds: null, moved: null, userErrors: [] });
    expect(preview.preview).toMatchObject({ wouldSucceed: true, blockers: [], survivorStage: 'LIVE', survivorStatus: { code: 'A' } });

    const before = { survivor: await referencesTo(survivorDb), other: await referencesTo(otherDb) };
    const customersBefore = await count('customers');
    const tombstonesBefore = await count('customer_tombstones');
    const real = (await gql(MERGE, { input })).mergeCustomers;
    expect(real.userErrors).toEqual([]);
    expect(real.preview).toBeNull();

    // What the database shows the real merge did.
    const after = await referencesTo(survivorDb);
    expect(await referencesTo(otherDb)).toEqual({});
    const tombstonesMade = (await count('customer_tombstones')) - tombstonesBefore;
    // The survivor's status changed: one status-history entry made (src/status-history).
    const historyMade = await count('customer_status_changes', sql`customer_id = ${survivorDb} and source = 'MERGED'`);
    expect(historyMade).toBe(1);
    // The new tombstones and history entry point at the survivor too: made, not moved.
    const made: Record<string, number> = { MergedCustomer: tombstonesMade, CustomerStatusChange: historyMade };
    const moved = Object.keys(after)
      .map((kind) => ({ kind, action: 'MOVE', count: after[kind]! - (before.survivor[kind] ?? 0) - (made[kind] ?? 0) }))
      .filter((c) => c.count > 0);
    const undefaulted = await count('addresses', sql`customer_id = ${survivorDb} and type = 'BILLING' and not is_default`);
    const primaries = await count('contacts', sql`customer_id = ${survivorDb} and is_primary`);
    expect(primaries).toBe(1);
    const done: Change[] = [
      ...moved,
      { kind: 'Contact', action: 'UPDATE', count: 2 - primaries },
      { kind: 'Address', action: 'UPDATE', count: undefaulted },
      { kind: 'Customer', action: 'DELETE', count: customersBefore - (await count('customers')) },
      { kind: 'MergedCustomer', action: 'CREATE', count: tombstonesMade },
      { kind: 'CustomerStatusChange', action: 'CREATE', count: historyMade },
      { kind: 'Customer', action: 'UPDATE', count: 1 },
    ];
    expect(sorted(preview.preview.changes)).toEqual(sorted(done));
    // The moves are those the payload's `moved` reports, kind by kind.
    expect(sorted(preview.preview.changes.filter((c: Change) => c.action === 'MOVE'))).toEqual(
      sorted(real.moved.map((m: { recordType: string; count: number }) => ({ kind: m.recordType, action: 'MOVE', count: m.count }))),
    );
    expect(preview.preview.changes).toContainEqual({ kind: 'Invoice', action: 'MOVE', count: 1 });
    expect(undefaulted).toBe(1);
    expect(preview.preview.survivorStage).toBe(real.customer.stage);
    expect(preview.preview.survivorStatus).toEqual(real.customer.status);
  });

  it('shows the blockers the real merge answers, as userErrors and as the preview’s blockers, without writing', async () => {
    const survivorId = await createCustomer('Preview Blocked Survivor');
    const otherId = await createCustomer('Preview Blocked Other');
    // Found before the transaction (the survivor named as merged) and inside it (the version).
    for (const input of [
      { survivorId, mergedIds: [survivorId] },
      { survivorId, mergedIds: [otherId], expectedVersion: 99 },
    ]) {
      const blocked = await dryRun(input);
      const real = (await gql(MERGE, { input })).mergeCustomers;
      expect(real.userErrors).not.toEqual([]);
      expect(blocked.userErrors).toEqual(real.userErrors);
      expect(blocked.preview).toEqual({ wouldSucceed: false, changes: [], blockers: real.userErrors, survivorStage: null, survivorStatus: null });
    }
    // A merged customer: MERGED, naming the survivor, in the preview as in the real call.
    await mutate('mergeCustomers', { survivorId, mergedIds: [otherId] }, 'customer { id }');
    const third = await createCustomer('Preview Blocked Third');
    const blocked = await dryRun({ survivorId: third, mergedIds: [otherId] });
    expect(errorCodes(blocked.preview.blockers)).toEqual(['input.mergedIds.0:MERGED']);
    expect(blocked.userErrors).toEqual(blocked.preview.blockers);
  });

  it('neither stores nor consumes an idempotencyKey: the real merge with the key afterwards merges', async () => {
    const survivorId = await createCustomer('Preview Keyed Survivor');
    const otherId = await createCustomer('Preview Keyed Other');
    const input = { survivorId, mergedIds: [otherId], idempotencyKey: 'preview-merge-1' };
    const preview = await dryRun(input);
    expect(preview.preview.wouldSucceed).toBe(true);
    expect(await count('idempotency_keys', sql`key = 'preview-merge-1'`)).toBe(0);
    const real = (await gql(MERGE, { input })).mergeCustomers;
    expect(real.userErrors).toEqual([]);
    expect(real.mergedCustomerIds).toEqual([otherId]);
    expect(await count('customer_tombstones', sql`id = ${parseGlobalId(otherId)!.id}`)).toBe(1);
    // The key used: a preview with it previews the replay, which changes nothing.
    const replay = await dryRun(input);
    expect(replay.preview).toMatchObject({ wouldSucceed: true, changes: [], blockers: [] });
  });

  it('needs the permission the real merge needs (admins and managers)', async () => {
    const survivorId = await createCustomer('Preview Forbidden Survivor');
    const otherId = await createCustomer('Preview Forbidden Other');
    const token = await org.tokenFor('SALES');
    const before = await fingerprint();
    const res = await server.graphql(MERGE, { input: { survivorId, mergedIds: [otherId], dryRun: true } }, token);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(changedTables(before, await fingerprint())).toEqual([]);
  });
});
