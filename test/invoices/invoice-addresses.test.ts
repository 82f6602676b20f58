// Invoice addresses (docs/domain.md#invoice-addresses): a customer's alternative invoice recipients,
// written by bookkeepers with version checks and audited; the organisation's format with tags (blank
// lines left out, unknown tags refused); invoices addressed to one (`addressedTo`, and under "To:" on
// the PDF), or to the customer's own billing address; deletion refused while an issued invoice is
// addressed there; a work address whose landlord is the invoice address; merging and anonymising.
import { sql } from 'drizzle-orm';
import { PDFParse } from 'pdf-parse';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { renderAddress, unknownTags, type AddressValues } from '../../src/invoice-addresses/format';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let finance: string;

const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const ADDRESS = 'id name line1 line2 town postcode country email reference version addressedTo customer { id } landlord { id name }';
const ERRORS = 'userErrors { field code message }';

/** Runs a mutation that may fail; its payload (with userErrors). */
async function attempt(name: string, input: Record<string, unknown>, selection: string, token = org.adminToken) {
  const type = name[0]!.toUpperCase() + name.slice(1) + 'Input';
  const res = await server.graphql(`mutation($input: ${type}!) { ${name}(input: $input) { ${selection} ${ERRORS} } }`, { input }, token);
  expect(res.errors).toBeUndefined();
  return res.data![name];
}

async function invoiceAddressesOf(customerId: string) {
  return (await gql(`query($id: ID!) { customer(id: $id) { invoiceAddresses(first: 20) { totalCount nodes { ${ADDRESS} } } } }`, { id: customerId })).customer
    .invoiceAddresses;
}

async function createInvoice(input: Record<string, unknown>) {
  const created = await mutate(
    'createInvoice',
    { lines: [{ description: 'Boiler repair', quantity: '1', unitPriceMinor: 12_000, taxRatePercent: 20 }], ...input },
    'invoice { id version addressedTo invoiceAddress { id name landlord { id } } }',
  );
  return created.invoice;
}

async function setFormat(format: string | null, token = org.adminToken) {
  return attempt('setInvoiceAddressFormat', { format }, 'organisation { invoiceAddressFormat invoiceAddressFormatIsDefault }', token);
}

/** GET the invoice's PDF; its text, whitespace collapsed. */
async function pdfText(invoiceId: string, token = org.adminToken): Promise<string> {
  const res = await fetch(new URL(`/pdf/invoices/${invoiceId}`, server.url).toString(), { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const parser = new PDFParse({ data: Buffer.from(await res.arrayBuffer()) });
  try {
    return (await parser.getText()).text.replace(/\s+/g, ' ');
  } finally {
    await parser.destroy();
  }
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  finance = await org.tokenFor('FINANCE');
});
afterAll(() => server.close());

describe('the format', () => {
  const values: AddressValues = {
    recipient: {
      name: 'Mr L. Lord',
      line1: '9 Manor Road',
      line2: null,
      line3: '  ',
      town: null,
      county: null,
      postcode: 'BS8 1AA',
      country: 'United Kingdom',
      reference: null,
    },
    customer: { name: 'Harbour Lettings' },
    customerAddress: { line1: '1 Quay Street', line2: null, line3: null, town: 'Bristol', county: null, postcode: 'BS1 4DJ', country: 'United Kingdom' },
  };

  it('fills in the tags, leaves out a line whose tags are all blank, and leaves no blank line or dangling comma', () => {
    const template = [
      '[landlord_name] c/o [customer_name]',
      '',
      '[customer_address_line_1]',
      '[customer_address_line_2]',
      '[customer_town], [customer_county], [customer_postcode]',
      '[town], [county]',
      'Your ref: [reference]',
      '  [address_line_3]  ',
      'Thank you',
    ].join('\n');
    expect(renderAddress(template, values)).toEqual(['Mr L. Lord c/o Harbour Lettings', '1 Quay Street', 'Bristol, BS1 4DJ', 'Thank you']);
    // Tags are matched whatever their case.
    expect(renderAddress('[RECIPIENT_NAME]\n[Postcode]', values)).toEqual(['Mr L. Lord', 'BS8 1AA']);
  });

  it('finds the tags that are not known', () => {
    expect(unknownTags('[recipient_name]\n[landlord_nme] [customer_name] [flat] [flat]\n[not a tag]')).toEqual(['[landlord_nme]', '[flat]']);
  });

  it('is the default until an admin sets one; an unknown tag is refused, naming the field and the tag', async () => {
    const viewer = async (token = org.adminToken) =>
      (await gql(`{ viewer { organisation { invoiceAddressFormat invoiceAddressFormatIsDefault invoiceAddressTags { tag description } } } }`, {}, token)).viewer
        .organisation;
    const initial = await viewer(finance);
    expect(initial.invoiceAddressFormatIsDefault).toBe(true);
    expect(initial.invoiceAddressFormat.split('\n')[0]).toBe('[recipient_name]');
    expect(initial.invoiceAddressTags.map((t: { tag: string }) => t.tag)).toEqual(
      expect.arrayContaining(['[recipient_name]', '[landlord_name]', '[customer_name]', '[customer_address_line_1]', '[postcode]', '[reference]']),
    );

    const refused = await setFormat('[landlord_name] c/o [customer_name]\n[customer_adress_line_1]\n[flat_number]');
    expect(errorCodes(refused.userErrors)).toEqual(['input.format:INVALID']);
    expect(refused.userErrors[0].message).toMatch(/^format: unknown tags \[customer_adress_line_1\], \[flat_number\]; the tags are \[recipient_name\]/);
    const tooMany = await setFormat(Array.from({ length: 21 }, () => '[town]').join('\n'));
    expect(errorCodes(tooMany.userErrors)).toEqual(['input.format:INVALID']);
    expect((await viewer()).invoiceAddressFormatIsDefault).toBe(true);

    // Admins only.
    const byFinance = await server.graphql(
      `mutation($input: SetInvoiceAddressFormatInput!) { setInvoiceAddressFormat(input: $input) { ${ERRORS} } }`,
      { input: { format: '[recipient_name]' } },
      finance,
    );
    expect(byFinance.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const set = await setFormat('[recipient_name]\r\n[address_line_1]   \n[postcode]');
    expect(set).toEqual({
      organisation: { invoiceAddressFormat: '[recipient_name]\n[address_line_1]\n[postcode]', invoiceAddressFormatIsDefault: false },
      userErrors: [],
    });
    const reset = await setFormat('  ');
    expect(reset.organisation.invoiceAddressFormatIsDefault).toBe(true);
    expect(reset.organisation.invoiceAddressFormat).toBe(initial.invoiceAddressFormat);
  });
});

describe('invoice addresses', () => {
  let customerId: string;
  let addressId: string;

  beforeAll(async () => {
    customerId = await createCustomer('Tenant One');
  });

  it('are created, read, changed with a version check and audited, by those who keep the books', async () => {
    const created = await mutate(
      'createInvoiceAddress',
      { customerId, name: 'Safe Insurance plc', line1: '1 Claims Way', town: 'Leeds', postcode: 'ls1 1aa', email: 'claims@safe.test', reference: 'CLM-42' },
      `invoiceAddress { ${ADDRESS} }`,
      { token: finance },
    );
    addressId = created.invoiceAddress.id;
    expect(created.invoiceAddress).toMatchObject({
      name: 'Safe Insurance plc',
      line1: '1 Claims Way',
      postcode: 'LS1 1AA',
      country: 'GB',
      email: 'claims@safe.test',
      reference: 'CLM-42',
      version: 1,
      customer: { id: customerId },
      landlord: null,
      // The default format: blank lines left out.
      addressedTo: ['Safe Insurance plc', '1 Claims Way', 'Leeds', 'LS1 1AA', 'Reference: CLM-42'],
    });
    expect((await invoiceAddressesOf(customerId)).nodes.map((a: { id: string }) => a.id)).toEqual([addressId]);
    const node = (await gql(`query($id: ID!) { node(id: $id) { ... on InvoiceAddress { name } } }`, { id: addressId })).node;
    expect(node).toEqual({ name: 'Safe Insurance plc' });

    const stale = await attempt('updateInvoiceAddress', { id: addressId, expectedVersion: 7, reference: 'CLM-43' }, 'invoiceAddress { id }', finance);
    expect(errorCodes(stale.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const updated = await mutate(
      'updateInvoiceAddress',
      { id: addressId, expectedVersion: 1, reference: null, line2: 'Floor 3' },
      `invoiceAddress { ${ADDRESS} }`,
      { token: finance },
    );
    expect(updated.invoiceAddress).toMatchObject({ version: 2, reference: null, line2: 'Floor 3', name: 'Safe Insurance plc' });
    expect(updated.invoiceAddress.addressedTo).toEqual(['Safe Insurance plc', '1 Claims Way', 'Floor 3', 'Leeds', 'LS1 1AA']);

    const trail = await gql(`query($id: ID!) { customer(id: $id) { auditTrail(first: 50) { nodes { action entityId } } } }`, { id: customerId });
    expect(trail.customer.auditTrail.nodes.filter((e: { entityId: string }) => e.entityId === addressId).map((e: { action: string }) => e.action)).toEqual([
      'invoiceAddress.update',
      'invoiceAddress.create',
    ]);

    // Service staff and read-only users do not keep the books.
    for (const role of ['SERVICE', 'READ_ONLY', 'SALES'] as const) {
      const res = await server.graphql(
        `mutation($input: CreateInvoiceAddressInput!) { createInvoiceAddress(input: $input) { ${ERRORS} } }`,
        { input: { customerId, name: 'X', line1: 'Y' } },
        await org.tokenFor(role),
      );
      expect({ role, code: res.errors?.[0]?.extensions?.code }).toEqual({ role, code: 'FORBIDDEN' });
    }
  });

  it('refuses bad input with errors naming each field, and writes nothing', async () => {
    const res = await attempt(
      'createInvoiceAddress',
      { customerId, name: '  ', town: 'Leeds', email: 'not-an-email', reference: 'R'.repeat(101), what3words: 'not three words' },
      'invoiceAddress { id }',
    );
    expect(errorCodes(res.userErrors).sort()).toEqual(['input.email:INVALID', 'input.name:REQUIRED', 'input.reference:TOO_LONG', 'input.what3words:INVALID']);
    expect(res.userErrors.find((e: { field: string[] }) => e.field[1] === 'email').message).toBe('email: must be an email address');
    // Name and line 1 are needed when there is no landlord to copy them from.
    const missing = await attempt('createInvoiceAddress', { customerId }, 'invoiceAddress { id }');
    expect(errorCodes(missing.userErrors)).toEqual(['input.name:REQUIRED', 'input.line1:REQUIRED']);
    const blankUpdate = await attempt('updateInvoiceAddress', { id: addressId, name: '', line1: ' ' }, 'invoiceAddress { id }');
    expect(errorCodes(blankUpdate.userErrors).sort()).toEqual(['input.line1:REQUIRED', 'input.name:REQUIRED']);
    expect((await invoiceAddressesOf(customerId)).totalCount).toBe(1);
  });

  it('address an invoice of the same customer only, and the PDF shows the lines under "To:"', async () => {
    const other = await createCustomer('Someone Else');
    const otherAddress = await mutate('createInvoiceAddress', { customerId: other, name: 'Not Yours', line1: '2 Away St' }, 'invoiceAddress { id }');
    const wrong = await attempt('createInvoice', { customerId, lines: [], invoiceAddressId: otherAddress.invoiceAddress.id }, 'invoice { id }');
    expect(wrong.userErrors).toEqual([
      { field: ['input', 'invoiceAddressId'], code: 'INVALID', message: "invoiceAddressId: the invoice address is not one of the invoice's customer's." },
    ]);

    // Without an invoice address: the customer's name and billing address.
    const own = await createInvoice({ customerId });
    expect(own.addressedTo).toEqual(['Tenant One', '1 Quay Street', 'Bristol', 'BS1 4DJ']);
    expect(own.invoiceAddress).toBeNull();

    const invoice = await createInvoice({ customerId, invoiceAddressId: addressId });
    expect(invoice.invoiceAddress).toMatchObject({ id: addressId, name: 'Safe Insurance plc' });
    await setFormat('[recipient_name] re [customer_name]\n[address_line_1]\n[address_line_2]\n[county]\n[town] [postcode]\nClaim: [reference]');
    const read = async (id: string) => (await gql(`query($id: ID!) { node(id: $id) { ... on Invoice { addressedTo } } }`, { id })).node.addressedTo;
    expect(await read(invoice.id)).toEqual(['Safe Insurance plc re Tenant One', '1 Claims Way', 'Floor 3', 'Leeds LS1 1AA']);
    const text = await pdfText(invoice.id);
    expect(text).toContain('To: Safe Insurance plc re Tenant One 1 Claims Way Floor 3 Leeds LS1 1AA');
    expect(text).not.toContain('Claim:');
    expect(await pdfText(own.id)).toContain('To: Tenant One 1 Quay Street Bristol BS1 4DJ');

    // A portal token that sees the customer's invoices sees whom they are addressed to.
    const portal = await mutate('createPortalToken', { customerId, name: 'Portal', permissions: ['VIEW_INVOICES'] }, 'token');
    const seen = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Invoice { addressedTo invoiceAddress { name } } } }`,
      { id: invoice.id },
      portal.token,
    );
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.node).toEqual({
      addressedTo: ['Safe Insurance plc re Tenant One', '1 Claims Way', 'Floor 3', 'Leeds LS1 1AA'],
      invoiceAddress: { name: 'Safe Insurance plc' },
    });

    // updateInvoice moves a draft to another recipient, or back to the customer.
    const back = await mutate('updateInvoice', { id: invoice.id, invoiceAddressId: null }, 'invoice { addressedTo invoiceAddress { id } }');
    expect(back.invoice).toEqual({ addressedTo: ['Tenant One', '1 Quay Street', 'Bristol', 'BS1 4DJ'], invoiceAddress: null });
    const again = await mutate('updateInvoice', { id: invoice.id, invoiceAddressId: addressId }, 'invoice { invoiceAddress { id } }');
    expect(again.invoice.invoiceAddress).toEqual({ id: addressId });
    const wrongUpdate = await attempt('updateInvoice', { id: invoice.id, invoiceAddressId: otherAddress.invoiceAddress.id }, 'invoice { id }');
    expect(errorCodes(wrongUpdate.userErrors)).toEqual(['input.invoiceAddressId:INVALID']);
    await setFormat(null);
  });

  it('cannot be deleted while an issued invoice is addressed to it; drafts go back to the customer', async () => {
    const address = await mutate('createInvoiceAddress', { customerId, name: 'Head Office', line1: '5 Main St' }, 'invoiceAddress { id version }');
    const id = address.invoiceAddress.id;
    const issued = await createInvoice({ customerId, invoiceAddressId: id });
    const issuedNow = await mutate('issueInvoice', { id: issued.id, issueDate: '2026-11-30' }, 'invoice { reference }');
    const draft = await createInvoice({ customerId, invoiceAddressId: id });

    const refused = await attempt('deleteInvoiceAddress', { id, expectedVersion: 1 }, 'deletedInvoiceAddressId');
    expect(refused.userErrors).toEqual([
      {
        field: ['input', 'id'],
        code: 'INVALID_STATE',
        message: `id: 1 invoice that is not a draft is addressed here (${issuedNow.invoice.reference}); an issued invoice keeps the address it was sent to, so this one cannot be deleted.`,
      },
    ]);
    expect(refused.deletedInvoiceAddressId).toBeNull();
    // Nothing changed: the draft still goes there.
    const draftNow = async () => (await gql(`query($id: ID!) { node(id: $id) { ... on Invoice { version invoiceAddress { id } } } }`, { id: draft.id })).node;
    expect(await draftNow()).toEqual({ version: draft.version, invoiceAddress: { id } });

    // Once that invoice is voided it still was sent there: still refused.
    await mutate('voidInvoice', { id: issued.id, reason: 'Raised in error' }, 'invoice { status }');
    expect(errorCodes((await attempt('deleteInvoiceAddress', { id }, 'deletedInvoiceAddressId')).userErrors)).toEqual(['input.id:INVALID_STATE']);

    // One used only by a draft goes, and the draft goes back to the customer.
    const spare = await mutate('createInvoiceAddress', { customerId, name: 'Spare', line1: '6 Main St' }, 'invoiceAddress { id }');
    const spareDraft = await createInvoice({ customerId, invoiceAddressId: spare.invoiceAddress.id });
    const stale = await attempt('deleteInvoiceAddress', { id: spare.invoiceAddress.id, expectedVersion: 2 }, 'deletedInvoiceAddressId');
    expect(errorCodes(stale.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const deleted = await mutate('deleteInvoiceAddress', { id: spare.invoiceAddress.id, expectedVersion: 1 }, 'deletedInvoiceAddressId', { token: finance });
    expect(deleted.deletedInvoiceAddressId).toBe(spare.invoiceAddress.id);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: spare.invoiceAddress.id })).node).toBeNull();
    const after = (await gql(`query($id: ID!) { node(id: $id) { ... on Invoice { version invoiceAddress { id } addressedTo } } }`, { id: spareDraft.id })).node;
    expect(after).toEqual({ version: spareDraft.version + 1, invoiceAddress: null, addressedTo: ['Tenant One', '1 Quay Street', 'Bristol', 'BS1 4DJ'] });
    // Audited: the draft's change is in the customer's trail; the deletion, of a row now gone, in the audit table.
    const trail = await gql(`query($id: ID!) { customer(id: $id) { auditTrail(first: 100) { nodes { action entityId } } } }`, { id: customerId });
    const actions = trail.customer.auditTrail.nodes.map((e: { action: string; entityId: string }) => `${e.action} ${e.entityId}`);
    expect(actions).toContain(`invoice.update ${spareDraft.id}`);
    const [entry] = await selectRows<{ before: { name: string } }>(
      server.database.db,
      sql`select before from audit_entries where action = 'invoiceAddress.delete' and entity_id = ${parseGlobalId(spare.invoiceAddress.id)!.id}`,
    );
    expect(entry!.before.name).toBe('Spare');
  });
});

describe('a work address whose landlord is the invoice address', () => {
  let tenant: string;
  let landlord: string;
  let flagged: string;

  beforeAll(async () => {
    tenant = await createCustomer('Agent Lettings Ltd');
    landlord = await createCustomer('Mrs Landlady', {
      overrides: { address: { line1: '7 Park Lane', line2: 'Clifton', town: 'Bristol', postcode: 'bs8 2aa' } },
    });
    const work = async (landlordIsInvoiceAddress: boolean) =>
      (await mutate('createWorkAddress', { customerId: tenant, line1: '3 Rental Row', landlordId: landlord, landlordIsInvoiceAddress }, 'workAddress { id }'))
        .workAddress.id as string;
    flagged = await work(true);
  });

  it("addresses the invoice to the tenant's invoice address for the landlord, made from the landlord the first time", async () => {
    const first = await createInvoice({ customerId: tenant, workAddressId: flagged });
    expect(first.invoiceAddress).toMatchObject({ name: 'Mrs Landlady', landlord: { id: landlord } });
    expect(first.addressedTo).toEqual(['Mrs Landlady', '7 Park Lane', 'Clifton', 'Bristol', 'BS8 2AA']);
    const addresses = await invoiceAddressesOf(tenant);
    expect(addresses.nodes).toEqual([
      expect.objectContaining({ name: 'Mrs Landlady', line1: '7 Park Lane', landlord: { id: landlord, name: 'Mrs Landlady' } }),
    ]);

    // The second invoice there uses the same one; the organisation's format lays it out.
    await setFormat('[landlord_name] c/o [customer_name]\n[customer_address_line_1]\n[customer_town] [customer_postcode]');
    const second = await createInvoice({ customerId: tenant, workAddressId: flagged });
    expect(second.invoiceAddress.id).toBe(first.invoiceAddress.id);
    expect(second.addressedTo).toEqual(['Mrs Landlady c/o Agent Lettings Ltd', '1 Quay Street', 'Bristol BS1 4DJ']);
    expect(await pdfText(second.id)).toContain('To: Mrs Landlady c/o Agent Lettings Ltd 1 Quay Street Bristol BS1 4DJ');
    await setFormat(null);

    // An invoice address given wins; a work address without the flag changes nothing.
    const insurer = await mutate('createInvoiceAddress', { customerId: tenant, name: 'Insurer', line1: '1 Policy St' }, 'invoiceAddress { id }');
    const given = await createInvoice({ customerId: tenant, workAddressId: flagged, invoiceAddressId: insurer.invoiceAddress.id });
    expect(given.invoiceAddress.id).toBe(insurer.invoiceAddress.id);
    const plain = (await mutate('createWorkAddress', { customerId: tenant, line1: '4 Rental Row', landlordId: landlord }, 'workAddress { id }')).workAddress.id;
    expect((await createInvoice({ customerId: tenant, workAddressId: plain })).invoiceAddress).toBeNull();
    expect((await invoiceAddressesOf(tenant)).totalCount).toBe(2);
  });

  it("refuses another customer's work address", async () => {
    const res = await attempt('createInvoice', { customerId: landlord, lines: [], workAddressId: flagged }, 'invoice { id }');
    expect(res.userErrors).toEqual([
      { field: ['input', 'workAddressId'], code: 'INVALID', message: "workAddressId: the work address is not one of the invoice's customer's." },
    ]);
  });

  it('can be made by hand from a landlord, copying what is not given', async () => {
    const made = await mutate('createInvoiceAddress', { customerId: tenant, landlordId: landlord, reference: 'TEN-7' }, `invoiceAddress { ${ADDRESS} }`);
    expect(made.invoiceAddress).toMatchObject({ name: 'Mrs Landlady', line1: '7 Park Lane', line2: 'Clifton', postcode: 'BS8 2AA', reference: 'TEN-7' });
    const partly = await attempt('createInvoiceAddress', { customerId: tenant, landlordId: landlord, postcode: 'BS1 1AA' }, 'invoiceAddress { id }');
    expect(errorCodes(partly.userErrors)).toEqual(['input.line1:REQUIRED']);
    const own = await attempt('createInvoiceAddress', { customerId: tenant, landlordId: tenant }, 'invoiceAddress { id }');
    expect(errorCodes(own.userErrors)).toEqual(['input.landlordId:INVALID']);
  });
});

describe('with the customer record', () => {
  it('move to the survivor when customers are merged', async () => {
    const survivor = await createCustomer('Survivor Ltd');
    const merged = await createCustomer('Duplicate Ltd');
    const address = await mutate('createInvoiceAddress', { customerId: merged, name: 'Their Insurer', line1: '8 Cover St' }, 'invoiceAddress { id }');
    const invoice = await createInvoice({ customerId: merged, invoiceAddressId: address.invoiceAddress.id });
    const res = await mutate('mergeCustomers', { survivorId: survivor, mergedIds: [merged] }, 'moved { recordType count }');
    expect(res.moved).toEqual(expect.arrayContaining([{ recordType: 'InvoiceAddress', count: 1 }]));
    const after = await invoiceAddressesOf(survivor);
    expect(after.nodes.map((a: { id: string; customer: { id: string } }) => [a.id, a.customer.id])).toEqual([[address.invoiceAddress.id, survivor]]);
    // The invoice moved too, and still goes there.
    const read = (await gql(`query($id: ID!) { node(id: $id) { ... on Invoice { customer { id } invoiceAddress { id } addressedTo } } }`, { id: invoice.id }))
      .node;
    expect(read).toEqual({
      customer: { id: survivor },
      invoiceAddress: { id: address.invoiceAddress.id },
      addressedTo: ['Their Insurer', '8 Cover St'],
    });
  });

  it('lose their personal data when their customer, or the landlord they were copied from, is anonymised', async () => {
    const tenant = await createCustomer('Anon Tenant');
    const landlord = await createCustomer('Anon Landlord');
    const own = await mutate(
      'createInvoiceAddress',
      { customerId: tenant, name: 'Private Person', line1: '1 Secret St', email: 'p@secret.test', reference: 'P-1' },
      'invoiceAddress { id }',
    );
    const copied = await mutate('createInvoiceAddress', { customerId: tenant, landlordId: landlord }, 'invoiceAddress { id }');
    const version = async (id: string) => (await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id })).customer.version;
    const read = async (id: string) =>
      (await gql(`query($id: ID!) { node(id: $id) { ... on InvoiceAddress { name line1 postcode email reference landlord { id } } } }`, { id })).node;

    await mutate('anonymiseCustomer', { id: landlord, expectedVersion: await version(landlord) }, 'customer { id }');
    expect(await read(copied.invoiceAddress.id)).toMatchObject({
      name: expect.stringMatching(/^Invoice address [0-9A-F]{8}$/),
      line1: 'Anonymised',
      postcode: null,
    });
    expect((await read(own.invoiceAddress.id)).name).toBe('Private Person');

    await mutate('anonymiseCustomer', { id: tenant, expectedVersion: await version(tenant) }, 'customer { id }');
    expect(await read(own.invoiceAddress.id)).toEqual({
      name: expect.stringMatching(/^Invoice address [0-9A-F]{8}$/),
      line1: 'Anonymised',
      postcode: null,
      email: null,
      reference: null,
      landlord: null,
    });
    // An anonymised customer's invoice addresses take no new personal data.
    const refused = await attempt('updateInvoiceAddress', { id: own.invoiceAddress.id, name: 'Back Again' }, 'invoiceAddress { id }');
    expect(errorCodes(refused.userErrors)).toEqual(['input.id:INVALID_STATE']);
  });

  it('go with their customer when it is deleted, with the drafts addressed to them', async () => {
    const doomed = await createCustomer('Doomed Ltd');
    const address = await mutate('createInvoiceAddress', { customerId: doomed, name: 'Doomed Insurer', line1: '1 End St' }, 'invoiceAddress { id }');
    const draft = await createInvoice({ customerId: doomed, invoiceAddressId: address.invoiceAddress.id });
    const version = (await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: doomed })).customer.version;
    const res = await mutate('deleteCustomer', { id: doomed, expectedVersion: version }, 'deletedRecords { recordType count }');
    expect(res.deletedRecords).toEqual(
      expect.arrayContaining([
        { recordType: 'InvoiceAddress', count: 1 },
        { recordType: 'Invoice', count: 1 },
      ]),
    );
    const gone = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [address.invoiceAddress.id, draft.id] });
    expect(gone.nodes).toEqual([null, null]);
  });

  it('stay with their customer, unlinked, when the landlord they were made for is deleted', async () => {
    const tenant = await createCustomer('Staying Tenant');
    const landlord = await createCustomer('Leaving Landlord');
    const copied = await mutate('createInvoiceAddress', { customerId: tenant, landlordId: landlord }, 'invoiceAddress { id }');
    const version = (await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: landlord })).customer.version;
    await mutate('deleteCustomer', { id: landlord, expectedVersion: version }, 'deletedCustomerId');
    const read = (await gql(`query($id: ID!) { node(id: $id) { ... on InvoiceAddress { name landlord { id } version } } }`, { id: copied.invoiceAddress.id }))
      .node;
    expect(read).toEqual({ name: 'Leaving Landlord', landlord: null, version: 2 });
  });
});

it("reads a page of customers' invoice addresses and invoices with their lines in the same number of statements for 2 customers as for 6", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const customerId = await createCustomer(`Batch ${i}`);
    const address = await mutate('createInvoiceAddress', { customerId, name: `Insurer ${i}`, line1: `${i} Batch St` }, 'invoiceAddress { id }');
    await createInvoice({ customerId, invoiceAddressId: address.invoiceAddress.id });
    await createInvoice({ customerId });
    ids.push(customerId);
  }
  const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer {
    invoiceAddresses(first: 5) { nodes { addressedTo customer { name } } }
    invoices(first: 5) { nodes { addressedTo invoiceAddress { name } } } } } }`;
  const few = await server.graphql(query, { ids: ids.slice(0, 2) }, org.adminToken);
  const many = await server.graphql(query, { ids }, org.adminToken);
  expect(many.errors).toBeUndefined();
  expect(many.data!.nodes[5].invoices.nodes.map((i: { addressedTo: string[] }) => i.addressedTo[0]).sort()).toEqual(['Batch 5', 'Insurer 5']);
  expect(many.statements).toBe(few.statements);
});
