// Export of customer data as a ZIP (GET /exports/customers.zip, GET /exports/customers/:id.zip):
// the files unzip, their rows match the database, and only what the viewer may see is in them; the
// money too: invoices, credit notes, payments, and each customer's ledger with its running balance
// as Customer.ledger gives it.
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { ledgerEntries } from '../../src/finance/ledger';
import { parseGlobalId } from '../../src/graph/ids';
import { ARCHIVE_FILES } from '../../src/import-export/customer-archive';
import { flows, postMultipart } from '../helpers/flows';
import { readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';
import { unzip } from '../helpers/zip';

const ARCHIVE_FILE_NAMES = ARCHIVE_FILES.map((f) => f.file);

let server: TestServer;
let acme: TestOrganisation;
let other: TestOrganisation;
let baseUrl: string;
let firstCustomer: string;
let secondCustomer: string;
let otherCustomer: string;

async function download(path: string, token: string): Promise<{ status: number; type: string | null; files: Record<string, string> | null; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const type = res.headers.get('content-type');
  if (res.status !== 200) return { status: res.status, type, files: null, body: await res.json() };
  return { status: res.status, type, files: await unzip(Buffer.from(await res.arrayBuffer())), body: null };
}

function csvRows(text: string): Array<Record<string, string>> {
  return parse(text, { columns: true, skip_empty_lines: true });
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, query);
  return row!.n;
}

const { createCustomer, gql, mutate } = flows(() => ({ server, token: acme.adminToken }));

async function createCustomerWithChildren(org: TestOrganisation, name: string, contacts: number): Promise<string> {
  const ref = await readReference(server, org.adminToken);
  return createCustomer(name, {
    token: org.adminToken,
    ref,
    overrides: { contacts: Array.from({ length: contacts }, (_, i) => ({ surname: `${name} contact ${i}` })) },
  });
}

async function importWorkAddresses(org: TestOrganisation, customerId: string, lines: string[]): Promise<void> {
  const res = await postMultipart(
    server,
    '/imports/work-addresses',
    { customerId, mapping: JSON.stringify({ Line: 'line1' }), mode: 'ALL_OR_NOTHING' },
    { bytes: ['Line', ...lines].join('\n'), name: 'wa.csv' },
    { token: org.adminToken },
  );
  expect(res.body.importJob!.status).toBe('SUCCEEDED');
}

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = server.url.replace(/\/graphql$/, '');
  acme = await createTestOrganisation(server, 'Acme Services');
  other = await createTestOrganisation(server, 'Other Services');
  firstCustomer = await createCustomerWithChildren(acme, 'First Ltd', 2);
  secondCustomer = await createCustomerWithChildren(acme, 'Second Ltd', 1);
  await createCustomerWithChildren(acme, 'Third "Quoted", Ltd', 3);
  await importWorkAddresses(acme, firstCustomer, ['1 Work Road', '2 Work Road', '"3 Work Road, Unit 4"']);
  // A lead's contacts and addresses are not customer data.
  await server.graphql(
    `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }`,
    { input: { name: 'A Lead', contacts: [{ surname: 'Leadperson' }], addresses: [{ type: 'BILLING', line1: '1 Lead St', town: 'Leeds', country: 'GB' }] } },
    acme.adminToken,
  );
  otherCustomer = await createCustomerWithChildren(other, 'Elsewhere Ltd', 2);
  await importWorkAddresses(other, otherCustomer, ['9 Far Road']);
  await money();
});

/**
 * First Ltd: two invoices issued (one paid, one paid and the payment reversed), a credit note on
 * account, a draft; Second Ltd: a payment in euros on account; Elsewhere Ltd (the other organisation):
 * an invoice.
 */
async function money(): Promise<void> {
  const invoice = async (customerId: string, unitPriceMinor: number, issueDate: string | null, token = acme.adminToken) => {
    const created = await mutate('createInvoice', { customerId, lines: [{ description: 'Service', quantity: '1', unitPriceMinor }] }, 'invoice { id }', {
      token,
    });
    if (issueDate) await mutate('issueInvoice', { id: created.invoice.id, issueDate }, 'invoice { id }', { token });
    return created.invoice.id as string;
  };
  const cash = (await gql(`{ paymentMethods { id name } }`)).paymentMethods.find((m: { name: string }) => m.name === 'Cash').id;
  const paid = await invoice(firstCustomer, 10_000, '2026-10-01');
  const bounced = await invoice(firstCustomer, 5_000, '2026-11-01');
  await invoice(firstCustomer, 7_000, null);
  await mutate(
    'recordPayment',
    {
      customerId: firstCustomer,
      methodId: cash,
      amount: { amountMinor: 10_000 },
      receivedOn: '2026-10-15',
      reference: 'CASH 1',
      allocations: [{ invoiceId: paid, amountMinor: 10_000 }],
    },
    'payment { id }',
  );
  const cheque = await mutate(
    'recordPayment',
    {
      customerId: firstCustomer,
      methodId: cash,
      amount: { amountMinor: 5_000 },
      receivedOn: '2026-11-05',
      reference: 'CHQ 2',
      allocations: [{ invoiceId: bounced, amountMinor: 5_000 }],
    },
    'payment { id }',
  );
  await mutate('reversePayment', { id: cheque.payment.id, reason: 'Bounced' }, 'payment { id }');
  await mutate(
    'createCreditNote',
    { customerId: firstCustomer, reason: 'Goodwill', issueDate: '2026-11-10', lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 1_000 }] },
    'creditNote { id }',
  );
  await mutate(
    'recordPayment',
    { customerId: secondCustomer, methodId: cash, amount: { amountMinor: 2_500, currency: 'EUR' }, reference: 'EUR 1' },
    'payment { id }',
  );
  await invoice(otherCustomer, 99_000, '2026-11-01', other.adminToken);
}

const LEDGER = `query($id: ID!, $currency: Currency) { customer(id: $id) { ledger(first: 100, currency: $currency) {
  nodes { kind date effect { amountMinor } balance { amountMinor } amount { amountMinor } invoice { id } creditNote { id } payment { id } allocation { id } } } } }`;

/** The customer's ledger as the API gives it, in ledger.csv's columns. */
async function apiLedger(customerId: string, currency?: string): Promise<Array<Record<string, string>>> {
  const { nodes } = (await gql(LEDGER, { id: customerId, currency })).customer.ledger;
  return nodes.map((e: any) => ({
    customerId,
    currency: currency ?? 'GBP',
    date: e.date,
    kind: e.kind,
    amountMinor: String(e.amount.amountMinor),
    effectMinor: String(e.effect.amountMinor),
    balanceMinor: String(e.balance.amountMinor),
    invoiceId: e.invoice?.id ?? '',
    creditNoteId: e.creditNote?.id ?? '',
    paymentId: e.payment?.id ?? '',
    allocationId: e.allocation?.id ?? '',
  }));
}

/** Sorts rows by the order their customers come in `rows` (the export's order), keeping each customer's order. */
function byCustomerOf(rows: Array<Record<string, string>>) {
  const order = [...new Set(rows.map((r) => r.customerId))];
  return (a: Record<string, string>, b: Record<string, string>) => order.indexOf(a.customerId!) - order.indexOf(b.customerId!);
}

const withoutTimes = (rows: Array<Record<string, string>>) => rows.map(({ recordedAt: _recordedAt, document: _document, ...rest }) => rest);
afterAll(() => server.close());

describe('all customers', () => {
  it("unzips to CSV files whose rows match the organisation's customer data, and nothing of another organisation", async () => {
    const res = await download('/exports/customers.zip', acme.adminToken);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/zip');
    const files = res.files!;
    // The files of before, and the rest of the record that makes it an archive the import reads back (customer-archive.test.ts).
    expect(Object.keys(files).sort()).toEqual([...ARCHIVE_FILE_NAMES, 'ledger.csv', 'manifest.json'].sort());
    for (const name of ['addresses.csv', 'contacts.csv', 'credit_notes.csv', 'customers.csv', 'invoices.csv', 'payments.csv', 'work_addresses.csv']) {
      expect(ARCHIVE_FILE_NAMES).toContain(name);
    }

    const org = acme.organisationId;
    const customers = csvRows(files['customers.csv']!);
    expect(customers).toHaveLength(await count(sql`select count(*)::int as n from customers where organisation_id = ${org}`));
    expect(customers.map((c) => c.name).sort()).toEqual(['First Ltd', 'Second Ltd', 'Third "Quoted", Ltd']);
    expect(customers.find((c) => c.name === 'First Ltd')!.id).toBe(firstCustomer);

    const contacts = csvRows(files['contacts.csv']!);
    expect(contacts).toHaveLength(await count(sql`select count(*)::int as n from contacts where organisation_id = ${org} and customer_id is not null`));
    expect(contacts).toHaveLength(6);
    expect(contacts.map((c) => c.surname)).not.toContain('Leadperson');

    const addresses = csvRows(files['addresses.csv']!);
    expect(addresses).toHaveLength(await count(sql`select count(*)::int as n from addresses where organisation_id = ${org} and customer_id is not null`));
    expect(addresses.map((a) => a.line1)).not.toContain('1 Lead St');

    const workAddresses = csvRows(files['work_addresses.csv']!);
    expect(workAddresses).toHaveLength(await count(sql`select count(*)::int as n from work_addresses where organisation_id = ${org}`));
    expect(workAddresses.map((w) => w.line1).sort()).toEqual(['1 Work Road', '2 Work Road', '3 Work Road, Unit 4']);
    expect(new Set(workAddresses.map((w) => w.customerId))).toEqual(new Set([firstCustomer]));

    // The money: every invoice (drafts too), credit note and payment, and the ledgers per customer
    // and currency, as the API gives them.
    const invoices = csvRows(files['invoices.csv']!);
    expect(invoices).toHaveLength(await count(sql`select count(*)::int as n from invoices where organisation_id = ${org}`));
    expect(invoices.map((i) => [i.customerId, i.status, i.totalMinor]).sort()).toEqual(
      [
        [firstCustomer, 'DRAFT', '7000'],
        [firstCustomer, 'ISSUED', '5000'],
        [firstCustomer, 'PAID', '10000'],
      ].sort(),
    );
    expect(csvRows(files['credit_notes.csv']!).map((n) => [n.customerId, n.totalMinor, n.reason])).toEqual([[firstCustomer, '1000', 'Goodwill']]);
    const payments = csvRows(files['payments.csv']!);
    expect(payments.map((p) => [p.customerId, p.reference, p.status, p.amountMinor, p.currency]).sort()).toEqual(
      [
        [firstCustomer, 'CASH 1', 'RECEIVED', '10000', 'GBP'],
        [firstCustomer, 'CHQ 2', 'REVERSED', '5000', 'GBP'],
        [secondCustomer, 'EUR 1', 'RECEIVED', '2500', 'EUR'],
      ].sort(),
    );
    expect(parseGlobalId(payments[0]!.methodId!)?.type).toBe('PaymentMethod');
    const ledger = csvRows(files['ledger.csv']!);
    expect(withoutTimes(ledger)).toEqual([...(await apiLedger(firstCustomer)), ...(await apiLedger(secondCustomer, 'EUR'))].sort(byCustomerOf(ledger)));

    const everything = Object.values(files).join('\n');
    expect(everything).not.toContain('Elsewhere');
    expect(everything).not.toContain('99000');
    expect(everything).not.toContain('9 Far Road');
    expect(everything).not.toContain(other.organisationId);
  });

  it('is for admins and managers only', async () => {
    expect((await download('/exports/customers.zip', await acme.tokenFor('MANAGER'))).status).toBe(200);
    for (const role of ['SALES', 'SERVICE', 'FINANCE', 'READ_ONLY'] as const) {
      const res = await download('/exports/customers.zip', await acme.tokenFor(role));
      expect(res.status).toBe(403);
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await fetch(`${baseUrl}/exports/customers.zip`)).status).toBe(401);
  });
});

describe('one customer', () => {
  it("unzips to that customer's rows and a customer.json holding them, and logs the read", async () => {
    const readsBefore = await count(sql`select count(*)::int as n from record_reads where customer_id = ${parseGlobalId(firstCustomer)!.id}`);
    const res = await download(`/exports/customers/${firstCustomer}.zip`, acme.adminToken);
    expect(res.status).toBe(200);
    const files = res.files!;
    expect(Object.keys(files).sort()).toEqual([...ARCHIVE_FILE_NAMES, 'customer.json', 'ledger.csv', 'manifest.json'].sort());
    const id = parseGlobalId(firstCustomer)!.id;
    expect(csvRows(files['customers.csv']!).map((c) => c.id)).toEqual([firstCustomer]);
    expect(csvRows(files['contacts.csv']!)).toHaveLength(await count(sql`select count(*)::int as n from contacts where customer_id = ${id}`));
    expect(csvRows(files['addresses.csv']!)).toHaveLength(await count(sql`select count(*)::int as n from addresses where customer_id = ${id}`));
    expect(csvRows(files['work_addresses.csv']!)).toHaveLength(3);

    const json = JSON.parse(files['customer.json']!);
    expect(json.customer).toMatchObject({ id: firstCustomer, name: 'First Ltd' });
    expect(json.contacts).toHaveLength(2);
    expect(json.addresses).toHaveLength(csvRows(files['addresses.csv']!).length);
    expect(json.workAddresses.map((w: any) => w.line1).sort()).toEqual(['1 Work Road', '2 Work Road', '3 Work Road, Unit 4']);
    expect(json.invoices).toHaveLength(3);
    expect(json.payments).toHaveLength(2);
    expect(json.creditNotes).toHaveLength(1);
    expect(await count(sql`select count(*)::int as n from record_reads where customer_id = ${id}`)).toBe(readsBefore + 1);
  });

  it('has its ledger, oldest first, with the running balance and the documents it is about, as Customer.ledger gives it', async () => {
    const files = (await download(`/exports/customers/${firstCustomer}.zip`, acme.adminToken)).files!;
    const ledger = csvRows(files['ledger.csv']!);
    expect(withoutTimes(ledger)).toEqual(await apiLedger(firstCustomer));
    expect(ledger.map((e) => [e.kind, e.document, e.effectMinor, e.balanceMinor])).toEqual([
      ['INVOICE_ISSUED', 'INV-000001', '10000', '10000'],
      ['PAYMENT_RECEIVED', 'CASH 1', '-10000', '0'],
      ['INVOICE_ISSUED', 'INV-000002', '5000', '5000'],
      ['PAYMENT_RECEIVED', 'CHQ 2', '-5000', '0'],
      ['CREDIT_NOTE_ISSUED', 'CN-000001', '-1000', '-1000'],
      ['ALLOCATION', 'INV-000001', '0', '-1000'],
      ['ALLOCATION', 'INV-000002', '0', '-1000'],
      ['ALLOCATION_UNDONE', 'INV-000002', '0', '-1000'],
      ['PAYMENT_REVERSED', 'CHQ 2', '5000', '4000'],
    ]);
    expect(ledger.every((e) => !Number.isNaN(Date.parse(e.recordedAt!)))).toBe(true);
    // customer.json holds the same entries.
    expect(JSON.parse(files['customer.json']!).ledger.map((e: any) => [e.kind, e.balanceMinor])).toEqual(ledger.map((e) => [e.kind, Number(e.balanceMinor)]));
    // Read a page at a time, the balance carries over from page to page.
    const id = parseGlobalId(firstCustomer)!.id;
    const paged = [];
    for await (const entry of ledgerEntries(server.database.db, acme.organisationId, id, 'GBP', 2)) paged.push([entry.kind, String(entry.balanceMinor)]);
    expect(paged).toEqual(ledger.map((e) => [e.kind, e.balanceMinor]));
  });

  it('answers a SALES user who does not own the customer, and another organisation, as if it did not exist', async () => {
    const sales = await download(`/exports/customers/${firstCustomer}.zip`, await acme.tokenFor('SALES'));
    expect(sales.status).toBe(404);
    expect(sales.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const foreign = await download(`/exports/customers/${otherCustomer}.zip`, acme.adminToken);
    expect(foreign.status).toBe(404);
    const readOnly = await download(`/exports/customers/${firstCustomer}.zip`, await acme.tokenFor('READ_ONLY'));
    expect(readOnly.status).toBe(200);
    const garbage = await download(`/exports/customers/not-an-id.zip`, acme.adminToken);
    expect(garbage.status).toBe(400);
  });

  it('pages through many rows without losing or repeating any', async () => {
    const lines = Array.from({ length: 2345 }, (_, i) => `${i} Many Road`);
    const customer = await createCustomerWithChildren(acme, 'Many Ltd', 0);
    await importWorkAddresses(acme, customer, lines);
    const res = await download(`/exports/customers/${customer}.zip`, acme.adminToken);
    const rows = csvRows(res.files!['work_addresses.csv']!);
    expect(rows).toHaveLength(2345);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2345);
    expect(JSON.parse(res.files!['customer.json']!).workAddresses).toHaveLength(2345);
    const all = await download('/exports/customers.zip', acme.adminToken);
    expect(csvRows(all.files!['work_addresses.csv']!)).toHaveLength(2345 + 3);
  });
});
