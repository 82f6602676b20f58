// The money workflows are all-or-nothing, like the conversions (test/conversions/atomicity.test.ts,
// whose harness this uses: test/helpers/atomicity.ts). Each is failed for real, in PostgreSQL, at its
// last write and at writes before it — the number taken, a second allocation, the figures the
// allocations' trigger moves, the idempotency key's stored result — and every table must then be as
// it was (no number used up, no allocation half made, no invoice owing less), the client must see a
// bare INTERNAL_SERVER_ERROR, and the same call must then succeed.
import { auditEntryOf, describeAtomicity, idempotencyKeyResult, type AtomicityCase, type MutationAttempt } from '../helpers/atomicity';
import { flows } from '../helpers/flows';
import { readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let cash: string;

beforeAll(async () => {
  // Production mode: what a real client gets when a mutation fails unexpectedly.
  server = await startTestServer({ NODE_ENV: 'production' });
  org = await createTestOrganisation(server);
  ref = await readReference(server, org.adminToken);
  cash = (await gql(`{ paymentMethods { id name } }`)).paymentMethods.find((m: { name: string }) => m.name === 'Cash').id;
});
afterAll(() => server.close());

const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const USER_ERRORS = 'userErrors { field code message }';

let made = 0;
/** A unique suffix for names and idempotency keys: every case builds its own records. */
const unique = () => `${++made}`;

const attempt = (mutation: string, selection: string, input: Record<string, unknown>): MutationAttempt => {
  const type = mutation[0]!.toUpperCase() + mutation.slice(1) + 'Input';
  return {
    query: `mutation($input: ${type}!) { ${mutation}(input: $input) { ${selection} ${USER_ERRORS} } }`,
    field: mutation,
    variables: { input: { ...input, idempotencyKey: `${mutation}-${unique()}` } },
    token: org.adminToken,
  };
};

const customer = () => createCustomer(`Atomic Money ${unique()} Ltd`);

/** A draft of two lines (100.00 + 20% and 50.00): 170.00. */
async function draft(customerId: string): Promise<string> {
  const created = await mutate(
    'createInvoice',
    {
      customerId,
      lines: [
        { description: 'Labour', quantity: '1', unitPriceMinor: 10_000, taxRatePercent: 20, category: 'Labour' },
        { description: 'Valve', quantity: '1', unitPriceMinor: 5_000, category: 'Parts' },
      ],
    },
    'invoice { id }',
  );
  return created.invoice.id;
}

async function issued(customerId: string): Promise<string> {
  const id = await draft(customerId);
  await mutate('issueInvoice', { id }, 'invoice { id }');
  return id;
}

/** A payment of `amountMinor` allocated as given; returns its id. */
async function payment(customerId: string, amountMinor: number, allocations: Array<{ invoiceId: string; amountMinor: number }> = []): Promise<string> {
  const paid = await mutate('recordPayment', { customerId, methodId: cash, amount: { amountMinor }, allocations }, 'payment { id }');
  return paid.payment.id;
}

const ALLOCATION_WRITES = ['allocations', 'invoices', 'audit_entries', 'idempotency_keys'];

const cases: AtomicityCase[] = [
  {
    workflow: 'issueInvoice',
    arrange: async () => attempt('issueInvoice', 'invoice { id number }', { id: await draft(await customer()) }),
    failAt: {
      'its invoice.issue audit entry (its last write)': auditEntryOf('invoice.issue'),
      'the number taken': { table: 'number_sequences' },
    },
    writes: ['invoices', 'number_sequences', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'recordPayment with allocations to two invoices',
    arrange: async () => {
      const customerId = await customer();
      const [first, second] = [await issued(customerId), await issued(customerId)];
      return attempt('recordPayment', 'payment { id allocated { amountMinor } }', {
        customerId,
        methodId: cash,
        amount: { amountMinor: 30_000 },
        allocations: [
          { invoiceId: first, amountMinor: 17_000 },
          { invoiceId: second, amountMinor: 10_000 },
        ],
      });
    },
    failAt: {
      "the second allocation's audit entry (its last write)": auditEntryOf('allocation.create', 1),
      "the second invoice's figures, moved by the allocations' trigger": { table: 'invoices', op: 'UPDATE', afterRows: 1 },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['payments', ...ALLOCATION_WRITES],
  },
  {
    workflow: 'allocatePayment to two invoices',
    arrange: async () => {
      const customerId = await customer();
      const [first, second] = [await issued(customerId), await issued(customerId)];
      return attempt('allocatePayment', 'payment { id unallocated { amountMinor } }', {
        paymentId: await payment(customerId, 20_000),
        allocations: [
          { invoiceId: first, amountMinor: 5_000 },
          { invoiceId: second, amountMinor: 15_000 },
        ],
      });
    },
    failAt: {
      "the second allocation's audit entry (its last write)": auditEntryOf('allocation.create', 1),
      "the payment's allocated figure, on the second allocation": { table: 'payments', op: 'UPDATE', afterRows: 1 },
    },
    writes: ['payments', ...ALLOCATION_WRITES],
  },
  {
    workflow: 'createCreditNote against an invoice, allocated to it at once',
    arrange: async () => {
      const customerId = await customer();
      const invoiceId = await issued(customerId);
      await payment(customerId, 2_000, [{ invoiceId, amountMinor: 2_000 }]);
      return attempt('createCreditNote', 'creditNote { id allocated { amountMinor } unallocated { amountMinor } }', {
        invoiceId,
        reason: 'Work not done',
        allocateToInvoice: true,
      });
    },
    failAt: {
      "its allocation's audit entry (its last write)": auditEntryOf('allocation.create'),
      'the second line copied from the invoice': { table: 'credit_note_lines', afterRows: 1 },
      'the number taken': { table: 'number_sequences' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['credit_notes', 'credit_note_lines', 'number_sequences', ...ALLOCATION_WRITES],
  },
  {
    workflow: 'allocateCreditNote to two invoices',
    arrange: async () => {
      const customerId = await customer();
      const [first, second] = [await issued(customerId), await issued(customerId)];
      const note = await mutate(
        'createCreditNote',
        { customerId, reason: 'Goodwill', lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 10_000 }] },
        'creditNote { id }',
      );
      return attempt('allocateCreditNote', 'creditNote { id unallocated { amountMinor } }', {
        creditNoteId: note.creditNote.id,
        allocations: [
          { invoiceId: first, amountMinor: 4_000 },
          { invoiceId: second, amountMinor: 6_000 },
        ],
      });
    },
    failAt: {
      "the second allocation's audit entry (its last write)": auditEntryOf('allocation.create', 1),
      "the credit note's allocated figure, on the second allocation": { table: 'credit_notes', op: 'UPDATE', afterRows: 1 },
    },
    writes: ['credit_notes', ...ALLOCATION_WRITES],
  },
  {
    workflow: 'reversePayment allocated to two invoices',
    arrange: async () => {
      const customerId = await customer();
      const [first, second] = [await issued(customerId), await issued(customerId)];
      const paymentId = await payment(customerId, 25_000, [
        { invoiceId: first, amountMinor: 17_000 },
        { invoiceId: second, amountMinor: 8_000 },
      ]);
      return attempt('reversePayment', 'payment { id status }', { id: paymentId, reason: 'Cheque bounced' });
    },
    failAt: {
      "the second allocation's allocation.undo audit entry (its last write)": auditEntryOf('allocation.undo', 1),
      'the payment marked REVERSED': { table: 'payments', op: 'UPDATE', when: `new.status = 'REVERSED'` },
      'the second allocation undone': { table: 'allocations', op: 'UPDATE', afterRows: 1 },
    },
    writes: ['payments', ...ALLOCATION_WRITES],
  },
  {
    workflow: 'voidInvoice',
    arrange: async () => attempt('voidInvoice', 'invoice { id status }', { id: await issued(await customer()), reason: 'Raised in error' }),
    failAt: {
      'its invoice.void audit entry (its last write)': auditEntryOf('invoice.void'),
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['invoices', 'audit_entries', 'idempotency_keys'],
  },
];

describeAtomicity(cases, () => server);
