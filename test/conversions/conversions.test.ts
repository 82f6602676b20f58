// Converting leads into customers as users see it over GraphQL (docs/domain.md#conversions):
// convertLead carries every child row over in one transaction, a converted lead is refused a second
// time, signQuote converts a quote's lead and raises one sales order however often it is signed
// (concurrently: concurrency.test.ts).
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { LEAD_CONTACTS_AND_ADDRESSES } from '../helpers/customer-record';
import { baseUrlOf, flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
  ref = await readReference(server, org.adminToken);
  const def = await server.graphql(
    `mutation($input: CreateCustomFieldDefinitionInput!) { createCustomFieldDefinition(input: $input) { customFieldDefinition { id } userErrors { field code } } }`,
    { input: { key: 'trade_account', label: 'Trade account', type: 'TEXT', enabledFor: ['LEAD', 'CUSTOMER'] } },
    org.adminToken,
  );
  expect(def.data!.createCustomFieldDefinition.userErrors).toEqual([]);
  const leadOnly = await server.graphql(
    `mutation($input: CreateCustomFieldDefinitionInput!) { createCustomFieldDefinition(input: $input) { userErrors { field code } } }`,
    { input: { key: 'lead_score', label: 'Lead score', type: 'NUMBER', enabledFor: ['LEAD'] } },
    org.adminToken,
  );
  expect(leadOnly.data!.createCustomFieldDefinition.userErrors).toEqual([]);
});
afterAll(() => server.close());

const { gql, mutate, createLead, upload } = flows(() => ({ server, token: org.adminToken, ref }));

const USER_ERRORS = 'userErrors { field code message }';
const CONVERT = `mutation($input: ConvertLeadInput!) { convertLead(input: $input) {
  customer { id name stage version status { code } type { name } customFields
    contacts(first: 20) { totalCount nodes { id surname firstName isPrimary emails { address } } }
    addresses(first: 20) { totalCount nodes { type isDefault line1 postcode } }
    notes(first: 20) { totalCount nodes { body } }
    tasks(first: 20) { totalCount nodes { subject } }
    documents(first: 20) { totalCount nodes { filename sha256 sizeBytes downloadUrl } }
    opportunities(first: 20) { totalCount nodes { name } }
    quotes(first: 20) { totalCount nodes { id status } } }
  lead { id status convertedAt convertedCustomer { id } convertedBy { email } } ${USER_ERRORS} } }`;
const SIGN = `mutation($input: SignQuoteInput!) { signQuote(input: $input) {
  quote { id status customer { id } lead { id } } customer { id stage } lead { id status convertedCustomer { id } }
  salesOrder { id quote { id } customer { id } } ${USER_ERRORS} } }`;
const LEAD_CHILDREN = `query($id: ID!) { node(id: $id) { ... on Lead { status version
  contacts(first: 20) { totalCount } addresses(first: 20) { totalCount } notes(first: 20) { totalCount } tasks(first: 20) { totalCount }
  documents(first: 20) { totalCount } opportunities(first: 20) { totalCount } quotes(first: 20) { totalCount }
  auditTrail(first: 50) { nodes { action entityType after } } } } }`;

async function download(url: string) {
  const response = await fetch(`${baseUrlOf(server)}${url}`, { headers: { authorization: `Bearer ${org.adminToken}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function sentQuote(recordId: string, token = org.adminToken): Promise<string> {
  const created = await mutate(
    'createQuote',
    { recordId, lines: [{ description: 'Boiler install', quantity: '1', unitPriceMinor: 150_000, taxRatePercent: 20 }] },
    'quote { id }',
    { token },
  );
  await mutate('sendQuote', { id: created.quote.id }, 'quote { id }', { token, inputType: 'QuoteTransitionInput' });
  return created.quote.id;
}

async function count(table: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from ${sql.identifier(table)} where organisation_id = ${org.organisationId}`,
  );
  return row!.n;
}

/** A lead with one of everything (and two contacts, two addresses). */
async function fullLead(name: string) {
  const leadId = await createLead({
    name,
    vatNumber: 'GB123456789',
    customFields: { trade_account: 'TA-42', lead_score: 7 },
    ...LEAD_CONTACTS_AND_ADDRESSES,
  });
  await mutate('createNote', { ownerId: leadId, body: 'Met at the trade fair' }, 'note { id }');
  await mutate('createTask', { ownerId: leadId, type: 'PHONE_CALL', subject: 'Call back', dueAt: '2030-01-01T10:00:00Z' }, 'task { id }');
  await mutate('createOpportunity', { recordId: leadId, name: 'New boiler' }, 'opportunity { id }');
  const quoteId = await sentQuote(leadId);
  const bytes = Buffer.from(`%PDF-1.4 survey of ${name}\n`.repeat(50));
  const document = await upload(leadId, { bytes, name: 'survey.pdf', type: 'application/pdf' });
  return { leadId, quoteId, bytes, document };
}

describe('convertLead', () => {
  it("re-points the lead's communications at the copies of their contacts", async () => {
    const leadId = await createLead({ name: 'Difference Engines Ltd', ...LEAD_CONTACTS_AND_ADDRESSES });
    const leadContacts = (await gql(`query($id: ID!) { node(id: $id) { ... on Lead { contacts(first: 10) { nodes { id surname } } } } }`, { id: leadId })).node
      .contacts.nodes as Array<{ id: string; surname: string }>;
    expect(leadContacts).toHaveLength(2);
    for (const contact of leadContacts) {
      await mutate(
        'logCommunication',
        { ownerId: leadId, contactId: contact.id, channel: 'PHONE_CALL', subject: `Call ${contact.surname}` },
        'communication { id }',
      );
    }
    await mutate('logCommunication', { ownerId: leadId, channel: 'EMAIL', subject: 'To nobody in particular' }, 'communication { id }');
    const data = await gql(
      `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { userErrors { message } customer {
      contacts(first: 10) { nodes { id surname } }
      communications(first: 10) { nodes { subject contact { id surname customer { id } } } } id } } }`,
      {
        input: { leadId, typeId: ref.types.Private },
      },
    );
    expect(data.convertLead.userErrors).toEqual([]);
    const { customer } = data.convertLead;
    const copies = new Map((customer.contacts.nodes as Array<{ id: string; surname: string }>).map((c) => [c.surname, c.id]));
    const bySubject = Object.fromEntries(customer.communications.nodes.map((c: any) => [c.subject, c.contact]));
    expect(Object.keys(bySubject).sort()).toEqual(['Call Babbage', 'Call Lovelace', 'To nobody in particular']);
    for (const contact of leadContacts) {
      expect(bySubject[`Call ${contact.surname}`]).toEqual({ id: copies.get(contact.surname), surname: contact.surname, customer: { id: customer.id } });
      expect(copies.get(contact.surname)).not.toBe(contact.id);
    }
    expect(bySubject['To nobody in particular']).toBeNull();
  });

  it('creates a PENDING customer carrying every child row, and leaves the lead CONVERTED and read-only', async () => {
    const { leadId, quoteId, bytes, document } = await fullLead('Analytical Engines Ltd');
    const data = await gql(CONVERT, { input: { leadId, typeId: ref.types.Private, idempotencyKey: 'convert-1' } });
    expect(data.convertLead.userErrors).toEqual([]);
    const { customer, lead } = data.convertLead;
    expect(customer).toMatchObject({ name: 'Analytical Engines Ltd', stage: 'PENDING', type: { name: 'Private' }, customFields: { trade_account: 'TA-42' } });
    expect(customer.customFields).not.toHaveProperty('lead_score');
    expect(customer.contacts.totalCount).toBe(2);
    expect(customer.contacts.nodes.map((c: any) => [c.firstName, c.surname, c.isPrimary, c.emails.map((e: any) => e.address)]).sort()).toEqual([
      // Without contactIds, the primary is the first contact as the lead lists them (by surname).
      ['Ada', 'Lovelace', false, ['ada@example.com']],
      ['Charles', 'Babbage', true, []],
    ]);
    expect(customer.addresses.nodes.map((a: any) => [a.type, a.isDefault, a.line1]).sort()).toEqual([
      ['BILLING', true, '1 Engine Row'],
      ['TRADING', true, '2 Mill Lane'], // the lead's only TRADING address is its default
    ]);
    expect(customer.notes.nodes.map((n: any) => n.body)).toEqual(['Met at the trade fair']);
    expect(customer.tasks.nodes.map((t: any) => t.subject)).toEqual(['Call back']);
    expect(customer.opportunities.nodes.map((o: any) => o.name)).toEqual(['New boiler']);
    expect(customer.quotes.nodes).toEqual([{ id: quoteId, status: 'SENT' }]);
    expect(customer.documents.totalCount).toBe(1);
    const copy = customer.documents.nodes[0];
    expect(copy).toMatchObject({ filename: 'survey.pdf', sha256: document.sha256, sizeBytes: bytes.length });
    expect(copy.downloadUrl).not.toBe(document.downloadUrl);
    expect((await download(copy.downloadUrl)).equals(bytes)).toBe(true);
    expect((await download(document.downloadUrl)).equals(bytes)).toBe(true);

    expect(lead).toMatchObject({ status: 'CONVERTED', convertedCustomer: { id: customer.id }, convertedBy: { email: 'admin@acme-services.test' } });
    expect(lead.convertedAt).toBeTruthy();
    const after = (await gql(LEAD_CHILDREN, { id: leadId })).node;
    // The lead keeps its contacts, addresses and documents; activity, opportunities and quotes moved.
    expect(after).toMatchObject({
      status: 'CONVERTED',
      contacts: { totalCount: 2 },
      addresses: { totalCount: 2 },
      documents: { totalCount: 1 },
      notes: { totalCount: 0 },
      tasks: { totalCount: 0 },
      opportunities: { totalCount: 0 },
      quotes: { totalCount: 0 },
    });
    const convert = after.auditTrail.nodes.find((e: any) => e.action === 'lead.convert');
    expect(convert.after).toMatchObject({
      status: 'CONVERTED',
      moved: { notes: [expect.any(String)], tasks: [expect.any(String)] },
      customFieldKeys: ['trade_account'],
    });
    expect(Object.keys(convert.after.contactIds)).toHaveLength(2);
    expect(Object.keys(convert.after.documentIds)).toHaveLength(1);
    const customerTrail = await gql(`query($id: ID!) { node(id: $id) { ... on Customer { auditTrail(first: 50) { nodes { action entityType } } } } }`, {
      id: customer.id,
    });
    expect(customerTrail.node.auditTrail.nodes).toEqual(expect.arrayContaining([{ action: 'customer.create', entityType: 'Customer' }]));

    // A retry with the key returns the first result; converting again is refused, naming the customer.
    const retry = await gql(CONVERT, { input: { leadId, typeId: ref.types.Private, idempotencyKey: 'convert-1' } });
    expect(retry.convertLead.customer.id).toBe(customer.id);
    const again = await gql(CONVERT, { input: { leadId, typeId: ref.types.Company } });
    expect(again.convertLead.customer).toBeNull();
    expect(again.convertLead.userErrors).toEqual([
      { field: ['input', 'leadId'], code: 'INVALID_STATE', message: expect.stringContaining('Analytical Engines Ltd') },
    ]);
    // Read-only: a converted lead takes no new contacts.
    const refused = await gql(`mutation($input: CreateContactInput!) { createContact(input: $input) { ${USER_ERRORS} } }`, {
      input: { ownerId: leadId, contact: { surname: 'Late' } },
    });
    expect(errorCodes(refused.createContact.userErrors)).toEqual(['input:INVALID_STATE']);
  });

  it('takes only the chosen contacts, and leaves notes and documents on the lead when asked', async () => {
    const leadId = await createLead({
      name: 'Choosy Ltd',
      contacts: [{ surname: 'Keep' }, { surname: 'Skip' }],
      addresses: [{ type: 'BILLING', isDefault: true, line1: '3 Road', postcode: 'BS3 3CC' }],
    });
    await mutate('createNote', { ownerId: leadId, body: 'Stays here' }, 'note { id }');
    const contacts = (await gql(`query($id: ID!) { node(id: $id) { ... on Lead { contacts(first: 5) { nodes { id surname } } } } }`, { id: leadId })).node
      .contacts.nodes;
    const keep = contacts.find((c: any) => c.surname === 'Keep').id;
    const data = await gql(CONVERT, { input: { leadId, typeId: ref.types.Company, contactIds: [keep], linkNotes: false, copyDocuments: false } });
    expect(data.convertLead.userErrors).toEqual([]);
    expect(data.convertLead.customer.contacts.nodes.map((c: any) => c.surname)).toEqual(['Keep']);
    expect(data.convertLead.customer.notes.totalCount).toBe(0);
    expect((await gql(LEAD_CHILDREN, { id: leadId })).node.notes.totalCount).toBe(1);
  });

  it('converts into an existing customer', async () => {
    const existing = await gql(CREATE_CUSTOMER, {
      input: customerInput(ref, { name: 'Existing Ltd', typeId: ref.types.Private, contacts: [{ surname: 'Boss', isPrimary: true }] }),
    });
    expect(existing.createCustomer.userErrors).toEqual([]);
    const customerId = existing.createCustomer.customer.id;
    const leadId = await createLead({ name: 'Existing Lead', contacts: [{ surname: 'Newcomer' }] });
    const before = await count('customers');
    const data = await gql(CONVERT, { input: { leadId, typeId: ref.types.Company, intoCustomerId: customerId } });
    expect(data.convertLead.userErrors).toEqual([]);
    expect(data.convertLead.customer.id).toBe(customerId);
    expect(await count('customers')).toBe(before);
    expect(data.convertLead.customer.contacts.nodes.map((c: any) => [c.surname, c.isPrimary]).sort()).toEqual([
      ['Boss', true],
      ['Newcomer', false],
    ]);
  });

  it('refuses bad input naming the field, writing nothing', async () => {
    const leadId = await createLead({ name: 'Bad Input Ltd', contacts: [{ surname: 'Only' }] });
    const before = await count('customers');
    const cases: Array<[Record<string, unknown>, string[], string]> = [
      [{ leadId: 'nonsense' }, ['input', 'leadId'], 'INVALID'],
      [{ typeId: ref.statuses.ACTIVE ?? Object.values(ref.statuses)[0] }, ['input', 'typeId'], 'INVALID'],
      [{ statusId: ref.types.Company }, ['input', 'statusId'], 'INVALID'],
      [{ contactIds: [leadId] }, ['input', 'contactIds', '0'], 'INVALID'],
      [{ expectedVersion: 99 }, ['input', 'expectedVersion'], 'VERSION_CONFLICT'],
    ];
    for (const [overrides, field, code] of cases) {
      const data = await gql(CONVERT, { input: { leadId, typeId: ref.types.Company, ...overrides } });
      expect(data.convertLead.userErrors).toEqual([{ field, code, message: expect.any(String) }]);
      expect(data.convertLead.customer).toBeNull();
    }
    expect(await count('customers')).toBe(before);
    expect((await gql(LEAD_CHILDREN, { id: leadId })).node.status).toBe('NEW');
  });

  it('answers NOT_FOUND to a sales user who does not own the lead, and FORBIDDEN to READ_ONLY', async () => {
    const leadId = await createLead({ name: 'Not Yours Ltd' });
    const sales = await server.graphql(CONVERT, { input: { leadId, typeId: ref.types.Company } }, await org.tokenFor('SALES'));
    expect(errorCodes(sales.data!.convertLead.userErrors)).toEqual(['input.leadId:NOT_FOUND']);
    const readOnly = await server.graphql(CONVERT, { input: { leadId, typeId: ref.types.Company } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(LEAD_CHILDREN, { id: leadId })).node.status).toBe('NEW');
    // The owner converts it.
    const ownLead = await createLead({ name: 'Mine Ltd' }, { token: await org.tokenFor('SALES') });
    const own = await server.graphql(CONVERT, { input: { leadId: ownLead, typeId: ref.types.Company } }, await org.tokenFor('SALES'));
    expect(own.data!.convertLead.userErrors).toEqual([]);
  });
});

describe('signQuote', () => {
  it('on a lead: converts it to a PENDING customer, moves the quote there SIGNED, raises one order; signing again returns the same', async () => {
    const { leadId, quoteId } = await fullLead('Signing Lead Ltd');
    const customersBefore = await count('customers');
    const data = await gql(SIGN, { input: { quoteId } });
    expect(data.signQuote.userErrors).toEqual([]);
    const { quote, customer, lead, salesOrder } = data.signQuote;
    expect(customer.stage).toBe('PENDING');
    expect(quote).toEqual({ id: quoteId, status: 'SIGNED', customer: { id: customer.id }, lead: null });
    expect(lead).toEqual({ id: leadId, status: 'CONVERTED', convertedCustomer: { id: customer.id } });
    expect(salesOrder).toMatchObject({ quote: { id: quoteId }, customer: { id: customer.id } });
    expect(await count('customers')).toBe(customersBefore + 1);

    const again = await gql(SIGN, { input: { quoteId } });
    expect(again.signQuote.userErrors).toEqual([]);
    expect(again.signQuote.customer.id).toBe(customer.id);
    expect(again.signQuote.salesOrder.id).toBe(salesOrder.id);
    expect(again.signQuote.lead.id).toBe(leadId);
    expect(await count('customers')).toBe(customersBefore + 1);
    const [orders] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from sales_orders where customer_id = (select converted_customer_id from leads where status = 'CONVERTED' and name = 'Signing Lead Ltd')`,
    );
    expect(orders!.n).toBe(1);
  });

  it("on a lead: the SQL statements do not grow with the lead's contacts, activity and documents", async () => {
    const signed = async (extra: number) => {
      const { leadId, quoteId } = await fullLead(`Sized Lead ${extra} Ltd`);
      for (let i = 0; i < extra; i++) {
        await mutate('createContact', { ownerId: leadId, contact: { firstName: `Extra${i}`, surname: `Contact${i}` } }, 'contact { id }');
        await mutate('createNote', { ownerId: leadId, body: `Note ${i}` }, 'note { id }');
        await mutate('logCommunication', { ownerId: leadId, channel: 'EMAIL', subject: `Mail ${i}` }, 'communication { id }');
        await upload(leadId, { bytes: Buffer.from(`%PDF-1.4 extra ${i}\n`), name: `extra-${i}.pdf`, type: 'application/pdf' });
      }
      const response = await server.graphql(SIGN, { input: { quoteId } }, org.adminToken);
      expect(response.data!.signQuote.userErrors).toEqual([]);
      return response.statements;
    };
    const small = await signed(0);
    expect(Number.isFinite(small)).toBe(true);
    expect(await signed(4)).toBe(small);
  });

  it('on a customer: SIGNED with a sales order', async () => {
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Signing Customer Ltd' }) });
    const customerId = created.createCustomer.customer.id;
    const quoteId = await sentQuote(customerId);
    const data = await gql(SIGN, { input: { quoteId } });
    expect(data.signQuote.userErrors).toEqual([]);
    expect(data.signQuote).toMatchObject({ quote: { status: 'SIGNED', customer: { id: customerId } }, customer: { id: customerId }, lead: null });
    expect(data.signQuote.salesOrder.quote.id).toBe(quoteId);
  });

  it("is refused while the customer's status does not allow new work, unless an admin or manager overrides (audited)", async () => {
    const salesToken = await org.tokenFor('SALES');
    const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Blocked Signing Ltd', statusId: ref.statuses.D }) }, salesToken);
    expect(created.data!.createCustomer.userErrors).toEqual([]);
    const customerId = created.data!.createCustomer.customer.id;
    const quoteId = await sentQuote(customerId, salesToken);
    const orders = await count('sales_orders');

    const refused = await gql(SIGN, { input: { quoteId } });
    expect(refused.signQuote.userErrors).toEqual([
      { field: ['input', 'quoteId'], code: 'STATUS_BLOCKS_WORK', message: expect.stringContaining('an admin or manager may override') },
    ]);
    const notPermitted = await server.graphql(SIGN, { input: { quoteId, overrideStatus: true } }, salesToken);
    expect(errorCodes(notPermitted.data!.signQuote.userErrors)).toEqual(['input.overrideStatus:NOT_PERMITTED']);
    expect(await count('sales_orders')).toBe(orders);

    const signed = await gql(SIGN, { input: { quoteId, overrideStatus: true } });
    expect(signed.signQuote.userErrors).toEqual([]);
    expect(signed.signQuote.quote.status).toBe('SIGNED');
    expect(await count('sales_orders')).toBe(orders + 1);
    const [audit] = await selectRows<{ after: { overriddenStatus?: unknown } }>(
      server.database.db,
      sql`select after from audit_entries where organisation_id = ${org.organisationId} and action = 'salesOrder.create' order by id desc limit 1`,
    );
    expect(audit!.after.overriddenStatus).toEqual({ code: 'D', name: 'Do Not Service' });
  });

  it('refuses a DRAFT quote, and a quote the viewer may not see; READ_ONLY is FORBIDDEN', async () => {
    const leadId = await createLead({ name: 'Draft Lead' });
    const draft = await mutate('createQuote', { recordId: leadId, lines: [{ description: 'x', quantity: '1', unitPriceMinor: 100 }] }, 'quote { id }');
    const data = await gql(SIGN, { input: { quoteId: draft.quote.id } });
    expect(data.signQuote.userErrors).toEqual([{ field: ['input', 'quoteId'], code: 'INVALID_STATE', message: expect.any(String) }]);
    const sent = await sentQuote(leadId);
    const sales = await server.graphql(SIGN, { input: { quoteId: sent } }, await org.tokenFor('SALES'));
    expect(errorCodes(sales.data!.signQuote.userErrors)).toEqual(['input.quoteId:NOT_FOUND']);
    const readOnly = await server.graphql(SIGN, { input: { quoteId: sent } }, await org.tokenFor('READ_ONLY'));
    expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(LEAD_CHILDREN, { id: leadId })).node.status).toBe('NEW');
  });
});
