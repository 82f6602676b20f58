// A customer export that imports back (issue 14, item 7): a rich record in one organisation (a row of
// every area: contacts, addresses, branches, work addresses, assets, the pipeline, activity, documents,
// invoices with lines, credit notes, payments with allocations) is exported, imported into a new
// organisation with POST /imports/customer-archive, and exported again: the two exports hold the same
// data once ids, creation times and organisation-specific ids (users) are set aside. Importing it
// again, a dry run, and damaged archives keep the database as it was.
import archiver from 'archiver';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { getTableName, sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { isUuid, parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { ARCHIVE_FILES } from '../../src/import-export/customer-archive';
import { tableChecksums, type Checksums } from '../helpers/atomicity';
import { fillCustomerRecord } from '../helpers/customer-record';
import { baseUrlOf, flows, postMultipart, type UploadAnswer } from '../helpers/flows';
import { readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';
import { unzip } from '../helpers/zip';

let server: TestServer;
let alpha: TestOrganisation;
let beta: TestOrganisation;
let gamma: TestOrganisation;
let archive: Buffer;

async function exportOf(org: TestOrganisation): Promise<Buffer> {
  const res = await fetch(`${baseUrlOf(server)}/exports/customers.zip`, { headers: { authorization: `Bearer ${org.adminToken}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

function importArchive(org: TestOrganisation, bytes: Buffer, mode = 'ALL_OR_NOTHING', token = org.adminToken): Promise<UploadAnswer> {
  return postMultipart(server, '/imports/customer-archive', { mode }, { bytes, name: 'customers.zip', type: 'application/zip' }, { token });
}

/** A ZIP of these files (for damaged archives). */
function zipOf(files: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = archiver('zip');
    const chunks: Buffer[] = [];
    zip.on('data', (c: Buffer) => chunks.push(c));
    zip.on('end', () => resolve(Buffer.concat(chunks)));
    zip.on('error', reject);
    for (const [name, text] of Object.entries(files)) zip.append(text, { name });
    void zip.finalize();
  });
}

/** `files` with one cell of a CSV file changed (row 1 = the first data row whose `where` holds). */
function withCell(files: Record<string, string>, file: string, where: (row: Record<string, string>) => boolean, column: string, value: string): number {
  const rows = parse(files[file]!, { columns: true }) as Array<Record<string, string>>;
  const at = rows.findIndex(where);
  expect([file, at >= 0]).toEqual([file, true]);
  rows[at]![column] = value;
  files[file] = stringify(rows, { header: true, columns: Object.keys(rows[0]!) });
  return at + 1;
}

/** The tables the archive fills, row for row; the import job's own row, audit entry and events aside. */
const RECORD_TABLES = [
  'customers',
  'contacts',
  'addresses',
  'branches',
  'work_addresses',
  'assets',
  'opportunities',
  'quotes',
  'quote_lines',
  'sales_orders',
  'sales_order_lines',
  'jobs',
  'estimates',
  'notes',
  'tasks',
  'communications',
  'expiries',
  'asset_opportunity_links',
  'expiry_opportunities',
  'invoices',
  'invoice_lines',
  'invoice_jobs',
  'credit_notes',
  'credit_note_lines',
  'payments',
  'allocations',
  'customer_types',
  'customer_statuses',
  'business_units',
  'payment_methods',
  'asset_groups',
  'asset_makes',
  'asset_models',
  'fuel_types',
  'asset_locations',
  'customer_status_changes',
  'number_sequences',
  'leads',
  'lead_status_changes',
  'slas',
  'customer_slas',
  'contracts',
  'service_plans',
  'customer_service_plans',
  'customer_service_plan_work_addresses',
  'service_reminder_types',
  'service_reminders',
  'service_reminder_decisions',
  'service_cases',
  'service_case_notes',
  'invoice_addresses',
];

async function stateOf(org: TestOrganisation): Promise<Checksums> {
  const all = await tableChecksums(server.database.db, { organisationId: org.organisationId });
  return Object.fromEntries(RECORD_TABLES.map((t) => [t, all[t] ?? { rows: 0, md5: '' }]));
}

const rowsOf = (state: Checksums) => Object.fromEntries(Object.entries(state).map(([t, c]) => [t, c.rows]));

/** The record's files, one per area of it: each has rows in the export of the rich record. */
const AREA_FILES = [
  'customers.csv',
  'contacts.csv',
  'addresses.csv',
  'branches.csv',
  'work_addresses.csv',
  'assets.csv',
  'opportunities.csv',
  'quotes.csv',
  'quote_lines.csv',
  'sales_orders.csv',
  'sales_order_lines.csv',
  'jobs.csv',
  'estimates.csv',
  'notes.csv',
  'tasks.csv',
  'communications.csv',
  'expiries.csv',
  'asset_opportunity_links.csv',
  'expiry_opportunities.csv',
  'documents.csv',
  'invoices.csv',
  'invoice_lines.csv',
  'credit_notes.csv',
  'credit_note_lines.csv',
  'payments.csv',
  'allocations.csv',
  'leads.csv',
  'lead_status_changes.csv',
  'customer_status_changes.csv',
  'customer_slas.csv',
  'invoice_addresses.csv',
  'contracts.csv',
  'customer_service_plans.csv',
  'customer_service_plan_work_addresses.csv',
  'service_reminders.csv',
  'service_reminder_decisions.csv',
  'service_cases.csv',
  'service_case_notes.csv',
];

/** How many record rows the import creates: every area file's rows but the documents' (not restored), and the invoices' jobs. */
function recordRows(files: Record<string, string>): number {
  return [...AREA_FILES.filter((f) => f !== 'documents.csv'), 'invoice_jobs.csv']
    .map((f) => (parse(files[f]!, { columns: true, skip_empty_lines: true }) as unknown[]).length)
    .reduce((a, b) => a + b, 0);
}

/** Files compared: all but those that are not the record's data or are this organisation's own. */
const NOT_COMPARED = new Set([
  'manifest.json', // the export's time
  'users.csv', // each organisation's own users
  'documents.csv', // metadata only: the import does not restore documents (their bytes are not in the archive)
]);
/** Columns set aside: when the row was created or last changed. */
const TIMES = new Set(['createdAt', 'updatedAt']);

/**
 * The export's data with ids set aside: each row's id becomes a label made of the row's content (its
 * file and its other columns, references blanked), and each reference the label of the row it names,
 * so remapped references compare equal and a wrong one does not. Users become "user".
 */
function normalised(files: Record<string, string>): Record<string, string[]> {
  const tables: Record<string, Array<Record<string, string>>> = {};
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith('.csv') || NOT_COMPARED.has(name)) continue;
    tables[name] = parse(text, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  }
  const idOf = (value: string): string | null => (isUuid(value) ? value : (parseGlobalId(value)?.id ?? null));
  const labels = new Map<string, string>();
  for (const [name, rows] of Object.entries(tables)) {
    for (const row of rows) {
      const content = Object.entries(row)
        .filter(([column]) => column !== 'id' && !TIMES.has(column))
        .map(([column, value]) => `${column}=${idOf(value) ? '#' : value}`)
        .join('|');
      if (row.id) labels.set(idOf(row.id)!, `${name}{${content}}`);
    }
  }
  const out: Record<string, string[]> = {};
  for (const [name, rows] of Object.entries(tables)) {
    out[name] = rows
      .map((row) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row)
              .filter(([column]) => !TIMES.has(column))
              .map(([column, value]) => {
                const id = idOf(value);
                if (!id) return [column, value];
                if (parseGlobalId(value)?.type === 'User') return [column, 'user'];
                return [column, labels.get(id) ?? `unknown ${value}`];
              }),
          ),
        ),
      )
      .sort();
  }
  return out;
}

async function uuidOf(query: ReturnType<typeof sql>): Promise<string> {
  const [row] = await selectRows<{ id: string }>(server.database.db, query);
  return row!.id;
}

/** A rich record in `org`: every area, at least one row of each, references between them. */
async function buildRichRecord(org: TestOrganisation): Promise<void> {
  const { createCustomer, mutate, gql } = flows(() => ({ server, token: org.adminToken }));
  const ref = await readReference(server, org.adminToken);
  const landlord = await createCustomer('Harbour Landlords', { ref });
  const rich = await createCustomer('Rich Lettings', { ref, overrides: { contacts: [{ surname: 'Rich', firstName: 'Ruth' }] } });
  await createCustomer('Rich Lettings North', { ref, overrides: { parentCustomerId: rich } });
  const richId = await fillCustomerRecord(server, org, rich, 'Rich', { invoice: true });
  await mutate(
    'createWorkAddress',
    { customerId: rich, landlordId: landlord, line1: '5 Quay Side', postcode: 'BS1 5QS', reference: 'PROP-5', landlordIsInvoiceAddress: true },
    'workAddress { id }',
  );

  // Renewals: the asset linked to the opportunity, an opportunity raised from the expiry.
  const asset = toGlobalId('Asset', await uuidOf(sql`select id from assets where customer_id = ${richId} limit 1`));
  const opportunity = toGlobalId('Opportunity', await uuidOf(sql`select id from opportunities where customer_id = ${richId} limit 1`));
  const expiry = toGlobalId('Expiry', await uuidOf(sql`select id from expiries where customer_id = ${richId} limit 1`));
  await mutate('linkAssetToOpportunity', { assetId: asset, opportunityId: opportunity, kind: 'RENEWAL' }, '__typename');
  await mutate('raiseOpportunityFromExpiry', { expiryId: expiry, name: 'Gas renewal' }, 'opportunity { id }');

  // Money: an issued invoice part paid (an allocation), a credit note against it, a payment on account.
  const created = await mutate(
    'createInvoice',
    { customerId: rich, lines: [{ description: 'Boiler service', quantity: '2', unitPriceMinor: 4_500 }] },
    'invoice { id }',
  );
  const invoice = created.invoice.id as string;
  await mutate('issueInvoice', { id: invoice, issueDate: '2026-10-01' }, 'invoice { id }');
  const cash = (await gql(`{ paymentMethods { id name } }`)).paymentMethods.find((m: { name: string }) => m.name === 'Cash').id;
  await mutate(
    'recordPayment',
    {
      customerId: rich,
      methodId: cash,
      amount: { amountMinor: 5_000 },
      receivedOn: '2026-10-15',
      reference: 'CASH 1',
      allocations: [{ invoiceId: invoice, amountMinor: 3_000 }],
    },
    'payment { id }',
  );
  await mutate(
    'createCreditNote',
    { invoiceId: invoice, reason: 'Goodwill', issueDate: '2026-10-20', lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 1_000 }] },
    'creditNote { id }',
  );

  // Service: an SLA the customer holds and a contract grants, a job raised under it; a plan held for
  // the property; a reminder there for the boiler, decided (the decision raises a job); a case with a note.
  const workAddress = toGlobalId('WorkAddress', await uuidOf(sql`select id from work_addresses where customer_id = ${richId} and line1 = '2 Rich Road'`));
  const targets = ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((priority) => ({ priority, responseHours: 4, resolutionHours: 24 }));
  const sla = (await mutate('createSla', { name: 'Gold cover', targets }, 'sla { id }')).sla.id as string;
  await mutate('setCustomerSla', { customerId: rich, slaId: sla }, 'customer { id }');
  await mutate('createJob', { customerId: rich, workAddressId: workAddress, description: 'Urgent leak', priority: 'URGENT' }, 'job { id }');
  await mutate(
    'createContract',
    {
      customerId: rich,
      reference: 'CON-7',
      termMonths: 12,
      startDate: '2026-01-01',
      price: { amountMinor: 2_500 },
      billingFrequency: 'MONTHLY',
      pricingTerms: 'Monthly in advance',
      slaId: sla,
    },
    'contract { id }',
  );
  const plan = await mutate(
    'createServicePlan',
    {
      name: 'Boiler care',
      tasks: ['Service boiler'],
      materials: [{ description: 'Filter', quantity: 1 }],
      price: { amountMinor: 1_000 },
      billingFrequency: 'MONTHLY',
    },
    'servicePlan { id }',
  );
  await mutate(
    'assignServicePlan',
    { customerId: rich, planId: plan.servicePlan.id, startDate: '2026-01-01', expiryDate: '2026-12-31', workAddressIds: [workAddress] },
    'customerServicePlan { id }',
  );
  const reminderType = await mutate('createServiceReminderType', { name: 'Gas safety check', defaultIntervalMonths: 12 }, 'serviceReminderType { id }');
  const reminder = await mutate(
    'createServiceReminder',
    { workAddressId: workAddress, assetId: asset, typeId: reminderType.serviceReminderType.id, dueDate: '2099-01-01', notes: 'Key with neighbour' },
    'serviceReminder { id }',
  );
  await mutate(
    'decideServiceReminders',
    { items: [{ reminderId: reminder.serviceReminder.id, decision: 'AUTHORISE', accessMethod: 'OCCUPIER' }] },
    'results { decided }',
  );
  const opened = await mutate(
    'openServiceCase',
    { customerId: rich, workAddressId: workAddress, assetId: asset, subject: 'Boiler noisy', priority: 'HIGH' },
    'serviceCase { id }',
  );
  await mutate('addServiceCaseNote', { id: opened.serviceCase.id, body: 'Engineer booked' }, 'note { body }');

  // An invoice addressed to an invoice address of the customer (an insurer).
  const insurer = await mutate(
    'createInvoiceAddress',
    { customerId: rich, name: 'Acme Insurance', line1: '1 Claims Way', postcode: 'BS2 0AA', reference: 'CLAIM-9' },
    'invoiceAddress { id }',
  );
  await mutate(
    'createInvoice',
    { customerId: rich, invoiceAddressId: insurer.invoiceAddress.id, lines: [{ description: 'Claim repair', quantity: '1', unitPriceMinor: 7_000 }] },
    'invoice { id }',
  );

  // Status history: the customer made active (a change after its first status).
  await mutate('changeCustomerStatus', { id: rich, statusId: ref.statuses.A, statusNote: 'Credit checked' }, 'customer { id }');

  // A customer that came from a lead: the lead, converted, stays linked to it.
  const lead = await flows(() => ({ server, token: org.adminToken })).createLead({ name: 'Converted Homes', leadSource: 'Referral' });
  await mutate('convertLead', { leadId: lead, typeId: Object.values(ref.types)[0] }, 'customer { id }');
}

beforeAll(async () => {
  server = await startTestServer();
  alpha = await createTestOrganisation(server, 'Alpha Lettings');
  beta = await createTestOrganisation(server, 'Beta Lettings');
  gamma = await createTestOrganisation(server, 'Gamma Lettings');
  await buildRichRecord(alpha);
  archive = await exportOf(alpha);
});
afterAll(() => server.close());

describe('export → import into another organisation → export', () => {
  it('gives the same data, every area of the record in it', async () => {
    const files = await unzip(archive);
    // Every area has rows in the export (documents as metadata).
    for (const file of AREA_FILES) {
      expect([file, (parse(files[file]!, { columns: true }) as unknown[]).length > 0]).toEqual([file, true]);
    }
    expect(JSON.parse(files['manifest.json']!)).toMatchObject({ format: 'customer-archive', version: 1 });

    const answer = await importArchive(beta, archive);
    expect(answer.status).toBe(200);
    expect(answer.body.importJob).toMatchObject({ status: 'SUCCEEDED', mode: 'ALL_OR_NOTHING', errorCount: 0, errors: [] });
    expect(answer.body.importJob).toMatchObject({ rowsRead: recordRows(files), rowsValid: recordRows(files), rowsImported: recordRows(files) });

    const again = await unzip(await exportOf(beta));
    const before = normalised(files);
    const after = normalised(again);
    expect(after).toEqual(before);
    // Self-contained: every reference in the export names a row of the export (users aside).
    expect(JSON.stringify(before)).not.toContain('unknown ');
    // References followed: the property's landlord and customer, the allocation's invoice and payment.
    const property = after['work_addresses.csv']!.map((r) => JSON.parse(r) as Record<string, string>).find((w) => w.reference === 'PROP-5')!;
    expect(property.landlordCustomerId).toMatch(/^customers\.csv\{name=Harbour Landlords\|/);
    expect(property.customerId).toMatch(/^customers\.csv\{name=Rich Lettings\|/);
    const [allocation] = after['allocations.csv']!.map((r) => JSON.parse(r) as Record<string, string>).filter((a) => a.paymentId);
    expect(allocation).toMatchObject({
      amountMinor: '3000',
      invoiceId: expect.stringContaining('invoices.csv{'),
      paymentId: expect.stringContaining('reference=CASH 1'),
    });
    // The service, history, lead and invoice-address links followed to the rows they name.
    const rowsIn = (file: string) => after[file]!.map((r) => JSON.parse(r) as Record<string, string>);
    expect(rowsIn('jobs.csv').find((j) => j.description === 'Urgent leak')).toMatchObject({
      priority: 'URGENT',
      slaId: expect.stringMatching(/^slas\.csv\{name=Gold cover\|/),
      respondBy: expect.any(String),
    });
    expect(rowsIn('contracts.csv')).toEqual([
      expect.objectContaining({ reference: 'CON-7', priceMinor: '2500', slaId: expect.stringMatching(/^slas\.csv\{name=Gold cover\|/) }),
    ]);
    expect(rowsIn('customer_slas.csv')).toEqual([
      expect.objectContaining({ customerId: expect.stringMatching(/^customers\.csv\{name=Rich Lettings\|/), slaId: expect.stringContaining('Gold cover') }),
    ]);
    expect(rowsIn('customer_service_plan_work_addresses.csv')).toEqual([
      {
        customerServicePlanId: expect.stringMatching(/^customer_service_plans\.csv\{/),
        workAddressId: expect.stringMatching(/^work_addresses\.csv\{.*line1=2 Rich Road\|/),
      },
    ]);
    expect(rowsIn('service_reminder_decisions.csv')).toEqual([
      expect.objectContaining({
        decision: 'AUTHORISE',
        reminderId: expect.stringContaining('notes=Key with neighbour'),
        jobId: expect.stringMatching(/^jobs\.csv\{/),
      }),
    ]);
    expect(rowsIn('service_case_notes.csv')).toEqual([
      expect.objectContaining({ body: 'Engineer booked', caseId: expect.stringContaining('subject=Boiler noisy') }),
    ]);
    expect(rowsIn('invoices.csv').filter((i) => i.invoiceAddressId)).toEqual([
      expect.objectContaining({ invoiceAddressId: expect.stringMatching(/^invoice_addresses\.csv\{.*name=Acme Insurance\|/) }),
    ]);
    expect(rowsIn('leads.csv')).toEqual([
      expect.objectContaining({
        name: 'Converted Homes',
        status: 'CONVERTED',
        convertedCustomerId: expect.stringMatching(/^customers\.csv\{name=Converted Homes\|/),
      }),
    ]);
    expect(
      rowsIn('customer_status_changes.csv')
        .filter((c) => String(c.customerId).startsWith('customers.csv{name=Rich Lettings|'))
        .map((c) => [c.source, c.note]),
    ).toEqual(expect.arrayContaining([['CHANGED', 'Credit checked']]));
    // Imported customers keep their own history: no IMPORTED entry is added to it.
    expect(rowsIn('customer_status_changes.csv').map((c) => c.source)).not.toContain('IMPORTED');
    // The same rows in the tables, documents aside (not restored).
    const a = rowsOf(await stateOf(alpha));
    const b = rowsOf(await stateOf(beta));
    expect(b).toEqual(a);
    // The archive's money as the API shows it: the invoice's numbers and what is still owed.
    const { gql } = flows(() => ({ server, token: beta.adminToken }));
    const invoices = await gql(`{ invoices(first: 10) { nodes { number status total { amountMinor } } } }`).catch(() => null);
    if (invoices) expect(invoices.invoices.nodes.length).toBeGreaterThan(0);
  });

  it('restores no documents: the archive has their metadata, not their bytes', async () => {
    const [row] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from documents where organisation_id = ${beta.organisationId}`,
    );
    expect(row!.n).toBe(0);
  });

  it("imports one customer's export alone: its parent customer and its landlord, not in the archive, become none", async () => {
    const delta = await createTestOrganisation(server, 'Delta Lettings');
    const [rich] = await selectRows<{ id: string }>(
      server.database.db,
      sql`select id from customers where organisation_id = ${alpha.organisationId} and name = 'Rich Lettings North'`,
    );
    const res = await fetch(`${baseUrlOf(server)}/exports/customers/${toGlobalId('Customer', rich!.id)}.zip`, {
      headers: { authorization: `Bearer ${alpha.adminToken}` },
    });
    const one = Buffer.from(await res.arrayBuffer());
    expect(parse((await unzip(one))['customers.csv']!, { columns: true })).toEqual([
      expect.objectContaining({ name: 'Rich Lettings North', parentCustomerId: expect.any(String) }),
    ]);
    const answer = await importArchive(delta, one);
    expect(answer.body.importJob).toMatchObject({ status: 'SUCCEEDED', errorCount: 0 });
    const back = await unzip(await exportOf(delta));
    expect(parse(back['customers.csv']!, { columns: true })).toEqual([expect.objectContaining({ name: 'Rich Lettings North', parentCustomerId: '' })]);

    // The main customer's own export: its property's landlord (another customer) is not in it.
    const [main] = await selectRows<{ id: string }>(
      server.database.db,
      sql`select id from customers where organisation_id = ${alpha.organisationId} and name = 'Rich Lettings'`,
    );
    const epsilon = await createTestOrganisation(server, 'Epsilon Lettings');
    const mainExport = await fetch(`${baseUrlOf(server)}/exports/customers/${toGlobalId('Customer', main!.id)}.zip`, {
      headers: { authorization: `Bearer ${alpha.adminToken}` },
    });
    const imported = await importArchive(epsilon, Buffer.from(await mainExport.arrayBuffer()));
    expect(imported.body.importJob).toMatchObject({ status: 'SUCCEEDED', errorCount: 0 });
    const properties = parse((await unzip(await exportOf(epsilon)))['work_addresses.csv']!, { columns: true }) as Array<Record<string, string>>;
    expect(properties.find((w) => w.reference === 'PROP-5')).toMatchObject({ landlordCustomerId: '', landlordIsInvoiceAddress: 'false' });
  });

  it('numbers new documents after the imported ones', async () => {
    const [row] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select max(number)::int as n from invoices where organisation_id = ${alpha.organisationId}`,
    );
    const [seq] = await selectRows<{ last: number }>(
      server.database.db,
      sql`select last_number as last from number_sequences where organisation_id = ${beta.organisationId} and kind = 'INVOICE'`,
    );
    expect(seq!.last).toBe(row!.n);
  });
});

/**
 * Tables with rows under a customer that the archive deliberately does not carry, and why
 * (docs/domain.md#import-and-export). Every other such table must be one of the archive's files.
 */
const NOT_CARRIED: Record<string, string> = {
  access_grants: 'grants name users who may not be in the other organisation',
  portal_tokens: 'secrets: a copy must not open the portal',
  stored_cards: "payment-provider tokens, the organisation's own",
  audit_deleted_rows: 'the audit trail is not replayed: the import is audited itself',
  record_reads: "the log of who read the record names the other organisation's users and tokens",
  events: 'notifications already delivered',
  import_jobs: "the organisation's own jobs",
};

describe('what the archive covers', () => {
  it('carries every table with rows under a customer, but those it deliberately leaves out', async () => {
    const tables = await selectRows<{ name: string }>(
      server.database.db,
      sql`select distinct table_name as name from information_schema.columns where table_schema = 'public' and column_name = 'customer_id' order by 1`,
    );
    const archived = new Set(ARCHIVE_FILES.map((f) => getTableName(f.table)));
    const names = tables.map((t) => t.name);
    expect(names.filter((t) => !archived.has(t) && !(t in NOT_CARRIED))).toEqual([]);
    // And the list names only such tables (a renamed table is noticed).
    expect(Object.keys(NOT_CARRIED).filter((t) => !names.includes(t))).toEqual([]);
  });
});

describe('who sees what in the archive', () => {
  it('leaves out a lead the customer came from when the viewer sees the customer but not the lead', async () => {
    const [converted] = await selectRows<{ id: string }>(
      server.database.db,
      sql`select id from customers where organisation_id = ${alpha.organisationId} and name = 'Converted Homes'`,
    );
    const customerId = toGlobalId('Customer', converted!.id);
    const { mutation } = flows(() => ({ server, token: alpha.adminToken }));
    await mutation(`mutation($input: GrantRecordAccessInput!) { grantRecordAccess(input: $input) { userErrors { code field message } } }`, {
      recordId: customerId,
      granteeId: await alpha.userIdFor('SALES'),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'Export check',
    });
    const exportAs = async (token: string) => {
      const res = await fetch(`${baseUrlOf(server)}/exports/customers/${customerId}.zip`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return unzip(Buffer.from(await res.arrayBuffer()));
    };
    const asAdmin = await exportAs(alpha.adminToken);
    expect(parse(asAdmin['leads.csv']!, { columns: true })).toEqual([expect.objectContaining({ name: 'Converted Homes' })]);
    const asSales = await exportAs(await alpha.tokenFor('SALES'));
    expect(parse(asSales['customers.csv']!, { columns: true })).toEqual([expect.objectContaining({ name: 'Converted Homes' })]);
    expect(parse(asSales['leads.csv']!, { columns: true })).toEqual([]);
    expect(parse(asSales['lead_status_changes.csv']!, { columns: true })).toEqual([]);
  });
});

describe('importing again, rehearsing, and damaged archives', () => {
  it('refuses the same archive a second time (its numbers are taken), naming the row, and keeps nothing', async () => {
    const before = await stateOf(beta);
    const answer = await importArchive(beta, archive);
    const job = answer.body.importJob!;
    expect(job).toMatchObject({ status: 'REFUSED', rowsImported: 0 });
    expect(job.errors).toContainEqual(
      expect.objectContaining({
        file: 'invoices.csv',
        row: 1,
        field: 'number',
        message: expect.stringContaining('invoices.csv, row 1, column "number": 1 is already the number'),
      }),
    );
    expect(await stateOf(beta)).toEqual(before);
  });

  it('DRY_RUN checks everything and keeps nothing', async () => {
    const before = await stateOf(gamma);
    const answer = await importArchive(gamma, archive, 'DRY_RUN');
    expect(answer.body.importJob).toMatchObject({ status: 'SUCCEEDED', mode: 'DRY_RUN', rowsImported: 0, errorCount: 0 });
    expect(answer.body.importJob!.rowsValid).toBe(recordRows(await unzip(archive)));
    expect(await stateOf(gamma)).toEqual(before);
  });

  it('refuses an archive with a file missing, naming it, before any job', async () => {
    const files = await unzip(archive);
    delete files['notes.csv'];
    const before = await stateOf(gamma);
    const answer = await importArchive(gamma, await zipOf(files));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^notes\.csv: is missing from the archive/) })]);
    expect(await stateOf(gamma)).toEqual(before);
  });

  it('refuses bad rows naming file, row and column, and keeps nothing', async () => {
    const files = await unzip(archive);
    const lines = files['invoice_lines.csv']!.split('\n');
    const header = lines[0]!.split(',');
    const cells = lines[1]!.split(',');
    cells[header.indexOf('unitPriceMinor')] = 'ten pounds';
    lines[1] = cells.join(',');
    files['invoice_lines.csv'] = lines.join('\n');
    // A contact whose customer is not in the archive.
    const contactLines = files['contacts.csv']!.split('\n');
    const contactHeader = contactLines[0]!.split(',');
    const contact = contactLines[1]!.split(',');
    contact[contactHeader.indexOf('customerId')] = toGlobalId('Customer', '00000000-0000-4000-8000-000000000000');
    contactLines[1] = contact.join(',');
    files['contacts.csv'] = contactLines.join('\n');

    const before = await stateOf(gamma);
    const answer = await importArchive(gamma, await zipOf(files));
    expect(answer.status).toBe(200);
    const job = answer.body.importJob!;
    expect(job).toMatchObject({ status: 'REFUSED', rowsImported: 0, errorCount: 2 });
    expect(job.errors).toEqual([
      expect.objectContaining({ file: 'contacts.csv', row: 1, field: 'customerId', message: expect.stringContaining('which is not in customers.csv') }),
      expect.objectContaining({
        file: 'invoice_lines.csv',
        row: 1,
        field: 'unitPriceMinor',
        message: 'invoice_lines.csv, row 1, column "unitPriceMinor": "ten pounds" is not a whole number',
      }),
    ]);
    expect(await stateOf(gamma)).toEqual(before);
  });

  it('refuses bad rows of the service, history, lead and invoice-address files the same way, and keeps nothing', async () => {
    const files = await unzip(archive);
    const nowhere = (type: 'Sla' | 'Lead' | 'ServiceReminder' | 'InvoiceAddress') => toGlobalId(type, '00000000-0000-4000-8000-000000000000');
    const statusRow = withCell(files, 'customer_status_changes.csv', (r) => r.source === 'CHANGED', 'source', 'GUESSED');
    const leadRow = withCell(files, 'lead_status_changes.csv', () => true, 'leadId', nowhere('Lead'));
    const contractRow = withCell(files, 'contracts.csv', () => true, 'termMonths', 'a year');
    const planRow = withCell(files, 'customer_service_plans.csv', () => true, 'expiryDate', '31/12/2026');
    const decisionRow = withCell(files, 'service_reminder_decisions.csv', () => true, 'reminderId', nowhere('ServiceReminder'));
    const caseRow = withCell(files, 'service_cases.csv', () => true, 'priority', 'SOMETIME');
    const jobRow = withCell(files, 'jobs.csv', (r) => r.description === 'Urgent leak', 'slaId', nowhere('Sla'));
    const invoiceRow = withCell(files, 'invoices.csv', (r) => r.invoiceAddressId !== '', 'invoiceAddressId', nowhere('InvoiceAddress'));

    const before = await stateOf(gamma);
    const job = (await importArchive(gamma, await zipOf(files))).body.importJob!;
    expect(job).toMatchObject({ status: 'REFUSED', rowsImported: 0, errorCount: 8 });
    expect(job.errors).toEqual([
      expect.objectContaining({
        file: 'lead_status_changes.csv',
        row: leadRow,
        field: 'leadId',
        message: expect.stringContaining('which is not in leads.csv'),
      }),
      expect.objectContaining({
        file: 'customer_status_changes.csv',
        row: statusRow,
        field: 'source',
        message: expect.stringMatching(/^customer_status_changes\.csv, row \d+, column "source": "GUESSED" is not one of CREATED, IMPORTED/),
      }),
      expect.objectContaining({
        file: 'contracts.csv',
        row: contractRow,
        field: 'termMonths',
        message: 'contracts.csv, row 1, column "termMonths": "a year" is not a whole number',
      }),
      expect.objectContaining({
        file: 'customer_service_plans.csv',
        row: planRow,
        field: 'expiryDate',
        message: expect.stringContaining('is not a date (YYYY-MM-DD)'),
      }),
      expect.objectContaining({ file: 'jobs.csv', row: jobRow, field: 'slaId', message: expect.stringContaining('which is not in slas.csv') }),
      expect.objectContaining({
        file: 'service_reminder_decisions.csv',
        row: decisionRow,
        field: 'reminderId',
        message: expect.stringContaining('which is not in service_reminders.csv'),
      }),
      expect.objectContaining({ file: 'service_cases.csv', row: caseRow, field: 'priority', message: expect.stringContaining('"SOMETIME" is not one of LOW') }),
      expect.objectContaining({
        file: 'invoices.csv',
        row: invoiceRow,
        field: 'invoiceAddressId',
        message: expect.stringContaining('which is not in invoice_addresses.csv'),
      }),
    ]);
    expect(await stateOf(gamma)).toEqual(before);
  });

  it("refuses money that does not add up (the ledger's figures are derived again), and keeps nothing", async () => {
    const files = await unzip(archive);
    const rows = parse(files['invoices.csv']!, { columns: true }) as Array<Record<string, string>>;
    const issued = rows.findIndex((r) => r.status !== 'DRAFT' && Number(r.paidMinor) > 0);
    const lines = files['invoices.csv']!.split('\n');
    const header = lines[0]!.split(',');
    const cells = lines[issued + 1]!.split(',');
    cells[header.indexOf('paidMinor')] = String(Number(cells[header.indexOf('paidMinor')]) + 1);
    lines[issued + 1] = cells.join(',');
    files['invoices.csv'] = lines.join('\n');

    const before = await stateOf(gamma);
    const job = (await importArchive(gamma, await zipOf(files))).body.importJob!;
    expect(job).toMatchObject({ status: 'REFUSED', rowsImported: 0 });
    expect(job.errors).toEqual([
      expect.objectContaining({
        file: 'invoices.csv',
        row: issued + 1,
        field: 'paidMinor',
        message: expect.stringContaining('in the archive, but its lines and allocations make it'),
      }),
    ]);
    expect(await stateOf(gamma)).toEqual(before);
  });

  it('is for admins only', async () => {
    const answer = await importArchive(gamma, archive, 'DRY_RUN', await gamma.tokenFor('MANAGER'));
    expect(answer.status).toBe(403);
  });
});
