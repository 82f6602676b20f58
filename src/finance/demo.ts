// The demo organisation's money, so a customer's finance tab (balance, ledger, statement) looks like a
// real one in GraphiQL: for the first customers by name, invoices issued over the last months, paid
// on time, late, in part or not yet; payments with their allocations, one made later, one left on
// account and one cheque that bounced (reversed); a credit note against an invoice and allocated to
// it, and one on account; a draft. Everything goes through the services, as the API would write it,
// with dates relative to today, by a system actor whose `recordedAt` is the day each thing happened,
// so the ledger and the balance as of any past date read like the history they tell.
import { faker } from '@faker-js/faker';
import { asc, eq } from 'drizzle-orm';
import { systemActor, type SystemActor } from '../auth/actor';
import { createCreditNote } from '../credit-notes/service';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { toGlobalId } from '../graph/ids';
import { addDays, today } from '../invoices/payer';
import type { InvoiceRow } from '../invoices/tables';
import { raiseInvoice } from '../invoices/write';
import { allocatePayment, recordPayment, reversePayment } from '../payments/service';
import { paymentMethods } from '../payments/tables';

const WORK = ['Annual boiler service', 'Gas safety certificate', 'Replace thermostat', 'Emergency call-out', 'Radiator flush', 'Replace diverter valve'];

type Method = 'Bank transfer' | 'Card' | 'Cheque' | 'Cash';

/** The customer histories, one per customer (the first ones by name), as far as there are customers. */
const histories: Array<(h: History) => Promise<void>> = [
  // Pays every invoice about two weeks after it is issued; the newest is not due yet.
  async (h) => {
    for (const daysAgo of [150, 120, 90, 60, 30]) {
      const invoice = await h.invoice(daysAgo);
      await h.pay(daysAgo - 14, 'Bank transfer', invoice.totalMinor, [[invoice, invoice.totalMinor]]);
    }
    await h.invoice(5);
  },
  // Pays late and in part: one invoice paid, one half paid, two owing (one of them overdue).
  async (h) => {
    const paid = await h.invoice(160);
    await h.pay(135, 'Bank transfer', paid.totalMinor, [[paid, paid.totalMinor]]);
    const half = await h.invoice(115);
    const part = Math.round(half.totalMinor / 2);
    await h.pay(80, 'Bank transfer', part, [[half, part]]);
    await h.invoice(75);
    await h.invoice(20);
  },
  // Paid by cheque, which bounced: the payment is reversed and the invoice owes again.
  async (h) => {
    const invoice = await h.invoice(100);
    const cheque = await h.pay(70, 'Cheque', invoice.totalMinor, [[invoice, invoice.totalMinor]]);
    await reversePayment(h.db, h.at(62), cheque, { id: toGlobalId('Payment', cheque), reason: 'Cheque returned unpaid by the bank' });
    await h.invoice(45);
  },
  // Overcharged labour credited against the invoice (allocated to it at once), the rest paid by card.
  async (h) => {
    const invoice = await h.invoice(80);
    const { creditNote } = await createCreditNote(h.db, h.at(72), {
      invoiceId: toGlobalId('Invoice', invoice.id),
      reason: 'Labour overcharged: one hour too many',
      issueDate: h.day(72),
      breakdown: 'FULL',
      allocateToInvoice: true,
      lines: [{ description: 'Labour (hours)', quantity: '1', unitPriceMinor: 4_500, taxRatePercent: 20, category: 'Labour' }],
    });
    const rest = invoice.totalMinor - creditNote.totalMinor;
    await h.pay(65, 'Card', rest, [[invoice, rest]]);
    const next = await h.invoice(50);
    await h.pay(30, 'Card', 5_000, [[next, 5_000]]);
  },
  // A goodwill credit note on account, not yet set against anything.
  async (h) => {
    const invoice = await h.invoice(130);
    await h.pay(110, 'Bank transfer', invoice.totalMinor, [[invoice, invoice.totalMinor]]);
    await createCreditNote(h.db, h.at(35), {
      customerId: toGlobalId('Customer', h.customerId),
      reason: 'Goodwill: missed appointment',
      issueDate: h.day(35),
      breakdown: 'NONE',
      lines: [{ description: 'Goodwill credit', quantity: '1', unitPriceMinor: 2_500, taxRatePercent: 0 }],
    });
    await h.invoice(40);
  },
  // Paid up, and a deposit paid on account for the next job: the customer is in credit.
  async (h) => {
    const invoice = await h.invoice(55);
    await h.pay(40, 'Bank transfer', invoice.totalMinor, [[invoice, invoice.totalMinor]]);
    await h.pay(10, 'Bank transfer', 15_000, []);
  },
  // One payment for two invoices, recorded first and allocated later.
  async (h) => {
    const first = await h.invoice(95);
    const second = await h.invoice(65);
    const payment = await h.pay(50, 'Bank transfer', first.totalMinor + second.totalMinor, []);
    await allocatePayment(h.db, h.at(45), payment, {
      paymentId: toGlobalId('Payment', payment),
      allocations: [
        { invoiceId: toGlobalId('Invoice', first.id), amountMinor: first.totalMinor },
        { invoiceId: toGlobalId('Invoice', second.id), amountMinor: second.totalMinor },
      ],
    });
  },
  // A new customer: one invoice just issued, the next still a draft.
  async (h) => {
    const invoice = await h.invoice(3);
    await h.pay(1, 'Cash', 2_000, [[invoice, 2_000]]);
    await h.invoice(null);
  },
];

type History = {
  db: Db;
  /** The system actor recording what happened `daysAgo` (at noon, UTC). */
  at(daysAgo: number): SystemActor;
  customerId: string;
  day(daysAgo: number): string;
  /** An invoice of a job or two issued `daysAgo` (a draft when null). */
  invoice(daysAgo: number | null): Promise<InvoiceRow>;
  /** A payment received `daysAgo`, allocated at once as given; returns its id. */
  pay(daysAgo: number, method: Method, amountMinor: number, allocations: Array<[InvoiceRow, number]>): Promise<string>;
};

export async function createDemoFinance(db: Db, organisationId: string): Promise<void> {
  const day = (daysAgo: number) => addDays(today(), -daysAgo);
  const actor = systemActor(organisationId, 'demo finance');
  const at = (daysAgo: number): SystemActor => ({ ...actor, recordedAt: new Date(Math.min(Date.parse(`${day(daysAgo)}T12:00:00Z`), Date.now())) });
  const methods = new Map(
    (await db.select().from(paymentMethods).where(eq(paymentMethods.organisationId, organisationId))).map((m) => [m.name, toGlobalId('PaymentMethod', m.id)]),
  );
  const first = await db
    .select({ id: customers.id })
    .from(customers)
    .where(eq(customers.organisationId, organisationId))
    .orderBy(asc(customers.name))
    .limit(histories.length);
  let reference = 4100;
  for (const [i, { id: customerId }] of first.entries()) {
    const history: History = {
      db,
      at,
      customerId,
      day,
      invoice: (daysAgo) => {
        const lines = [
          {
            description: faker.helpers.arrayElement(WORK),
            quantityMilli: 1000,
            unitPriceMinor: faker.number.int({ min: 60, max: 240 }) * 100,
            taxRateBp: 2000,
            category: 'Work',
          },
          {
            description: 'Labour (hours)',
            quantityMilli: faker.helpers.arrayElement([1000, 1500, 2000, 3000]),
            unitPriceMinor: 4_500,
            taxRateBp: 2000,
            category: 'Labour',
          },
        ];
        if (faker.datatype.boolean(0.4))
          lines.push({
            description: 'Parts',
            quantityMilli: 1000,
            unitPriceMinor: faker.number.int({ min: 15, max: 90 }) * 100,
            taxRateBp: 2000,
            category: 'Parts',
          });
        return raiseInvoice(db, at(daysAgo ?? 0), { customerId, lines, ...(daysAgo === null ? {} : { issueDate: day(daysAgo) }) });
      },
      pay: async (daysAgo, method, amountMinor, allocations) => {
        const prefix = { 'Bank transfer': 'BACS', Card: 'CARD', Cheque: 'CHQ', Cash: 'CASH' }[method];
        const { payment } = await recordPayment(db, at(daysAgo), {
          customerId: toGlobalId('Customer', customerId),
          methodId: methods.get(method)!,
          amount: { amountMinor },
          receivedOn: day(daysAgo),
          reference: `${prefix} ${reference++}`,
          nominalAccount: '1200',
          allocations: allocations.map(([invoice, amount]) => ({ invoiceId: toGlobalId('Invoice', invoice.id), amountMinor: amount })),
        });
        return payment.id;
      },
    };
    await histories[i]!(history);
  }
}
