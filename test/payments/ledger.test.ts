// The money side over GraphQL (docs/domain.md#invoices, #credit-notes, #payments-and-allocations):
// invoices written, issued and voided; payments recorded, allocated and reversed; credit notes raised
// against invoices and allocated; and the limits that hold whatever the caller does: never more
// allocated than a payment's amount or an invoice's total, with the database refusing what code
// might let through, also under concurrency.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { violatedConstraint } from '../../src/db/unique';
import { parseGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { readReference, startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let cash: string;

const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const ERRORS = 'userErrors { field code message }';
const INVOICE = 'id number reference status total { amountMinor } paid { amountMinor } credited { amountMinor } outstanding { amountMinor } version';
const PAYMENT = 'id status amount { amountMinor currency } allocated { amountMinor } unallocated { amountMinor } version';

const uuid = (globalId: string) => parseGlobalId(globalId)!.id;

/** An issued invoice for `customerId` of `lines` (defaults: one line of 100.00 + 20% tax = 12000). */
type LineInput = { description: string; quantity: string; unitPriceMinor: number; taxRatePercent?: number; category?: string };

async function issuedInvoice(
  customerId: string,
  lines: LineInput[] = [{ description: 'Boiler service', quantity: '1', unitPriceMinor: 10_000, taxRatePercent: 20 }],
) {
  const created = await mutate('createInvoice', { customerId, lines }, `invoice { ${INVOICE} }`);
  return (await mutate('issueInvoice', { id: created.invoice.id, issueDate: '2026-11-02' }, `invoice { ${INVOICE} }`)).invoice;
}

async function invoiceState(id: string) {
  return (await gql(`query($id: ID!) { node(id: $id) { ... on Invoice { ${INVOICE} } } }`, { id })).node;
}

/** What the database said when it refused a statement: the constraint it names and its message ('accepted' if it did not). */
async function refusal(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
    return 'accepted';
  } catch (thrown) {
    const e = thrown as { message: string; cause?: { message: string } };
    return `${violatedConstraint(thrown) ?? ''}: ${e.cause?.message ?? e.message}`;
  }
}

/** Runs a mutation and returns its payload, user errors and all. */
async function attempt(name: string, input: Record<string, unknown>, selection: string, token = org.adminToken) {
  const type = name[0]!.toUpperCase() + name.slice(1) + 'Input';
  const res = await server.graphql(`mutation($input: ${type}!) { ${name}(input: $input) { ${selection} ${ERRORS} } }`, { input }, token);
  expect(res.errors).toBeUndefined();
  return res.data![name];
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  const methods = await gql(`{ paymentMethods { id name } }`);
  cash = methods.paymentMethods.find((m: { name: string }) => m.name === 'Cash').id;
});
afterAll(() => server.close());

describe('invoices', () => {
  it('a draft is written with its lines, changed, then issued with the next number and a due date from the creditor days', async () => {
    const customerId = await createCustomer('Draft Ltd', { overrides: { creditorDays: 10 } });
    const created = await mutate(
      'createInvoice',
      { customerId, lines: [{ description: 'Labour', quantity: '1.5', unitPriceMinor: 3333, taxRatePercent: 20, category: 'Labour' }], notes: 'PO 42' },
      `invoice { ${INVOICE} notes lines { net { amountMinor } tax { amountMinor } category } }`,
    );
    // 1.5 × 33.33 = 49.995 → 50.00 (half away from zero); tax 10.00.
    expect(created.invoice).toMatchObject({ status: 'DRAFT', number: null, total: { amountMinor: 6000 }, notes: 'PO 42', version: 1 });
    expect(created.invoice.lines).toEqual([{ net: { amountMinor: 5000 }, tax: { amountMinor: 1000 }, category: 'Labour' }]);

    const stale = await attempt('updateInvoice', { id: created.invoice.id, expectedVersion: 99, lines: [] }, 'invoice { id }');
    expect(stale.userErrors[0]).toMatchObject({ field: ['input', 'expectedVersion'], code: 'VERSION_CONFLICT' });
    const changed = await mutate(
      'updateInvoice',
      {
        id: created.invoice.id,
        expectedVersion: created.invoice.version,
        lines: [
          { description: 'Labour', quantity: '2', unitPriceMinor: 4000, taxRatePercent: 20 },
          { description: 'Parts', quantity: '3', unitPriceMinor: 250 },
        ],
      },
      `invoice { ${INVOICE} }`,
    );
    expect(changed.invoice.total).toEqual({ amountMinor: 9600 + 750 });

    const issued = await mutate('issueInvoice', { id: created.invoice.id, issueDate: '2026-11-20' }, `invoice { ${INVOICE} issueDate dueDate }`);
    expect(issued.invoice).toMatchObject({ status: 'ISSUED', issueDate: '2026-11-20', dueDate: '2026-11-30', outstanding: { amountMinor: 10_350 } });
    expect(issued.invoice.reference).toBe(`INV-${String(issued.invoice.number).padStart(6, '0')}`);

    const again = await attempt('issueInvoice', { id: created.invoice.id }, 'invoice { id }');
    expect(again.userErrors[0]).toMatchObject({ field: ['input', 'id'], code: 'INVALID_STATE' });
    const edit = await attempt('updateInvoice', { id: created.invoice.id, notes: 'late' }, 'invoice { id }');
    expect(edit.userErrors[0]).toMatchObject({ field: ['input', 'id'], code: 'INVALID_STATE' });
  });

  it('refuses bad lines naming the field, and writes nothing', async () => {
    const customerId = await createCustomer('Bad Lines Ltd');
    const before = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from invoices`);
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ description: ' ', quantity: '1', unitPriceMinor: 1 }, ['input', 'lines', '0', 'description']],
      [{ description: 'x', quantity: '1.2345', unitPriceMinor: 1 }, ['input', 'lines', '0', 'quantity']],
      [{ description: 'x', quantity: '0', unitPriceMinor: 1 }, ['input', 'lines', '0', 'quantity']],
      [{ description: 'x', quantity: '1', unitPriceMinor: -1 }, ['input', 'lines', '0', 'unitPriceMinor']],
      [{ description: 'x', quantity: '1', unitPriceMinor: 1, taxRatePercent: 100.5 }, ['input', 'lines', '0', 'taxRatePercent']],
      [{ description: 'x', quantity: '999999999', unitPriceMinor: 1_000_000_000_000 }, ['input', 'lines', '0', 'quantity']],
    ];
    for (const [line, field] of cases) {
      const res = await attempt('createInvoice', { customerId, lines: [line] }, 'invoice { id }');
      expect(res.userErrors.map((e: { field: string[] }) => e.field)).toEqual([field]);
    }
    const negative = await attempt('createInvoice', { customerId, lines: [{ description: 'x', quantity: '-1', unitPriceMinor: 1 }] }, 'invoice { id }');
    expect(negative.userErrors[0].message).toBe('quantity: must be a number more than 0, with at most nine digits before the point and three after, e.g. 1.5');
    const empty = await mutate('createInvoice', { customerId, lines: [] }, 'invoice { id }');
    const noLines = await attempt('issueInvoice', { id: empty.invoice.id }, 'invoice { id }');
    expect(noLines.userErrors[0]).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('no lines') });
    await mutate('deleteInvoice', { id: empty.invoice.id }, 'deletedInvoiceId');
    const after = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from invoices`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('is for those who keep the books: a sales user is refused', async () => {
    const customerId = await createCustomer('Not For Sales Ltd');
    const res = await server.graphql(
      `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } ${ERRORS} } }`,
      { input: { customerId, lines: [] } },
      await org.tokenFor('SALES'),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const finance = await attempt('createInvoice', { customerId, lines: [] }, 'invoice { id }', await org.tokenFor('FINANCE'));
    expect(finance.userErrors).toEqual([]);
  });

  it("the database refuses changes to an issued invoice's lines, whoever asks", async () => {
    const customerId = await createCustomer('Frozen Ltd');
    const invoice = await issuedInvoice(customerId);
    expect(await refusal(server.database.db.execute(sql`update invoice_lines set unit_price_minor = 1 where invoice_id = ${uuid(invoice.id)}`))).toMatch(
      /^invoice_lines_frozen: .*not a draft/,
    );
    expect(await refusal(server.database.db.execute(sql`delete from invoice_lines where invoice_id = ${uuid(invoice.id)}`))).toMatch(/^invoice_lines_frozen/);
    expect((await invoiceState(invoice.id)).total).toEqual({ amountMinor: 12_000 });
  });

  it('voiding keeps the number, needs a reason, and is refused while anything is allocated', async () => {
    const customerId = await createCustomer('Void Ltd');
    const invoice = await issuedInvoice(customerId);
    const paid = await mutate(
      'recordPayment',
      { customerId, methodId: cash, amount: { amountMinor: 500 }, allocations: [{ invoiceId: invoice.id, amountMinor: 500 }] },
      `payment { ${PAYMENT} allocations { id } }`,
    );
    const refused = await attempt('voidInvoice', { id: invoice.id, reason: 'Wrong customer' }, 'invoice { id }');
    expect(refused.userErrors[0]).toMatchObject({ field: ['input', 'id'], code: 'INVALID_STATE' });
    await mutate('undoAllocation', { id: paid.payment.allocations[0].id, reason: 'Put on the wrong invoice' }, 'allocation { undoneAt }');
    const blank = await attempt('voidInvoice', { id: invoice.id, reason: '  ' }, 'invoice { id }');
    expect(blank.userErrors[0]).toMatchObject({ field: ['input', 'reason'], code: 'REQUIRED' });
    const voided = await mutate('voidInvoice', { id: invoice.id, reason: 'Wrong customer' }, `invoice { ${INVOICE} voidReason }`);
    expect(voided.invoice).toMatchObject({ status: 'VOID', number: invoice.number, voidReason: 'Wrong customer', outstanding: { amountMinor: 0 } });
    // The payment's money is account credit again.
    const payment = await gql(`query($id: ID!) { node(id: $id) { ... on Payment { ${PAYMENT} } } }`, { id: paid.payment.id });
    expect(payment.node).toMatchObject({ allocated: { amountMinor: 0 }, unallocated: { amountMinor: 500 } });
  });
});

describe('consolidated invoices', () => {
  async function openJob(customerId: string, description: string): Promise<string> {
    const work = await mutate('createWorkAddress', { customerId, line1: `1 ${description} Road` }, 'workAddress { id }');
    return (await mutate('createJob', { customerId, workAddressId: work.workAddress.id, description }, 'job { id }')).job.id;
  }

  it("bills several open jobs in one invoice with each job's lines; a job is on at most one live invoice", async () => {
    const customerId = await createCustomer('Many Jobs Ltd');
    const [boiler, radiators] = [await openJob(customerId, 'Boiler'), await openJob(customerId, 'Radiators')];
    const created = await mutate(
      'createInvoice',
      {
        customerId,
        jobs: [
          { jobId: boiler, lines: [{ description: 'Boiler service', quantity: '1', unitPriceMinor: 8_000 }] },
          {
            jobId: radiators,
            lines: [
              { description: 'Bleed radiators', quantity: '2', unitPriceMinor: 1_500 },
              { description: 'Valve', quantity: '1', unitPriceMinor: 900 },
            ],
          },
        ],
        lines: [{ description: 'Call-out', quantity: '1', unitPriceMinor: 2_000 }],
      },
      `invoice { id total { amountMinor } jobs { id } lines { description job { id } } }`,
    );
    expect(created.invoice.total).toEqual({ amountMinor: 8_000 + 3_000 + 900 + 2_000 });
    expect(created.invoice.jobs).toEqual([{ id: boiler }, { id: radiators }]);
    expect(created.invoice.lines.map((l: any) => [l.description, l.job?.id ?? null])).toEqual([
      ['Boiler service', boiler],
      ['Bleed radiators', radiators],
      ['Valve', radiators],
      ['Call-out', null],
    ]);
    // Changing the draft's own lines keeps the jobs' lines.
    const changed = await mutate('updateInvoice', { id: created.invoice.id, lines: [] }, 'invoice { total { amountMinor } jobs { id } }');
    expect(changed.invoice).toEqual({ total: { amountMinor: 11_900 }, jobs: [{ id: boiler }, { id: radiators }] });

    const twice = await attempt(
      'createInvoice',
      { customerId, lines: [], jobs: [{ jobId: boiler, lines: [{ description: 'Again', quantity: '1', unitPriceMinor: 1 }] }] },
      'invoice { id }',
    );
    expect(twice.userErrors[0]).toMatchObject({ field: ['input', 'jobs', '0', 'jobId'], code: 'INVALID_STATE' });

    await mutate('issueInvoice', { id: created.invoice.id }, 'invoice { id }');
    const voided = await mutate('voidInvoice', { id: created.invoice.id, reason: 'Billed in error' }, 'invoice { jobs { id } }');
    expect(voided.invoice.jobs).toEqual([]);
    const again = await mutate(
      'createInvoice',
      { customerId, lines: [], jobs: [{ jobId: boiler, lines: [{ description: 'Boiler service', quantity: '1', unitPriceMinor: 8_000 }] }] },
      'invoice { jobs { id } }',
    );
    expect(again.invoice.jobs).toEqual([{ id: boiler }]);
  });

  it("while the customer's status blocks new work (Dormant), an invoice may bill only its open jobs", async () => {
    const customerId = await createCustomer('Sleepy Ltd');
    const job = await openJob(customerId, 'Sleepy');
    const { customer } = await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: customerId });
    await mutate('changeCustomerStatus', { id: customerId, statusId: ref.statuses.Z, expectedVersion: customer.version }, 'customer { id }');
    const plain = await attempt('createInvoice', { customerId, lines: [{ description: 'New work', quantity: '1', unitPriceMinor: 100 }] }, 'invoice { id }');
    expect(plain.userErrors[0]).toMatchObject({ field: ['input', 'customerId'], code: 'STATUS_BLOCKS_WORK' });
    const jobsOnly = await attempt(
      'createInvoice',
      { customerId, lines: [], jobs: [{ jobId: job, lines: [{ description: 'Done before', quantity: '1', unitPriceMinor: 100 }] }] },
      'invoice { id }',
    );
    expect(jobsOnly.userErrors).toEqual([]);
  });
});

describe('payments and allocations', () => {
  it('allocates across invoices partly and wholly; the statuses and the account credit follow', async () => {
    const customerId = await createCustomer('Payer Ltd');
    const first = await issuedInvoice(customerId);
    const second = await issuedInvoice(customerId);
    const paid = await mutate(
      'recordPayment',
      {
        customerId,
        methodId: cash,
        amount: { amountMinor: 20_000 },
        reference: 'CHQ 1001',
        allocations: [
          { invoiceId: first.id, amountMinor: 12_000 },
          { invoiceId: second.id, amountMinor: 5_000 },
        ],
        idempotencyKey: 'pay-1',
      },
      `payment { ${PAYMENT} }`,
    );
    expect(paid.payment).toMatchObject({
      status: 'RECEIVED',
      amount: { amountMinor: 20_000, currency: 'GBP' },
      allocated: { amountMinor: 17_000 },
      unallocated: { amountMinor: 3_000 },
    });
    expect(await invoiceState(first.id)).toMatchObject({ status: 'PAID', paid: { amountMinor: 12_000 }, outstanding: { amountMinor: 0 } });
    expect(await invoiceState(second.id)).toMatchObject({ status: 'PART_PAID', outstanding: { amountMinor: 7_000 } });

    // A retry with the key returns the first result and records nothing more.
    const retry = await mutate(
      'recordPayment',
      {
        customerId,
        methodId: cash,
        amount: { amountMinor: 20_000 },
        reference: 'CHQ 1001',
        allocations: [
          { invoiceId: first.id, amountMinor: 12_000 },
          { invoiceId: second.id, amountMinor: 5_000 },
        ],
        idempotencyKey: 'pay-1',
      },
      'payment { id }',
    );
    expect(retry.payment.id).toBe(paid.payment.id);

    // The account credit is allocated later.
    const later = await mutate(
      'allocatePayment',
      { paymentId: paid.payment.id, allocations: [{ invoiceId: second.id, amountMinor: 3_000 }] },
      `payment { ${PAYMENT} }`,
    );
    expect(later.payment.unallocated).toEqual({ amountMinor: 0 });
    expect(await invoiceState(second.id)).toMatchObject({ status: 'PART_PAID', outstanding: { amountMinor: 4_000 } });
  });

  it("refuses more than an invoice owes or the payment holds, another customer's invoice, and a draft, naming the field; nothing is written", async () => {
    const customerId = await createCustomer('Careful Ltd');
    const otherId = await createCustomer('Other Ltd');
    const invoice = await issuedInvoice(customerId);
    const others = await issuedInvoice(otherId);
    const draft = await mutate('createInvoice', { customerId, lines: [{ description: 'x', quantity: '1', unitPriceMinor: 100 }] }, 'invoice { id }');
    const payments = async () => (await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from payments`))[0]!.n;
    const before = await payments();
    const cases: Array<[Record<string, unknown>, string[], string]> = [
      [
        { amount: { amountMinor: 20_000 }, allocations: [{ invoiceId: invoice.id, amountMinor: 12_001 }] },
        ['input', 'allocations', '0', 'amountMinor'],
        'INVALID',
      ],
      [{ amount: { amountMinor: 1_000 }, allocations: [{ invoiceId: invoice.id, amountMinor: 1_001 }] }, ['input', 'allocations'], 'INVALID'],
      [{ amount: { amountMinor: 1_000 }, allocations: [{ invoiceId: others.id, amountMinor: 10 }] }, ['input', 'allocations', '0', 'invoiceId'], 'INVALID'],
      [
        { amount: { amountMinor: 1_000 }, allocations: [{ invoiceId: draft.invoice.id, amountMinor: 10 }] },
        ['input', 'allocations', '0', 'invoiceId'],
        'INVALID_STATE',
      ],
      [
        { amount: { amountMinor: 1_000, currency: 'EUR' }, allocations: [{ invoiceId: invoice.id, amountMinor: 10 }] },
        ['input', 'allocations', '0', 'invoiceId'],
        'INVALID',
      ],
      [{ amount: { amountMinor: 0 } }, ['input', 'amount', 'amountMinor'], 'INVALID'],
      [{ amount: { amountMinor: 1_000 }, allocations: [{ invoiceId: invoice.id, amountMinor: 0 }] }, ['input', 'allocations', '0', 'amountMinor'], 'INVALID'],
    ];
    for (const [input, field, code] of cases) {
      const res = await attempt('recordPayment', { customerId, methodId: cash, ...input }, 'payment { id }');
      expect({ input, errors: res.userErrors.map((e: { field: string[]; code: string }) => [e.field, e.code]) }).toEqual({ input, errors: [[field, code]] });
    }
    expect(await payments()).toBe(before);
    expect(await invoiceState(invoice.id)).toMatchObject({ status: 'ISSUED', paid: { amountMinor: 0 } });
  });

  it('reversing a payment undoes its allocations: the invoices owe again and the payment counts for nothing', async () => {
    const customerId = await createCustomer('Bounced Ltd');
    const invoice = await issuedInvoice(customerId);
    const paid = await mutate(
      'recordPayment',
      { customerId, methodId: cash, amount: { amountMinor: 12_000 }, allocations: [{ invoiceId: invoice.id, amountMinor: 12_000 }] },
      `payment { ${PAYMENT} }`,
    );
    const reversed = await mutate(
      'reversePayment',
      { id: paid.payment.id, expectedVersion: paid.payment.version, reason: 'Cheque bounced' },
      `payment { ${PAYMENT} reversalReason allocations { undoneAt undoReason } }`,
    );
    expect(reversed.payment).toMatchObject({
      status: 'REVERSED',
      allocated: { amountMinor: 0 },
      unallocated: { amountMinor: 0 },
      reversalReason: 'Cheque bounced',
    });
    expect(reversed.payment.allocations).toEqual([{ undoneAt: expect.any(String), undoReason: 'Payment reversed: Cheque bounced' }]);
    expect(await invoiceState(invoice.id)).toMatchObject({ status: 'ISSUED', paid: { amountMinor: 0 }, outstanding: { amountMinor: 12_000 } });
    const again = await attempt('allocatePayment', { paymentId: paid.payment.id, allocations: [{ invoiceId: invoice.id, amountMinor: 1 }] }, 'payment { id }');
    expect(again.userErrors[0]).toMatchObject({ field: ['input', 'paymentId'], code: 'INVALID_STATE' });
    const audit = await selectRows<{ action: string }>(
      server.database.db,
      sql`select action from audit_entries where entity_id = ${uuid(paid.payment.id)} order by created_at`,
    );
    expect(audit.map((a) => a.action)).toEqual(['payment.create', 'payment.reverse']);
  });

  it('the database refuses an over-allocation that bypasses the API, and a changed or deleted allocation', async () => {
    const customerId = await createCustomer('Raw SQL Ltd');
    const invoice = await issuedInvoice(customerId);
    const paid = await mutate('recordPayment', { customerId, methodId: cash, amount: { amountMinor: 50_000 } }, 'payment { id }');
    const insert = (amount: number) =>
      server.database.db.execute(
        sql`insert into allocations (organisation_id, invoice_id, payment_id, amount_minor) values (${org.organisationId}, ${uuid(invoice.id)}, ${uuid(paid.payment.id)}, ${amount})`,
      );
    expect(await refusal(insert(12_001))).toMatch(/^invoices_allocated_within_total/);
    expect(await refusal(insert(12_000))).toBe('accepted');
    expect(await refusal(insert(1))).toMatch(/^invoices_allocated_within_total/);
    const db = server.database.db;
    expect(await refusal(db.execute(sql`update allocations set amount_minor = 1 where invoice_id = ${uuid(invoice.id)}`))).toMatch(/^allocations_only_undone/);
    expect(await refusal(db.execute(sql`delete from allocations where invoice_id = ${uuid(invoice.id)}`))).toMatch(/^allocations_only_undone/);
    expect(await refusal(db.execute(sql`update invoices set paid_minor = 0 where id = ${uuid(invoice.id)}`))).toMatch(/^invoices_status_follows_allocations/);
    expect(await refusal(db.execute(sql`update payments set allocated_minor = 60000 where id = ${uuid(paid.payment.id)}`))).toMatch(
      /^payments_allocated_within_amount/,
    );
    expect(await invoiceState(invoice.id)).toMatchObject({ status: 'PAID', paid: { amountMinor: 12_000 } });
  });

  it('an archived method takes no new payments; method names are unique', async () => {
    const created = await mutate('createPaymentMethod', { name: 'Voucher' }, 'paymentMethod { id version }');
    const duplicate = await attempt('createPaymentMethod', { name: 'voucher' }, 'paymentMethod { id }');
    expect(duplicate.userErrors[0]).toMatchObject({ field: ['input', 'name'], code: 'DUPLICATE' });
    await mutate('updatePaymentMethod', { id: created.paymentMethod.id, archived: true }, 'paymentMethod { archived }');
    const customerId = await createCustomer('Voucher Ltd');
    const res = await attempt('recordPayment', { customerId, methodId: created.paymentMethod.id, amount: { amountMinor: 100 } }, 'payment { id }');
    expect(res.userErrors[0]).toMatchObject({ field: ['input', 'methodId'], code: 'INVALID_STATE' });
  });

  it('a customer with payments cannot be deleted', async () => {
    const customerId = await createCustomer('Keeps Money Ltd');
    await mutate('recordPayment', { customerId, methodId: cash, amount: { amountMinor: 100 } }, 'payment { id }');
    const { customer } = await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: customerId });
    const res = await attempt('deleteCustomer', { id: customerId, expectedVersion: customer.version }, 'deletedCustomerId');
    expect(res.userErrors[0]).toMatchObject({ code: 'HAS_FINANCIAL_RECORDS', message: expect.stringContaining('1 payment') });
  });
});

describe('credit notes', () => {
  it('against an invoice: prefilled from its lines, numbered CN-, allocated at once, never more than what is creditable', async () => {
    const customerId = await createCustomer('Credited Ltd');
    const invoice = await issuedInvoice(customerId, [
      { description: 'Labour', quantity: '2', unitPriceMinor: 4000, taxRatePercent: 20, category: 'Labour' },
      { description: 'Valve', quantity: '1', unitPriceMinor: 2000, taxRatePercent: 20, category: 'Parts' },
    ]);
    const note = await mutate(
      'createCreditNote',
      { invoiceId: invoice.id, reason: 'Work not done', breakdown: 'BY_CATEGORY', allocateToInvoice: true },
      `creditNote { id reference status total { amountMinor } allocated { amountMinor } unallocated { amountMinor } breakdown
         categoryTotals { category total { amountMinor } } lines { description } invoice { id } customer { id } }`,
    );
    expect(note.creditNote).toMatchObject({
      reference: expect.stringMatching(/^CN-\d{6}$/),
      status: 'ISSUED',
      total: { amountMinor: 12_000 },
      allocated: { amountMinor: 12_000 },
      unallocated: { amountMinor: 0 },
      breakdown: 'BY_CATEGORY',
      categoryTotals: [
        { category: 'Labour', total: { amountMinor: 9_600 } },
        { category: 'Parts', total: { amountMinor: 2_400 } },
      ],
      lines: [{ description: 'Labour' }, { description: 'Valve' }],
      invoice: { id: invoice.id },
      customer: { id: customerId },
    });
    expect(await invoiceState(invoice.id)).toMatchObject({ status: 'PAID', credited: { amountMinor: 12_000 }, outstanding: { amountMinor: 0 } });
    const more = await attempt(
      'createCreditNote',
      { invoiceId: invoice.id, reason: 'Again', lines: [{ description: 'x', quantity: '1', unitPriceMinor: 1 }] },
      'creditNote { id }',
    );
    expect(more.userErrors[0]).toMatchObject({ field: ['input', 'lines'], code: 'INVALID', message: expect.stringContaining('0 still creditable') });
    const voiding = await attempt('voidCreditNote', { id: note.creditNote.id, reason: 'Oops' }, 'creditNote { id }');
    expect(voiding.userErrors[0]).toMatchObject({ field: ['input', 'id'], code: 'INVALID_STATE' });
  });

  it('on the customer: its unallocated remainder is account credit, allocated later to any of its invoices', async () => {
    const customerId = await createCustomer('Goodwill Ltd');
    const invoice = await issuedInvoice(customerId);
    const note = await mutate(
      'createCreditNote',
      { customerId, reason: 'Goodwill', lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 5_000 }] },
      'creditNote { id unallocated { amountMinor } version }',
    );
    expect(note.creditNote.unallocated).toEqual({ amountMinor: 5_000 });
    const allocated = await mutate(
      'allocateCreditNote',
      { creditNoteId: note.creditNote.id, expectedVersion: note.creditNote.version, allocations: [{ invoiceId: invoice.id, amountMinor: 2_000 }] },
      'creditNote { unallocated { amountMinor } allocations { amount { amountMinor } invoice { id } } }',
    );
    expect(allocated.creditNote).toEqual({
      unallocated: { amountMinor: 3_000 },
      allocations: [{ amount: { amountMinor: 2_000 }, invoice: { id: invoice.id } }],
    });
    expect(await invoiceState(invoice.id)).toMatchObject({ status: 'PART_PAID', credited: { amountMinor: 2_000 }, outstanding: { amountMinor: 10_000 } });
  });
});

describe('under concurrency', () => {
  let busy: TestServer;
  let busyOrg: TestOrganisation;
  beforeAll(async () => {
    busy = await startTestServer({}, { poolSize: 20 });
    busyOrg = await createTestOrganisation(busy);
  });
  afterAll(() => busy.close());

  it('reversals and allocations racing on the same payments leave every figure equal to its allocations', async () => {
    const busyRef = await readReference(busy, busyOrg.adminToken);
    const busyFlows = flows(() => ({ server: busy, token: busyOrg.adminToken, ref: busyRef }));
    const customerId = await busyFlows.createCustomer('Race Ltd');
    const method = (await busyFlows.gql(`{ paymentMethods { id } }`)).paymentMethods[0].id;
    const invoiceIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await busyFlows.mutate(
        'createInvoice',
        { customerId, lines: [{ description: `Job ${i}`, quantity: '1', unitPriceMinor: 10_000 }] },
        'invoice { id }',
      );
      await busyFlows.mutate('issueInvoice', { id: created.invoice.id }, 'invoice { id }');
      invoiceIds.push(created.invoice.id);
    }
    const paymentIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      paymentIds.push((await busyFlows.mutate('recordPayment', { customerId, methodId: method, amount: { amountMinor: 6_000 } }, 'payment { id }')).payment.id);
    }
    const send = (query: string, input: Record<string, unknown>) => busy.graphql(query, { input }, busyOrg.adminToken);
    const ALLOCATE = `mutation($input: AllocatePaymentInput!) { allocatePayment(input: $input) { payment { id } ${ERRORS} } }`;
    const REVERSE = `mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { payment { id } ${ERRORS} } }`;
    const calls = paymentIds.flatMap((paymentId, p) => [
      ...invoiceIds.map((invoiceId) => send(ALLOCATE, { paymentId, allocations: [{ invoiceId, amountMinor: 2_500 }] })),
      ...(p % 2 === 0 ? [send(REVERSE, { id: paymentId, reason: 'Bounced' })] : []),
    ]);
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a.errors === undefined)).toBe(true);
    const broken = await selectRows<{ what: string }>(
      busy.database.db,
      sql`select 'payment ' || p.id as what from payments p
            where p.allocated_minor <> coalesce((select sum(a.amount_minor) from allocations a where a.payment_id = p.id and a.undone_at is null), 0)
               or p.allocated_minor > p.amount_minor or (p.status = 'REVERSED' and p.allocated_minor <> 0)
          union all
          select 'invoice ' || i.id from invoices i
            where i.paid_minor <> coalesce((select sum(a.amount_minor) from allocations a where a.invoice_id = i.id and a.undone_at is null), 0)
               or i.paid_minor > i.total_minor`,
    );
    expect(broken).toEqual([]);
  });

  it('50 payments allocated at once to one invoice never allocate more than it owes; 50 issues get 50 consecutive numbers', async () => {
    const busyRef = await readReference(busy, busyOrg.adminToken);
    const busyFlows = flows(() => ({ server: busy, token: busyOrg.adminToken, ref: busyRef }));
    const customerId = await busyFlows.createCustomer('Rush Ltd');
    const method = (await busyFlows.gql(`{ paymentMethods { id } }`)).paymentMethods[0].id;
    const invoice = await busyFlows.mutate(
      'createInvoice',
      { customerId, lines: [{ description: 'Big job', quantity: '1', unitPriceMinor: 20_000 }] },
      'invoice { id }',
    );
    await busyFlows.mutate('issueInvoice', { id: invoice.invoice.id }, 'invoice { id }');
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        busy.graphql(
          `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { payment { id } ${ERRORS} } }`,
          { input: { customerId, methodId: method, amount: { amountMinor: 1_000 }, allocations: [{ invoiceId: invoice.invoice.id, amountMinor: 1_000 }] } },
          busyOrg.adminToken,
        ),
      ),
    );
    expect(answers.every((a) => a.errors === undefined)).toBe(true);
    const made = answers.filter((a) => a.data!.recordPayment.payment);
    expect(made).toHaveLength(20);
    for (const refused of answers.filter((a) => !a.data!.recordPayment.payment)) {
      expect(refused.data!.recordPayment.userErrors[0].field[0]).toBe('input');
    }
    const state = await busy.graphql(
      `query($id: ID!) { node(id: $id) { ... on Invoice { status paid { amountMinor } } } }`,
      { id: invoice.invoice.id },
      busyOrg.adminToken,
    );
    expect(state.data!.node).toEqual({ status: 'PAID', paid: { amountMinor: 20_000 } });

    const drafts = [];
    for (let i = 0; i < 50; i++) {
      drafts.push(
        (await busyFlows.mutate('createInvoice', { customerId, lines: [{ description: `Job ${i}`, quantity: '1', unitPriceMinor: 100 }] }, 'invoice { id }'))
          .invoice.id,
      );
    }
    const issued = await Promise.all(
      drafts.map((id) =>
        busy.graphql(
          `mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { number } ${ERRORS} } }`,
          { input: { id } },
          busyOrg.adminToken,
        ),
      ),
    );
    const numbers = issued.map((a) => a.data!.issueInvoice.invoice.number as number).sort((a, b) => a - b);
    // Distinct and consecutive, following the numbers issued before.
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => numbers[0]! + i));
    const [before] = await selectRows<{ n: number }>(
      busy.database.db,
      sql`select count(*)::int as n from invoices where organisation_id = ${busyOrg.organisationId} and number < ${numbers[0]!}`,
    );
    expect(numbers[0]).toBe(before!.n + 1);
  });
});
