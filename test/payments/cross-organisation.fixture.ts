// The money areas' twin records for test/auth/cross-organisation.test.ts: an invoice written and
// issued through the API, a payment allocated to it, and a credit note against it, allocated too.
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

const ERRORS = 'userErrors { code field message }';

export async function populate({ make, customerId }: FixtureRecords): Promise<void> {
  const created = await make(`mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } ${ERRORS} } }`, {
    customerId,
    lines: [{ description: 'Twin service', quantity: '2', unitPriceMinor: 5000, taxRatePercent: 20, category: 'Labour' }],
  });
  const invoiceId = created.invoice.id;
  await make(`mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } ${ERRORS} } }`, { id: invoiceId, issueDate: '2026-11-02' });
  const methods = await make(`mutation($input: CreatePaymentMethodInput!) { createPaymentMethod(input: $input) { paymentMethod { id } ${ERRORS} } }`, {
    name: 'Twin wallet',
  });
  await make(`mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { payment { id } ${ERRORS} } }`, {
    customerId,
    methodId: methods.paymentMethod.id,
    amount: { amountMinor: 5000 },
    allocations: [{ invoiceId, amountMinor: 4000 }],
  });
  await make(`mutation($input: CreateCreditNoteInput!) { createCreditNote(input: $input) { creditNote { id } ${ERRORS} } }`, {
    invoiceId,
    reason: 'Twin goodwill',
    lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 1000 }],
    allocateToInvoice: true,
  });
}
