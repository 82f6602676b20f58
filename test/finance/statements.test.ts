// Statements and PDFs (docs/domain.md#statements): the open items as of a date, grouped by contact
// when asked, with totals that agree with the balance; the statement, invoice and credit-note PDFs
// read back as text and checked figure by figure; and who may fetch them (portal tokens with
// VIEW_STATEMENTS read their customer's statements, with VIEW_INVOICES its invoice PDFs, nothing else).
import { PDFParse } from 'pdf-parse';
import { addDays, today } from '../../src/invoices/payer';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let customerId: string;
let otherCustomerId: string;
let invoiceIds: string[];
let creditNoteId: string;

// Dates relative to today: an allocation counts from when it is made (today), so "as of today" is the
// one date at which the first payment stands allocated.
const asOf = today();
const day = (daysAgo: number) => addDays(asOf, -daysAgo);

const { gql, mutate, createCustomerReturning } = flows(() => ({ server, token: org.adminToken, ref }));

/** GET a PDF route; the text of the PDF, or the status and body of a refusal. */
async function pdf(path: string, token: string | null = org.adminToken): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(new URL(path, server.url).toString(), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (res.headers.get('content-type') !== 'application/pdf') return { status: res.status, type: res.headers.get('content-type'), text: bytes.toString('utf8') };
  const parser = new PDFParse({ data: bytes });
  try {
    return { status: res.status, type: 'application/pdf', text: (await parser.getText()).text };
  } finally {
    await parser.destroy();
  }
}

async function portalToken(permissions: string[]): Promise<string> {
  const res = await mutate('createPortalToken', { customerId, name: 'Portal', permissions }, 'token');
  return res.token as string;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  const customer = await createCustomerReturning('Statement Ltd', {
    overrides: {
      creditorDays: 30,
      contacts: [
        { firstName: 'Ann', surname: 'Archer' },
        { firstName: 'Bob', surname: 'Baker' },
      ],
    },
  });
  customerId = customer.id;
  const [ann, bob] = (customer.contacts as { nodes: Array<{ id: string }> }).nodes;
  otherCustomerId = (await createCustomerReturning('Other Ltd')).id;
  const cash = (await gql(`{ paymentMethods { id name } }`)).paymentMethods.find((m: { name: string }) => m.name === 'Cash').id;
  invoiceIds = [];
  for (const [contactId, issueDate, price] of [
    [ann!.id, day(122), 30_000],
    [bob!.id, day(42), 12_000],
    [ann!.id, day(16), 4_550],
  ] as const) {
    const created = await mutate(
      'createInvoice',
      { customerId, contactId, lines: [{ description: `Service ${issueDate}`, quantity: '1', unitPriceMinor: price, taxRatePercent: 20, category: 'Labour' }] },
      'invoice { id }',
    );
    await mutate('issueInvoice', { id: created.invoice.id, issueDate }, 'invoice { id }');
    invoiceIds.push(created.invoice.id);
  }
  // 36000 + 14400 + 5460 issued; 10000 paid against the first; 2500 paid on account.
  await mutate(
    'recordPayment',
    {
      customerId,
      methodId: cash,
      amount: { amountMinor: 10_000 },
      receivedOn: day(30),
      reference: 'BACS 778',
      allocations: [{ invoiceId: invoiceIds[0], amountMinor: 10_000 }],
    },
    'payment { id }',
  );
  await mutate('recordPayment', { customerId, methodId: cash, amount: { amountMinor: 2_500 }, receivedOn: day(11), reference: 'CASH 12' }, 'payment { id }');
  const note = await mutate(
    'createCreditNote',
    {
      invoiceId: invoiceIds[1],
      reason: 'Part not fitted',
      breakdown: 'FULL_BY_CATEGORY',
      issueDate: day(9),
      lines: [
        { description: 'Valve refund', quantity: '1', unitPriceMinor: 1_000, taxRatePercent: 20, category: 'Parts' },
        { description: 'Labour refund', quantity: '0.5', unitPriceMinor: 2_000, taxRatePercent: 20, category: 'Labour' },
      ],
    },
    'creditNote { id total { amountMinor } }',
  );
  expect(note.creditNote.total).toEqual({ amountMinor: 2_400 });
  creditNoteId = note.creditNote.id;
});
afterAll(() => server.close());

const STATEMENT = `query($id: ID!, $asOf: Date, $grouped: Boolean) { customer(id: $id) { statement(asOf: $asOf, groupByContact: $grouped) {
  asOf currency pdfUrl lines { kind reference date dueDate total { amountMinor } open { amountMinor } daysOverdue }
  groups { contact { surname } open { amountMinor } lines { reference } }
  balance { outstanding { amountMinor } accountCredit { amountMinor } balance { amountMinor } overdue { amountMinor } } } } }`;

it('lists the open items as of the date with totals that agree with the balance', async () => {
  const { statement } = (await gql(STATEMENT, { id: customerId, asOf })).customer;
  expect(statement.lines.map((l: any) => [l.kind, l.reference, l.open.amountMinor, l.daysOverdue])).toEqual([
    ['INVOICE', 'INV-000001', 26_000, 92],
    ['INVOICE', 'INV-000002', 14_400, 12],
    ['INVOICE', 'INV-000003', 5_460, 0],
    ['PAYMENT', 'CASH 12', -2_500, 0],
    ['CREDIT_NOTE', 'CN-000001', -2_400, 0],
  ]);
  const open = statement.lines.reduce((sum: number, l: any) => sum + l.open.amountMinor, 0);
  expect(statement.balance.balance.amountMinor).toBe(open);
  expect(statement.balance).toMatchObject({ outstanding: { amountMinor: 45_860 }, accountCredit: { amountMinor: 4_900 }, overdue: { amountMinor: 40_400 } });
  // As of an earlier date, only what existed then.
  const before = (await gql(STATEMENT, { id: customerId, asOf: day(91) })).customer.statement;
  expect(before.lines.map((l: any) => l.reference)).toEqual(['INV-000001']);
});

it('groups the lines by contact when asked', async () => {
  const { statement } = (await gql(STATEMENT, { id: customerId, asOf, grouped: true })).customer;
  expect(statement.groups.map((g: any) => [g.contact?.surname ?? null, g.lines.map((l: any) => l.reference), g.open.amountMinor])).toEqual([
    ['Archer', ['INV-000001', 'INV-000003'], 31_460],
    ['Baker', ['INV-000002'], 14_400],
    [null, ['CASH 12', 'CN-000001'], -4_900],
  ]);
});

it('renders the statement as a PDF whose text carries the same figures', async () => {
  const { statement } = (await gql(STATEMENT, { id: customerId, asOf, grouped: true })).customer;
  const res = await pdf(statement.pdfUrl);
  expect(res.status).toBe(200);
  const text = res.text.replace(/\s+/g, ' ');
  for (const expected of [
    'Statement',
    'Statement Ltd',
    `As of ${asOf}`,
    'Ann Archer',
    'Bob Baker',
    'INV-000001',
    '£260.00',
    '£144.00',
    '-£25.00',
    'CN-000001',
    '-£24.00',
  ]) {
    expect(text).toContain(expected);
  }
  expect(text).toMatch(/Outstanding £458\.60/);
  expect(text).toMatch(/Account credit £49\.00/);
  expect(text).toMatch(/Balance £409\.60/);
  // The contacts' names come in one query: two cost what one does (X-SQL-Statements, EXPOSE_SQL_COUNT).
  const statements = async (asOf: string) => {
    const url = (await gql(STATEMENT, { id: customerId, asOf, grouped: true })).customer.statement.pdfUrl;
    const answer = await fetch(new URL(url, server.url).toString(), { headers: { authorization: `Bearer ${org.adminToken}` } });
    expect(answer.status).toBe(200);
    await answer.arrayBuffer();
    return Number(answer.headers.get('x-sql-statements'));
  };
  const oneContact = await statements(day(91));
  expect(oneContact).toBeGreaterThan(0);
  expect(await statements(asOf)).toBe(oneContact);
});

it('renders invoice and credit-note PDFs with their lines and totals', async () => {
  const invoice = (await gql(`query($id: ID!) { node(id: $id) { ... on Invoice { pdfUrl } } }`, { id: invoiceIds[0] })).node;
  const text = (await pdf(invoice.pdfUrl)).text.replace(/\s+/g, ' ');
  expect(text).toContain('Invoice INV-000001');
  expect(text).toContain('for Ann Archer');
  expect(text).toContain(`Service ${day(122)}`);
  expect(text).toMatch(/Total £360\.00/);
  expect(text).toMatch(/Paid £100\.00/);
  expect(text).toMatch(/Outstanding £260\.00/);
  const note = (await gql(`query($id: ID!) { node(id: $id) { ... on CreditNote { pdfUrl } } }`, { id: creditNoteId })).node;
  const noteText = (await pdf(note.pdfUrl)).text.replace(/\s+/g, ' ');
  expect(noteText).toContain('Credit note CN-000001');
  expect(noteText).toContain('against invoice INV-000002');
  // FULL_BY_CATEGORY: each category with its lines and subtotal.
  expect(noteText).toMatch(/Parts .*Valve refund.*Parts total £12\.00/);
  expect(noteText).toMatch(/Labour .*Labour refund.*Labour total £12\.00/);
  expect(noteText).toMatch(/Total £24\.00/);
});

describe('who may fetch them', () => {
  it('a portal token with VIEW_STATEMENTS reads its statement and its PDF, and nothing else', async () => {
    const token = await portalToken(['VIEW_STATEMENTS']);
    const res = await server.graphql(
      `query($id: ID!, $asOf: Date) { customer(id: $id) { statement(asOf: $asOf) { balance { balance { amountMinor } } pdfUrl } } }`,
      { id: customerId, asOf },
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer.statement.balance.balance).toEqual({ amountMinor: 40_960 });
    expect((await pdf(res.data!.customer.statement.pdfUrl, token)).status).toBe(200);
    expect((await pdf(`/pdf/invoices/${invoiceIds[0]}`, token)).status).toBe(403);
    expect((await pdf(`/pdf/credit-notes/${creditNoteId}`, token)).status).toBe(403);
    expect((await pdf(`/pdf/statements/${otherCustomerId}`, token)).status).toBe(404);
  });

  it('a portal token with VIEW_INVOICES reads its invoice PDFs, not statements', async () => {
    const token = await portalToken(['VIEW_INVOICES']);
    expect((await pdf(`/pdf/invoices/${invoiceIds[0]}`, token)).status).toBe(200);
    expect((await pdf(`/pdf/statements/${customerId}`, token)).status).toBe(403);
    const res = await server.graphql(`query($id: ID!) { customer(id: $id) { statement { pdfUrl } } }`, { id: customerId }, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses without a token, answers 404 for what the caller cannot see, and 400 for a bad date', async () => {
    expect((await pdf(`/pdf/statements/${customerId}`, null)).status).toBe(401);
    const seller = await org.tokenFor('SALES');
    expect((await pdf(`/pdf/statements/${customerId}`, seller)).status).toBe(404);
    expect((await pdf(`/pdf/invoices/${invoiceIds[0]}`, seller)).status).toBe(404);
    expect((await pdf(`/pdf/invoices/not-an-id`)).status).toBe(404);
    const bad = await pdf(`/pdf/statements/${customerId}?asOf=2026-02-30`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('asOf');
    const unclear = await pdf(`/pdf/statements/${customerId}?groupByContact=yes`);
    expect(unclear.status).toBe(400);
    expect(unclear.text).toContain('groupByContact: must be true or false.');
    expect((await pdf(`/pdf/statements/${customerId}?groupByContact=false`)).status).toBe(200);
  });
});
