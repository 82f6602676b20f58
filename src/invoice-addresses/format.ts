// The organisation's invoice address format (docs/domain.md#invoice-addresses): a template of lines
// with tags in square brackets, e.g.
//
//   [landlord_name] c/o [customer_name]
//   [customer_address_line_1]
//   [customer_postcode]
//
// Rendering replaces each tag with its value; a line whose tags are all blank is left out, and no
// blank line is left over. Tags are matched without regard to case; an unknown tag is refused when
// the template is set, so a template in use never holds one. Pure functions: the callers read the
// values (./addressed-to.ts).

/** What a template is filled in from: the invoice address (if any), the customer and its billing address. */
export type AddressValues = {
  recipient: {
    name: string;
    line1: string;
    line2: string | null;
    line3: string | null;
    town: string | null;
    county: string | null;
    postcode: string | null;
    country: string | null;
    reference: string | null;
  } | null;
  customer: { name: string };
  customerAddress: {
    line1: string;
    line2: string | null;
    line3: string | null;
    town: string | null;
    county: string | null;
    postcode: string | null;
    country: string | null;
  } | null;
};

type Tag = { description: string; value: (v: AddressValues) => string | null | undefined };

/** Every tag a template may use, with what it stands for (listed by `Organisation.invoiceAddressTags`). */
export const ADDRESS_TAGS: Readonly<Record<string, Tag>> = {
  recipient_name: { description: "The invoice address's name: who the invoice is addressed to (the landlord, the insurer).", value: (v) => v.recipient?.name },
  landlord_name: { description: 'The same as [recipient_name], for templates written for landlords.', value: (v) => v.recipient?.name },
  address_line_1: { description: "The invoice address's first line.", value: (v) => v.recipient?.line1 },
  address_line_2: { description: "The invoice address's second line.", value: (v) => v.recipient?.line2 },
  address_line_3: { description: "The invoice address's third line.", value: (v) => v.recipient?.line3 },
  town: { description: "The invoice address's town.", value: (v) => v.recipient?.town },
  county: { description: "The invoice address's county.", value: (v) => v.recipient?.county },
  postcode: { description: "The invoice address's postcode.", value: (v) => v.recipient?.postcode },
  country: { description: "The invoice address's country, by name.", value: (v) => v.recipient?.country },
  reference: { description: "The invoice address's reference (a claim number, a tenancy reference).", value: (v) => v.recipient?.reference },
  customer_name: { description: "The customer's name (the payer).", value: (v) => v.customer.name },
  customer_address_line_1: { description: "The first line of the customer's billing address.", value: (v) => v.customerAddress?.line1 },
  customer_address_line_2: { description: "The second line of the customer's billing address.", value: (v) => v.customerAddress?.line2 },
  customer_address_line_3: { description: "The third line of the customer's billing address.", value: (v) => v.customerAddress?.line3 },
  customer_town: { description: "The town of the customer's billing address.", value: (v) => v.customerAddress?.town },
  customer_county: { description: "The county of the customer's billing address.", value: (v) => v.customerAddress?.county },
  customer_postcode: { description: "The postcode of the customer's billing address.", value: (v) => v.customerAddress?.postcode },
  customer_country: { description: "The country of the customer's billing address, by name.", value: (v) => v.customerAddress?.country },
};

/** The format an organisation starts with: the recipient and its own address, then its reference. */
export const DEFAULT_INVOICE_ADDRESS_FORMAT = [
  '[recipient_name]',
  '[address_line_1]',
  '[address_line_2]',
  '[address_line_3]',
  '[town]',
  '[county]',
  '[postcode]',
  'Reference: [reference]',
].join('\n');

/** How an invoice with no invoice address is addressed: the customer and its billing address. */
export const CUSTOMER_ADDRESS_FORMAT = [
  '[customer_name]',
  '[customer_address_line_1]',
  '[customer_address_line_2]',
  '[customer_address_line_3]',
  '[customer_town]',
  '[customer_county]',
  '[customer_postcode]',
].join('\n');

export const FORMAT_MAX_LENGTH = 2000;
export const FORMAT_MAX_LINES = 20;

const TAG = /\[([A-Za-z0-9_]+)\]/g;

/** The tags of a template that are not known, as written, in order of first use. */
export function unknownTags(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(TAG)) if (!(match[1]!.toLowerCase() in ADDRESS_TAGS)) unknown.add(match[0]);
  return [...unknown];
}

/** Tidies what is left of a line: single spaces, no comma left dangling by a blank tag. */
function tidy(line: string): string {
  return line
    .replace(/\s+/g, ' ')
    .replace(/,(\s*,)+/g, ',')
    .replace(/^[\s,]+|[\s,]+$/g, '');
}

/**
 * The template filled in, line by line: a line whose tags are all blank is left out, as is any line
 * that comes out empty. (An unknown tag, which a stored template cannot hold, counts as blank.)
 */
export function renderAddress(template: string, values: AddressValues): string[] {
  const lines: string[] = [];
  for (const line of template.split(/\r?\n/)) {
    let tags = 0;
    let filled = 0;
    const text = line.replace(TAG, (_whole, name: string) => {
      tags++;
      const value = ADDRESS_TAGS[name.toLowerCase()]?.value(values)?.trim() ?? '';
      if (value) filled++;
      return value;
    });
    if (tags > 0 && filled === 0) continue;
    const tidied = tidy(text);
    if (tidied) lines.push(tidied);
  }
  return lines;
}

/** A country code as people read it ("GB" → "United Kingdom"), in the organisation's locale. */
export function countryName(code: string | null, locale: string): string | null {
  if (!code) return null;
  try {
    return new Intl.DisplayNames([locale, 'en'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}
