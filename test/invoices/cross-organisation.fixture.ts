// The invoice addresses' twin records for test/auth/cross-organisation.test.ts: an invoice address of
// the customer, and a draft invoice addressed to it.
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

const ERRORS = 'userErrors { code field message }';

export async function populate({ make, customerId, workAddressId }: FixtureRecords): Promise<void> {
  const created = await make(`mutation($input: CreateInvoiceAddressInput!) { createInvoiceAddress(input: $input) { invoiceAddress { id } ${ERRORS} } }`, {
    customerId,
    name: 'Twin Insurance',
    line1: '3 Twin Rd',
    postcode: 'TW1 2NS',
    reference: 'Twin claim',
  });
  await make(`mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } ${ERRORS} } }`, {
    customerId,
    invoiceAddressId: created.invoiceAddress.id,
    workAddressId,
    lines: [{ description: 'Twin repair', quantity: '1', unitPriceMinor: 2500 }],
  });
}
