// Previews of conversions (`dryRun: true` on convertLead and signQuote, src/graph/previews.ts): the
// preview is the real call rolled back, so it writes nothing (every table of the organisation keeps
// its fingerprint: rows, audit entries, events, idempotency keys, number counters, document bytes),
// and what it reports — rows per kind and action, the resulting stage and statuses, the blockers — is
// what the real call then does, checked here against the database after the real call.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { canonicalJson } from '../../src/graph/idempotency';
import { parseGlobalId } from '../../src/graph/ids';
import { changedTables, tableChecksums } from '../helpers/atomicity';
import { LEAD_CONTACTS_AND_ADDRESSES } from '../helpers/customer-record';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const { gql, mutate, createLead, createCustomer, upload } = flows(() => ({ server, token: org.adminToken, ref }));

const PREVIEW = 'wouldSucceed changes { kind action count } blockers { field code message }';
const CONVERT = `mutation($input: ConvertLeadInput!) { convertLead(input: $input) {
  customer { id stage status { id code } } lead { id status }
  userErrors { field code message }
  preview { ${PREVIEW} intoExistingCustomer customerStage customerStatus { id code } leadStatus } } }`;
const SIGN = `mutation($input: SignQuoteInput!) { signQuote(input: $input) {
  quote { id status } customer { id stage status { id code } } lead { id status } salesOrder { id number status lines { description } }
  userErrors { field code message }
  preview { ${PREVIEW} quoteStatus customerStage customerStatus { id code } leadStatus salesOrderStatus } } }`;

type Change = { kind: string; action: string; count: number };
const sorted = (changes: Change[]) => [...changes].sort((a, b) => `${a.kind}/${a.action}`.localeCompare(`${b.kind}/${b.action}`));

/** Every table of the organisation, fingerprinted (rows and row versions): "nothing was written" when equal. */
const fingerprint = () => tableChecksums(server.database.db, { organisationId: org.organisationId });

async function count(table: string, where = sql`true`): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from ${sql.identifier(table)} where organisation_id = ${org.organisationId} and ${where}`,
  );
  return row!.n;
}

/** Rows of the customer (database id) in the tables a conversion moves rows to, by kind. */
async function movedTo(customerId: string): Promise<Change[]> {
  const tables: Record<string, string> = {
    Note: 'notes',
    Task: 'tasks',
    Communication: 'communications',
    Expiry: 'expiries',
    Opportunity: 'opportunities',
    Quote: 'quotes',
  };
  const out: Change[] = [];
  for (const [kind, table] of Object.entries(tables)) {
    const n = await count(table, sql`customer_id = ${customerId}`);
    if (n > 0) out.push({ kind, action: 'MOVE', count: n });
  }
  return out;
}

const COPIED_TABLES: Record<string, string> = { Contact: 'contacts', Address: 'addresses', Document: 'documents' };

async function rowCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [...Object.values(COPIED_TABLES), 'customers', 'sales_orders', 'sales_order_lines']) out[table] = await count(table);
  return out;
}

async function sentQuote(recordId: string): Promise<string> {
  const created = await mutate(
    'createQuote',
    {
      recordId,
      lines: [
        { description: 'Boiler', quantity: '1', unitPriceMinor: 150_000, taxRatePercent: 20 },
        { description: 'Fitting', quantity: '3', unitPriceMinor: 20_000, taxRatePercent: 20 },
      ],
    },
    'quote { id }',
  );
  await mutate('sendQuote', { id: created.quote.id }, 'quote { id }', { inputType: 'QuoteTransitionInput' });
  return created.quote.id;
}

/** A lead with two contacts, two addresses, a note, a task, a communication, an expiry, an opportunity, a SENT quote and a document. */
async function fullLead(name: string) {
  const leadId = await createLead({ name, ...LEAD_CONTACTS_AND_ADDRESSES });
  await mutate('createNote', { ownerId: leadId, body: 'Met at the trade fair' }, 'note { id }');
  await mutate('createTask', { ownerId: leadId, type: 'PHONE_CALL', subject: 'Call back', dueAt: '2030-01-01T10:00:00Z' }, 'task { id }');
  await mutate('logCommunication', { ownerId: leadId, channel: 'PHONE_CALL' }, 'communication { id }');
  await mutate('createExpiry', { ownerId: leadId, supplier: 'Old Gas Co', description: 'Gas supply', endsOn: '2031-01-01' }, 'expiry { id }');
  await mutate('createOpportunity', { recordId: leadId, name: 'New boiler' }, 'opportunity { id }');
  const quoteId = await sentQuote(leadId);
  await upload(leadId, { bytes: Buffer.from(`%PDF-1.4 survey of ${name}\n`.repeat(40)), name: 'survey.pdf', type: 'application/pdf' });
  return { leadId, quoteId };
}

/** Runs the dry run, checks it wrote nothing, and returns its payload. */
async function dryRun(mutation: string, name: string, input: Record<string, unknown>) {
  const before = await fingerprint();
  const data = (await gql(mutation, { input: { ...input, dryRun: true } }))[name];
  expect(changedTables(before, await fingerprint())).toEqual([]);
  return data;
}

describe('convertLead with dryRun', () => {
  it('reports what the real conversion then does, and writes nothing', async () => {
    const { leadId } = await fullLead('Preview Engines Ltd');
    const input = { leadId, typeId: ref.types.Private };
    const preview = await dryRun(CONVERT, 'convertLead', input);
    expect(preview).toMatchObject({ customer: null, lead: null, userErrors: [] });
    expect(preview.preview).toMatchObject({ wouldSucceed: true, blockers: [], intoExistingCustomer: false, customerStage: 'PENDING', leadStatus: 'CONVERTED' });

    const countsBefore = await rowCounts();
    const real = (await gql(CONVERT, { input })).convertLead;
    expect(real.userErrors).toEqual([]);
    expect(real.preview).toBeNull();
    const countsAfter = await rowCounts();
    const customerId = parseGlobalId(real.customer.id)!.id;

    // What the database shows the real call did, kind by kind.
    const copied = Object.entries(COPIED_TABLES).map(([kind, table]) => ({ kind, action: 'COPY', count: countsAfter[table]! - countsBefore[table]! }));
    const done: Change[] = [
      { kind: 'Customer', action: 'CREATE', count: countsAfter.customers! - countsBefore.customers! },
      ...copied,
      ...(await movedTo(customerId)),
      { kind: 'Lead', action: 'UPDATE', count: real.lead.status === 'CONVERTED' ? 1 : 0 },
    ];
    expect(sorted(preview.preview.changes)).toEqual(sorted(done));
    // The fixture has one of everything: every kind is there, none at zero.
    expect(preview.preview.changes.map((c: Change) => c.kind).sort()).toEqual(
      ['Address', 'Communication', 'Contact', 'Customer', 'Document', 'Expiry', 'Lead', 'Note', 'Opportunity', 'Quote', 'Task'].sort(),
    );
    expect(preview.preview.customerStage).toBe(real.customer.stage);
    expect(preview.preview.customerStatus).toEqual(real.customer.status);
    expect(preview.preview.leadStatus).toBe(real.lead.status);
  });

  it('counts only what the options carry over (no notes, no documents), and an existing customer is updated, not created', async () => {
    const { leadId } = await fullLead('Preview Into Ltd');
    const into = await createCustomer('Existing Into Ltd');
    const input = { leadId, typeId: ref.types.Private, intoCustomerId: into, linkNotes: false, copyDocuments: false, contactIds: [] };
    const { preview } = await dryRun(CONVERT, 'convertLead', input);
    const countsBefore = await rowCounts();
    const real = (await gql(CONVERT, { input })).convertLead;
    expect(real.userErrors).toEqual([]);
    const countsAfter = await rowCounts();
    expect(countsAfter.customers).toBe(countsBefore.customers);
    expect(sorted(preview.changes)).toEqual(
      sorted([
        { kind: 'Customer', action: 'UPDATE', count: 1 },
        { kind: 'Address', action: 'COPY', count: countsAfter.addresses! - countsBefore.addresses! },
        ...(await movedTo(parseGlobalId(into)!.id)),
        { kind: 'Lead', action: 'UPDATE', count: 1 },
      ]),
    );
    expect(preview.changes.find((c: Change) => c.kind === 'Note')).toBeUndefined();
    expect(preview).toMatchObject({ intoExistingCustomer: true, customerStage: real.customer.stage, customerStatus: real.customer.status });
  });

  it('shows the blockers the real call answers, as userErrors and as the preview’s blockers, without writing', async () => {
    const { leadId } = await fullLead('Preview Blocked Ltd');
    await mutate('convertLead', { leadId, typeId: ref.types.Private }, 'lead { id }');
    const blocked = await dryRun(CONVERT, 'convertLead', { leadId, typeId: ref.types.Private });
    const real = (await gql(CONVERT, { input: { leadId, typeId: ref.types.Private } })).convertLead;
    expect(errorCodes(real.userErrors)).toEqual(['input.leadId:INVALID_STATE']);
    expect(blocked.userErrors).toEqual(real.userErrors);
    expect(blocked.preview).toEqual({
      wouldSucceed: false,
      changes: [],
      blockers: real.userErrors,
      intoExistingCustomer: null,
      customerStage: null,
      customerStatus: null,
      leadStatus: null,
    });
    // A blocker found inside the transaction (the version) as well as one found before it.
    const other = await fullLead('Preview Version Ltd');
    const stale = await dryRun(CONVERT, 'convertLead', { leadId: other.leadId, typeId: ref.types.Private, expectedVersion: 99 });
    expect(errorCodes(stale.preview.blockers)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    expect(stale.userErrors).toEqual(stale.preview.blockers);
  });

  it('neither stores nor consumes an idempotencyKey: the real call with the key afterwards converts', async () => {
    const { leadId } = await fullLead('Preview Keyed Ltd');
    const input = { leadId, typeId: ref.types.Private, idempotencyKey: 'preview-convert-1' };
    const first = await dryRun(CONVERT, 'convertLead', input);
    expect(first.preview.wouldSucceed).toBe(true);
    expect(await count('idempotency_keys', sql`key = 'preview-convert-1'`)).toBe(0);
    const real = (await gql(CONVERT, { input })).convertLead;
    expect(real.userErrors).toEqual([]);
    expect(real.lead.status).toBe('CONVERTED');
    // Now the key is used: a preview with it previews the replay (nothing changes), and one with
    // another input shows the refusal the real call would give.
    const replay = await dryRun(CONVERT, 'convertLead', input);
    expect(replay.preview).toMatchObject({ wouldSucceed: true, changes: [], blockers: [], customerStage: 'PENDING', leadStatus: 'CONVERTED' });
    const again = (await gql(CONVERT, { input })).convertLead;
    expect(again.customer.id).toBe(real.customer.id);
    const reused = await dryRun(CONVERT, 'convertLead', { ...input, linkNotes: false });
    expect(errorCodes(reused.preview.blockers)).toEqual(['input.idempotencyKey:IDEMPOTENCY_KEY_REUSED']);
  });

  it('a retry matches a key stored before inputs had dryRun (the hash leaves dryRun out)', async () => {
    const { leadId } = await fullLead('Preview Explicit Ltd');
    const input = { leadId, typeId: ref.types.Private, idempotencyKey: 'preview-convert-2' };
    const first = (await gql(CONVERT, { input })).convertLead;
    expect(first.userErrors).toEqual([]);
    // The hash a server without dryRun stored: of the input without its key (and with no dryRun).
    const oldHash = createHash('sha256')
      .update(canonicalJson({ leadId, typeId: ref.types.Private }))
      .digest('hex');
    await server.database.db.execute(sql`update idempotency_keys set request_hash = ${oldHash} where key = 'preview-convert-2'`);
    const retry = (await gql(CONVERT, { input: { ...input, dryRun: false } })).convertLead;
    expect(retry.userErrors).toEqual([]);
    expect(retry.customer.id).toBe(first.customer.id);
  });

  it('needs the permission the real call needs', async () => {
    const { leadId } = await fullLead('Preview Forbidden Ltd');
    const token = await org.tokenFor('READ_ONLY');
    const before = await fingerprint();
    const res = await server.graphql(CONVERT, { input: { leadId, typeId: ref.types.Private, dryRun: true } }, token);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(changedTables(before, await fingerprint())).toEqual([]);
  });
});

describe('signQuote with dryRun', () => {
  it('on a lead: reports the conversion, the signing and the sales order the real call then makes, using up no order number', async () => {
    const { quoteId } = await fullLead('Preview Signing Ltd');
    const ordersBefore = await count('sales_orders');
    const preview = await dryRun(SIGN, 'signQuote', { quoteId });
    expect(preview).toMatchObject({ quote: null, customer: null, lead: null, salesOrder: null, userErrors: [] });
    expect(preview.preview).toMatchObject({
      wouldSucceed: true,
      quoteStatus: 'SIGNED',
      customerStage: 'PENDING',
      leadStatus: 'CONVERTED',
      salesOrderStatus: 'OPEN',
    });

    const countsBefore = await rowCounts();
    const real = (await gql(SIGN, { input: { quoteId } })).signQuote;
    expect(real.userErrors).toEqual([]);
    const countsAfter = await rowCounts();
    // The dry run's order number was rolled back with its counter row: the real order takes it.
    expect(real.salesOrder.number).toBe(ordersBefore + 1);
    const customerId = parseGlobalId(real.customer.id)!.id;
    const copied = Object.entries(COPIED_TABLES).map(([kind, table]) => ({ kind, action: 'COPY', count: countsAfter[table]! - countsBefore[table]! }));
    const done: Change[] = [
      { kind: 'Customer', action: 'CREATE', count: countsAfter.customers! - countsBefore.customers! },
      ...copied,
      ...(await movedTo(customerId)),
      { kind: 'Lead', action: 'UPDATE', count: 1 },
      { kind: 'Quote', action: 'UPDATE', count: real.quote.status === 'SIGNED' ? 1 : 0 },
      { kind: 'SalesOrder', action: 'CREATE', count: countsAfter.sales_orders! - countsBefore.sales_orders! },
      { kind: 'SalesOrderLine', action: 'CREATE', count: countsAfter.sales_order_lines! - countsBefore.sales_order_lines! },
    ];
    expect(sorted(preview.preview.changes)).toEqual(sorted(done));
    expect(real.salesOrder.lines).toHaveLength(2);
    expect(preview.preview).toMatchObject({
      quoteStatus: real.quote.status,
      customerStage: real.customer.stage,
      customerStatus: real.customer.status,
      leadStatus: real.lead.status,
      salesOrderStatus: real.salesOrder.status,
    });

    // Signing a signed quote again changes nothing, and the preview says so.
    const again = await dryRun(SIGN, 'signQuote', { quoteId });
    expect(again.preview).toMatchObject({ wouldSucceed: true, changes: [], quoteStatus: 'SIGNED', salesOrderStatus: 'OPEN' });
  });

  it('on a customer: the signing and the order only; a dryRun with a key, then the real call with it, signs', async () => {
    const customerId = await createCustomer('Preview Signed Customer');
    const quoteId = await sentQuote(customerId);
    const input = { quoteId, idempotencyKey: 'preview-sign-1' };
    const { preview } = await dryRun(SIGN, 'signQuote', input);
    expect(sorted(preview.changes)).toEqual(
      sorted([
        { kind: 'Quote', action: 'UPDATE', count: 1 },
        { kind: 'SalesOrder', action: 'CREATE', count: 1 },
        { kind: 'SalesOrderLine', action: 'CREATE', count: 2 },
      ]),
    );
    expect(preview).toMatchObject({ leadStatus: null, customerStage: 'LIVE', quoteStatus: 'SIGNED' });
    const real = (await gql(SIGN, { input })).signQuote;
    expect(real.userErrors).toEqual([]);
    expect(real).toMatchObject({ quote: { status: 'SIGNED' }, lead: null, salesOrder: { status: 'OPEN' } });
    expect(preview.customerStatus).toEqual(real.customer.status);
  });

  it('shows the blockers without writing: a quote that is not SENT', async () => {
    const customerId = await createCustomer('Preview Draft Quote');
    const draft = await mutate('createQuote', { recordId: customerId, lines: [{ description: 'Survey', quantity: '1', unitPriceMinor: 100 }] }, 'quote { id }');
    const blocked = await dryRun(SIGN, 'signQuote', { quoteId: draft.quote.id });
    const real = (await gql(SIGN, { input: { quoteId: draft.quote.id } })).signQuote;
    expect(errorCodes(real.userErrors)).toEqual(['input.quoteId:INVALID_STATE']);
    expect(blocked.userErrors).toEqual(real.userErrors);
    expect(blocked.preview).toMatchObject({ wouldSucceed: false, changes: [], blockers: real.userErrors, quoteStatus: null, salesOrderStatus: null });
  });
});

describe('previews with documents in a folder', () => {
  let folderServer: TestServer;
  let folderOrg: TestOrganisation;
  let folderRef: Reference;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'previews-documents-'));
  const files = (): string[] =>
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => d.name);

  beforeAll(
    async () => ({ server: folderServer, org: folderOrg, ref: folderRef } = await startTestOrganisation({ DOCUMENT_STORAGE: 'folder', DOCUMENT_DIR: dir })),
  );
  afterAll(async () => {
    await folderServer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies no file for a preview; the real conversion does', async () => {
    const f = flows(() => ({ server: folderServer, token: folderOrg.adminToken, ref: folderRef }));
    const leadId = await f.createLead({ name: 'Folder Preview Ltd' });
    await f.upload(leadId, { bytes: Buffer.from('%PDF-1.4 folder\n'.repeat(20)), name: 'plan.pdf', type: 'application/pdf' });
    expect(files()).toHaveLength(1);
    const preview = (await f.gql(CONVERT, { input: { leadId, typeId: folderRef.types.Private, dryRun: true } })).convertLead;
    expect(preview.preview.changes).toContainEqual({ kind: 'Document', action: 'COPY', count: 1 });
    expect(files()).toHaveLength(1);
    const real = (await f.gql(CONVERT, { input: { leadId, typeId: folderRef.types.Private } })).convertLead;
    expect(real.userErrors).toEqual([]);
    expect(files()).toHaveLength(2);
  });
});
