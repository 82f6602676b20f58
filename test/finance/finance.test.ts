// A customer's finance tab (docs/domain.md#balances-and-the-ledger): the balance as of a date with
// its aging, overdue amount, debt age, account credit and credit limit; the ledger with its running
// balance; and a page of customers with their balances in as many SQL statements for 50 as for 5.
import { addDays, today } from '../../src/invoices/payer';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import type { TestOrganisation, TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let cash: string;

const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const BALANCE = `asOf currency outstanding { amountMinor } overdue { amountMinor } accountCredit { amountMinor } balance { amountMinor }
  creditLimit { amountMinor } creditLimitRemaining { amountMinor } debtAgeDays aging { label amount { amountMinor } }
  lastPayment { receivedOn amount { amountMinor } } salesThisYear { amountMinor } salesLifetime { amountMinor }`;

async function invoice(customerId: string, issueDate: string, unitPriceMinor: number): Promise<string> {
  const created = await mutate('createInvoice', { customerId, lines: [{ description: 'Work', quantity: '1', unitPriceMinor }] }, 'invoice { id }');
  await mutate('issueInvoice', { id: created.invoice.id, issueDate }, 'invoice { id }');
  return created.invoice.id;
}

async function balance(customerId: string, asOf?: string) {
  return (await gql(`query($id: ID!, $asOf: Date) { customer(id: $id) { balance(asOf: $asOf) { ${BALANCE} } } }`, { id: customerId, asOf })).customer.balance;
}

// Dates relative to today: an allocation counts from when it is made (today), so "as of today" is the
// one date at which the payment below stands allocated.
const asOf = today();
const day = (daysAgo: number) => addDays(asOf, -daysAgo);

const amounts = (aging: Array<{ label: string; amount: { amountMinor: number } }>) => Object.fromEntries(aging.map((b) => [b.label, b.amount.amountMinor]));

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  cash = (await gql(`{ paymentMethods { id name } }`)).paymentMethods.find((m: { name: string }) => m.name === 'Cash').id;
});
afterAll(() => server.close());

it('works out outstanding, overdue, aging, debt age, account credit and the credit limit as of a date', async () => {
  const customerId = await createCustomer('Aged Ltd', { overrides: { creditorDays: 30, creditLimit: { amountMinor: 100_000 } } });
  // Issued 183, 77 and 11 days ago.
  const issued: Array<[daysAgo: number, amountMinor: number]> = [
    [183, 40_000],
    [77, 20_000],
    [11, 10_000],
  ];
  const invoiceIds: string[] = [];
  for (const [daysAgo, amountMinor] of issued) invoiceIds.push(await invoice(customerId, day(daysAgo), amountMinor));
  const old = invoiceIds[0]!;
  const draft = await mutate('createInvoice', { customerId, lines: [{ description: 'Draft', quantity: '1', unitPriceMinor: 99_999 }] }, 'invoice { id }');
  expect(draft.invoice.id).toBeTruthy();
  await mutate(
    'recordPayment',
    { customerId, methodId: cash, amount: { amountMinor: 25_000 }, receivedOn: day(6), allocations: [{ invoiceId: old, amountMinor: 15_000 }] },
    'payment { id }',
  );
  await mutate(
    'createCreditNote',
    { customerId, reason: 'Goodwill', issueDate: day(5), lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 5_000 }] },
    'creditNote { id }',
  );

  const now = await balance(customerId, asOf);
  // Sales this year: the invoices issued in the calendar year of asOf.
  const thisYear = issued.filter(([daysAgo]) => day(daysAgo).slice(0, 4) === asOf.slice(0, 4)).reduce((sum, [, amountMinor]) => sum + amountMinor, 0);
  expect(now).toMatchObject({
    asOf,
    currency: 'GBP',
    outstanding: { amountMinor: 25_000 + 20_000 + 10_000 },
    overdue: { amountMinor: 25_000 + 20_000 },
    accountCredit: { amountMinor: 10_000 + 5_000 },
    balance: { amountMinor: 55_000 - 15_000 },
    creditLimit: { amountMinor: 100_000 },
    creditLimitRemaining: { amountMinor: 60_000 },
    debtAgeDays: 183,
    lastPayment: { receivedOn: day(6), amount: { amountMinor: 25_000 } },
    salesThisYear: { amountMinor: thisYear },
    salesLifetime: { amountMinor: 70_000 },
  });
  expect(amounts(now.aging)).toEqual({ '0-30': 10_000, '31-60': 0, '61-90': 20_000, '90+': 25_000 });
  // Balance = issued − credited − paid.
  expect(now.balance.amountMinor).toBe(70_000 - 5_000 - 25_000);

  // Before the payment, the credit note and the last invoice: as the ledger stood then.
  const earlier = await balance(customerId, day(61));
  expect(earlier).toMatchObject({ outstanding: { amountMinor: 60_000 }, accountCredit: { amountMinor: 0 }, lastPayment: null, debtAgeDays: 122 });
  expect(amounts(earlier.aging)).toEqual({ '0-30': 20_000, '31-60': 0, '61-90': 0, '90+': 40_000 });
});

it('keeps a ledger, oldest first, with a running balance that is right on every page', async () => {
  const customerId = await createCustomer('Ledger Ltd');
  const first = await invoice(customerId, '2026-10-01', 10_000);
  const paid = await mutate(
    'recordPayment',
    { customerId, methodId: cash, amount: { amountMinor: 4_000 }, receivedOn: '2026-10-05', allocations: [{ invoiceId: first, amountMinor: 4_000 }] },
    'payment { id }',
  );
  await mutate('reversePayment', { id: paid.payment.id, reason: 'Bounced' }, 'payment { id }');
  const LEDGER = `query($id: ID!, $after: String) { customer(id: $id) { ledger(first: 3, after: $after) { totalCount
    pageInfo { hasNextPage endCursor } nodes { kind date effect { amountMinor } balance { amountMinor } amount { amountMinor } invoice { id } payment { id } } } } }`;
  const one = (await gql(LEDGER, { id: customerId })).customer.ledger;
  expect(one.totalCount).toBe(5);
  const two = (await gql(LEDGER, { id: customerId, after: one.pageInfo.endCursor })).customer.ledger;
  expect(two.pageInfo.hasNextPage).toBe(false);
  const entries = [...one.nodes, ...two.nodes].map((e: any) => [e.kind, e.effect.amountMinor, e.balance.amountMinor]);
  expect(entries).toEqual([
    ['INVOICE_ISSUED', 10_000, 10_000],
    ['PAYMENT_RECEIVED', -4_000, 6_000],
    ['ALLOCATION', 0, 6_000],
    ['ALLOCATION_UNDONE', 0, 6_000],
    ['PAYMENT_REVERSED', 4_000, 10_000],
  ]);
  expect((await balance(customerId)).balance).toEqual({ amountMinor: 10_000 });
});

it('costs as many SQL statements for a page of 50 customers with their balances as for a page of 5', async () => {
  for (let i = 0; i < 50; i++) {
    const id = await createCustomer(`Page ${String(i).padStart(2, '0')} Ltd`);
    if (i % 10 === 0) await invoice(id, '2026-11-01', 1_000 + i);
  }
  const PAGE = `query($first: Int!) { customers(first: $first) { nodes { id balance { ${BALANCE} } } } }`;
  const five = await server.graphql(PAGE, { first: 5 }, org.adminToken);
  const fifty = await server.graphql(PAGE, { first: 50 }, org.adminToken);
  expect(five.errors).toBeUndefined();
  expect(fifty.errors).toBeUndefined();
  expect(fifty.data!.customers.nodes).toHaveLength(50);
  expect(fifty.statements).toBe(five.statements);
});
