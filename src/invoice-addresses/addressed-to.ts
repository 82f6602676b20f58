// Who and where an invoice is addressed to, as lines (docs/domain.md#invoice-addresses): its invoice
// address laid out by the organisation's format, or the customer's name and billing address. Read
// through the request's loaders, so a page of invoices costs a few batched queries; the GraphQL field
// `Invoice.addressedTo` and the invoice PDF (src/statements/http.ts) both use this.
import type { AddressRow } from '../addresses/tables';
import { viewerOf, type Context } from '../graph/context';
import type { InvoiceRow } from '../invoices/tables';
import { billingAddress } from './billing';
import { CUSTOMER_ADDRESS_FORMAT, DEFAULT_INVOICE_ADDRESS_FORMAT, countryName, renderAddress, type AddressValues } from './format';
import type { InvoiceAddressRow } from './tables';

/** The organisation's invoice address format: its own, or the default. */
export function invoiceAddressFormatOf(ctx: Context): string {
  return viewerOf(ctx).organisation.invoiceAddressFormat ?? DEFAULT_INVOICE_ADDRESS_FORMAT;
}

/** The lines for a customer's invoices addressed to `recipient` (null: to the customer itself). */
export async function addressLines(ctx: Context, customerId: string, recipient: InvoiceAddressRow | null): Promise<string[]> {
  const { locale } = viewerOf(ctx).organisation;
  const [customer, address] = await Promise.all([ctx.loaders.byId('Customer').load(customerId), billingAddress(ctx, customerId)]);
  const postal = (a: Pick<AddressRow, 'line1' | 'line2' | 'line3' | 'town' | 'county' | 'postcode' | 'country'>) => ({
    line1: a.line1,
    line2: a.line2,
    line3: a.line3,
    town: a.town,
    county: a.county,
    postcode: a.postcode,
    country: countryName(a.country, locale),
  });
  const values: AddressValues = {
    recipient: recipient ? { ...postal(recipient), name: recipient.name, reference: recipient.reference } : null,
    customer: { name: customer?.name ?? '' },
    customerAddress: address ? postal(address) : null,
  };
  return renderAddress(recipient ? invoiceAddressFormatOf(ctx) : CUSTOMER_ADDRESS_FORMAT, values);
}

/** The lines an invoice is addressed with. */
export async function addressedTo(ctx: Context, invoice: InvoiceRow): Promise<string[]> {
  const recipient = invoice.invoiceAddressId ? await ctx.loaders.byId('InvoiceAddress').load(invoice.invoiceAddressId) : null;
  return addressLines(ctx, invoice.customerId, recipient);
}
