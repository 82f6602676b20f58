// The demo organisation's money (src/finance/demo.ts): its first customers have a finance tab that
// looks like a real one in GraphiQL — balances owing, overdue and in credit; invoices paid, part-paid,
// owing and a draft; a bounced (reversed) payment; credit notes against an invoice and on account;
// dated as it happened over the last months — and each customer's statement agrees with its balance
// and ledger.
import { createDemoOrganisation, issueDemoTokens } from '../../src/demo/demo-organisation';
import { flows } from '../helpers/flows';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  await createDemoOrganisation(server.database.db, { customers: 12, leads: 5 });
  token = (await issueDemoTokens(server.database.db)).find((d) => d.role === 'ADMIN')!.token;
});
afterAll(() => server.close());

const { gql } = flows(() => ({ server, token }));

type Tab = {
  name: string;
  balance: { balance: { amountMinor: number }; overdue: { amountMinor: number }; accountCredit: { amountMinor: number } };
  ledger: { totalCount: number; nodes: Array<{ kind: string; date: string; balance: { amountMinor: number } }> };
  statement: { lines: Array<{ open: { amountMinor: number } }> };
  invoices: { nodes: Array<{ status: string }> };
  creditNotes: { nodes: Array<{ invoice: { id: string } | null; allocated: { amountMinor: number } }> };
};

it('gives the first customers a finance tab with every kind of money on it, each statement agreeing with its balance and ledger', async () => {
  const tabs: Tab[] = (
    await gql(`{ customers(first: 20) { nodes { name
      balance { balance { amountMinor } overdue { amountMinor } accountCredit { amountMinor } }
      ledger(last: 100) { totalCount nodes { kind date balance { amountMinor } } }
      statement { lines { open { amountMinor } } }
      invoices(first: 20) { nodes { status } }
      creditNotes(first: 10) { nodes { invoice { id } allocated { amountMinor } } } } } }`)
  ).customers.nodes;
  const withMoney = tabs.filter((t) => t.ledger.totalCount > 0);
  expect(withMoney.length).toBeGreaterThanOrEqual(8);

  // Owing, overdue and in credit.
  expect(withMoney.filter((t) => t.balance.balance.amountMinor > 0).length).toBeGreaterThanOrEqual(5);
  expect(withMoney.some((t) => t.balance.overdue.amountMinor > 0)).toBe(true);
  expect(withMoney.some((t) => t.balance.balance.amountMinor < 0)).toBe(true);
  expect(withMoney.some((t) => t.balance.accountCredit.amountMinor > 0 && t.balance.balance.amountMinor > 0)).toBe(true);

  const statuses = new Set(withMoney.flatMap((t) => t.invoices.nodes.map((i) => i.status)));
  expect([...statuses].sort()).toEqual(['DRAFT', 'ISSUED', 'PAID', 'PART_PAID']);
  const kinds = new Set(withMoney.flatMap((t) => t.ledger.nodes.map((e) => e.kind)));
  for (const kind of ['INVOICE_ISSUED', 'PAYMENT_RECEIVED', 'ALLOCATION', 'PAYMENT_REVERSED', 'ALLOCATION_UNDONE', 'CREDIT_NOTE_ISSUED']) {
    expect({ kind, present: kinds.has(kind) }).toEqual({ kind, present: true });
  }
  // Dated as it happened, over the last months: payments allocated on the days they came in (one
  // customer's on one later day), the cheque reversed a week after it was paid in.
  const entries = withMoney.flatMap((t) => t.ledger.nodes);
  const today = new Date().toISOString().slice(0, 10);
  const monthsAgo = new Date(Date.now() - 120 * 86_400_000).toISOString().slice(0, 10);
  expect(entries.some((e) => e.kind === 'INVOICE_ISSUED' && e.date < monthsAgo)).toBe(true);
  expect(entries.filter((e) => e.kind === 'ALLOCATION' && e.date === today)).toEqual([]);
  expect(entries.filter((e) => e.kind === 'PAYMENT_REVERSED').map((e) => e.date < today)).toEqual([true]);
  for (const tab of withMoney) {
    const received = new Set(tab.ledger.nodes.filter((e) => e.kind === 'PAYMENT_RECEIVED' || e.kind === 'CREDIT_NOTE_ISSUED').map((e) => e.date));
    const later = new Set(tab.ledger.nodes.filter((e) => e.kind === 'ALLOCATION' && !received.has(e.date)).map((e) => e.date));
    expect(later.size).toBeLessThanOrEqual(1);
  }

  const notes = withMoney.flatMap((t) => t.creditNotes.nodes);
  // One against an invoice and allocated to it, one on account and not.
  expect(notes.some((n) => n.invoice !== null && n.allocated.amountMinor > 0)).toBe(true);
  expect(notes.some((n) => n.invoice === null && n.allocated.amountMinor === 0)).toBe(true);

  for (const tab of withMoney) {
    const open = tab.statement.lines.reduce((sum, l) => sum + l.open.amountMinor, 0);
    const ledgerEnd = tab.ledger.nodes[tab.ledger.nodes.length - 1]!.balance.amountMinor;
    expect({ name: tab.name, statement: open, ledger: ledgerEnd }).toEqual({
      name: tab.name,
      statement: tab.balance.balance.amountMinor,
      ledger: tab.balance.balance.amountMinor,
    });
  }
});
