// Possible duplicates through the API (docs/domain.md#possible-duplicates): each reason, compared
// normalised; the ranking and its cap; refusing to save (nothing saved, the duplicates listed, the
// idempotency key still usable); visibility (a salesperson never learns of records they may not see,
// not even by a refusal); merged, anonymised and converted records left out; and the merge
// candidates query. Each test has an organisation of its own, so no record of another test matches.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { flows, type UntypedData } from '../helpers/flows';
import { readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const DUPLICATE = `possibleDuplicates { score record { __typename ... on Customer { id name } ... on Lead { id name status } } reasons { reason matchedValue similarity } }`;
const CREATE_CUSTOMER = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id name } ${DUPLICATE} userErrors { field code message } } }`;
const CREATE_LEAD = `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id name } ${DUPLICATE} userErrors { field code message } } }`;
const CONVERT_LEAD = `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { customer { id name } lead { status } ${DUPLICATE} userErrors { field code message } } }`;
const CANDIDATES = `query($id: ID!) { possibleDuplicates(customerId: $id) { score record { __typename ... on Customer { id name } } reasons { reason matchedValue similarity } } }`;

type Duplicate = {
  score: number;
  record: { __typename: string; id: string; name: string } | null;
  reasons: Array<{ reason: string; matchedValue: string; similarity: number | null }>;
};

let organisations = 0;
let streets = 0;

/** A new organisation with its flows; every customer or lead made through it gets an address of its own unless given one. */
async function organisation() {
  organisations += 1;
  const org: TestOrganisation = await createTestOrganisation(server, `Duplicates ${organisations}`);
  const ref: Reference = await readReference(server, org.adminToken);
  const f = flows(() => ({ server, token: org.adminToken, ref }));
  const address = () => ({ line1: `${(streets += 1)} Unique Lane`, postcode: `ZZ${streets} 1AA` });

  async function createCustomer(input: Record<string, unknown>, token?: string): Promise<UntypedData> {
    const data = await f.gql(CREATE_CUSTOMER, { input: { typeId: ref.types.Company, address: address(), ...input } }, token);
    return data.createCustomer;
  }
  async function createLead(input: Record<string, unknown>, token?: string): Promise<UntypedData> {
    const data = await f.gql(CREATE_LEAD, { input: { addresses: [address()], ...input } }, token);
    return data.createLead;
  }
  /** A customer that must be created; returns its id. */
  async function customer(name: string, input: Record<string, unknown> = {}, token?: string): Promise<string> {
    const created = await createCustomer({ name, ...input }, token);
    expect(created.userErrors).toEqual([]);
    return created.customer.id as string;
  }
  async function lead(name: string, input: Record<string, unknown> = {}, token?: string): Promise<string> {
    const created = await createLead({ name, ...input }, token);
    expect(created.userErrors).toEqual([]);
    return created.lead.id as string;
  }
  async function candidates(id: string, token?: string): Promise<Duplicate[] | null> {
    return (await f.gql(CANDIDATES, { id }, token)).possibleDuplicates;
  }
  async function customerCount(): Promise<number> {
    return (await f.gql(`{ customers(first: 1) { totalCount } }`)).customers.totalCount;
  }
  async function leadCount(): Promise<number> {
    return (await f.gql(`{ leads(first: 1) { totalCount } }`)).leads.totalCount;
  }
  return { org, ref, ...f, createCustomer, createLead, customer, lead, candidates, customerCount, leadCount };
}

/** Name and reasons of each duplicate, in order: what a user reads. */
function summary(duplicates: Duplicate[]): Array<{ name: string | undefined; reasons: string[] }> {
  return duplicates.map((d) => ({ name: d.record?.name, reasons: d.reasons.map((r) => r.reason) }));
}

describe('each reason, compared normalised', () => {
  it('SIMILAR_NAME: names alike once case, punctuation and legal suffixes are set aside; unlike names are not', async () => {
    const o = await organisation();
    const acme = await o.customer('Acme Plumbing Ltd');
    await o.customer('Bristol Boilers');
    const created = await o.createCustomer({ name: 'ACME Plumbing Limited.' });
    expect(created.userErrors).toEqual([]);
    expect(created.possibleDuplicates).toEqual([
      {
        score: 0.7,
        record: { __typename: 'Customer', id: acme, name: 'Acme Plumbing Ltd' },
        reasons: [{ reason: 'SIMILAR_NAME', matchedValue: 'Acme Plumbing Ltd', similarity: 1 }],
      },
    ]);
    // Alike, not the same: the similarity says how alike; "Bath Boilers" is not like "Bristol Boilers".
    const heating = await o.createCustomer({ name: 'Acme Plumbing & Heating' });
    expect(heating.possibleDuplicates.map((d: Duplicate) => d.reasons[0]!.similarity)).toEqual([0.7, 0.7]);
    expect((await o.createCustomer({ name: 'Bath Boilers' })).possibleDuplicates).toEqual([]);
  });

  it('SAME_EMAIL: ignoring case and surrounding spaces, on any contact of either', async () => {
    const o = await o_();
    const first = await o.customer('Brightwater Lettings', {
      contacts: [{ surname: 'Hale', emails: [{ address: 'Office@Brightwater.example' }, { address: 'other@brightwater.example' }] }],
    });
    const created = await o.createCustomer({
      name: 'Kingfisher Holdings',
      contacts: [{ surname: 'Someone' }, { surname: 'Nash', emails: [{ address: 'office@brightwater.EXAMPLE' }] }],
    });
    expect(created.possibleDuplicates).toEqual([
      {
        score: 0.8,
        record: { __typename: 'Customer', id: first, name: 'Brightwater Lettings' },
        reasons: [{ reason: 'SAME_EMAIL', matchedValue: 'Office@Brightwater.example', similarity: null }],
      },
    ]);
  });

  it('SAME_PHONE: by the digits, whatever spaces or punctuation a stored number has', async () => {
    const o = await o_();
    const first = await o.customer('Copperfield Estates', { contacts: [{ surname: 'Moss', phones: [{ type: 'OFFICE', number: '+441179460000' }] }] });
    // A number kept with spaces and dashes (as an older import might have): the same digits match.
    await server.database.db.execute(
      sql`update contacts set phones = '[{"type":"MOBILE","number":"+44 7700-900 123"}]'::jsonb where customer_id = ${parseGlobalId(first)!.id}`,
    );
    const created = await o.createCustomer({ name: 'Larkspur Homes', contacts: [{ surname: 'Ward', phones: [{ type: 'MOBILE', number: '+447700900123' }] }] });
    expect(created.possibleDuplicates).toEqual([
      {
        score: 0.7,
        record: { __typename: 'Customer', id: first, name: 'Copperfield Estates' },
        reasons: [{ reason: 'SAME_PHONE', matchedValue: '+44 7700-900 123', similarity: null }],
      },
    ]);
  });

  it('SAME_VAT_NUMBER: letters and digits only, with or without the country prefix', async () => {
    const o = await o_();
    const first = await o.customer('Driftwood Facilities', { vatNumber: 'GB 123 4567 89' });
    const created = await o.createCustomer({ name: 'Marlow Property Care', vatNumber: '123456789' });
    expect(created.possibleDuplicates).toEqual([
      {
        score: 0.9,
        record: { __typename: 'Customer', id: first, name: 'Driftwood Facilities' },
        reasons: [{ reason: 'SAME_VAT_NUMBER', matchedValue: 'GB 123 4567 89', similarity: null }],
      },
    ]);
    expect((await o.createCustomer({ name: 'Norbury Works', vatNumber: 'GB 987654321' })).possibleDuplicates).toEqual([]);
  });

  it('SAME_ADDRESS: the same postcode and line 1, ignoring case, spaces, punctuation and "Road"/"Rd"', async () => {
    const o = await o_();
    const first = await o.customer('Elmstead Clinic', { address: { line1: '12 Harbour Road', postcode: 'BS1 5TT' } });
    const created = await o.createCustomer({ name: 'Oakhurst Dental', address: { line1: '12, harbour rd.', postcode: 'bs15tt' } });
    expect(created.possibleDuplicates).toEqual([
      {
        score: 0.6,
        record: { __typename: 'Customer', id: first, name: 'Elmstead Clinic' },
        reasons: [{ reason: 'SAME_ADDRESS', matchedValue: '12 Harbour Road, BS1 5TT', similarity: null }],
      },
    ]);
    // The same line 1 at another postcode is another place.
    expect((await o.createCustomer({ name: 'Pinewood Vets', address: { line1: '12 Harbour Road', postcode: 'BS2 0AA' } })).possibleDuplicates).toEqual([]);
  });
});

/** (A shorter name for `organisation`, for the tests above.) */
const o_ = organisation;

describe('ranking', () => {
  it('strongest first, every reason raising the score, at most 10', async () => {
    const o = await organisation();
    const nameOnly = await o.customer('Quayside Heating Services');
    const vatAndName = await o.customer('Quayside Heating Services Ltd', { vatNumber: 'GB555666777' });
    const emailOnly = await o.customer('Riverside Trading', { contacts: [{ surname: 'Lowe', emails: [{ address: 'accounts@quayside.example' }] }] });
    const created = await o.createCustomer({
      name: 'Quayside Heating Services',
      vatNumber: '555 666 777',
      contacts: [{ surname: 'Lowe', emails: [{ address: 'accounts@quayside.example' }] }],
    });
    // 1 − (1 − 0.9)(1 − 0.7) = 0.97; then the email (0.8); then the name alone (0.7).
    expect(created.possibleDuplicates.map((d: Duplicate) => ({ id: d.record!.id, score: d.score, reasons: d.reasons.map((r) => r.reason) }))).toEqual([
      { id: vatAndName, score: 0.97, reasons: ['SAME_VAT_NUMBER', 'SIMILAR_NAME'] },
      { id: emailOnly, score: 0.8, reasons: ['SAME_EMAIL'] },
      { id: nameOnly, score: 0.7, reasons: ['SIMILAR_NAME'] },
    ]);

    for (let i = 0; i < 10; i += 1) await o.customer(`Quayside Heating Services ${String.fromCharCode(65 + i)}`);
    const many = await o.createCustomer({ name: 'Quayside Heating Services', vatNumber: 'GB555666777' });
    expect(many.possibleDuplicates).toHaveLength(10);
    // The two with the VAT number and the name (0.97 each; equal scores go by name), then the names alone.
    expect(many.possibleDuplicates.slice(0, 2).map((d: Duplicate) => d.record!.id)).toEqual([created.customer.id, vatAndName]);
    const scores = many.possibleDuplicates.map((d: Duplicate) => d.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });
});

describe('refusing to save', () => {
  it('createCustomer with refuseIfDuplicates saves nothing, lists the duplicates, and leaves its key free for saving anyway', async () => {
    const o = await organisation();
    const first = await o.customer('Sandpiper Cleaning', { vatNumber: 'GB111222333' });
    const before = await o.customerCount();
    const input = { name: 'Sandpiper Cleaning Co', vatNumber: 'GB111222333', idempotencyKey: 'sandpiper-1' };

    const refused = await o.createCustomer({ ...input, refuseIfDuplicates: true });
    expect(refused.customer).toBeNull();
    expect(refused.userErrors).toEqual([
      { field: ['input', 'refuseIfDuplicates'], code: 'POSSIBLE_DUPLICATES', message: expect.stringContaining('nothing was saved') },
    ]);
    expect(summary(refused.possibleDuplicates)).toEqual([{ name: 'Sandpiper Cleaning', reasons: ['SAME_VAT_NUMBER', 'SIMILAR_NAME'] }]);
    expect(await o.customerCount()).toBe(before);

    // The user looked and decided: the same key, saved anyway; a retry answers with the first result.
    const saved = await o.createCustomer({ ...input, address: { line1: '1 Sandpiper Way', postcode: 'SP1 1AA' } });
    expect(saved.userErrors).toEqual([]);
    expect(saved.possibleDuplicates.map((d: Duplicate) => d.record!.id)).toEqual([first]);
    const retried = await o.createCustomer({ ...input, address: { line1: '1 Sandpiper Way', postcode: 'SP1 1AA' } });
    expect(retried).toEqual(saved);
    expect(await o.customerCount()).toBe(before + 1);
  });

  it('refuseIfDuplicates saves as usual when there are none', async () => {
    const o = await organisation();
    await o.customer('Tern Electrical');
    const created = await o.createCustomer({ name: 'Umber Roofing', refuseIfDuplicates: true });
    expect(created.userErrors).toEqual([]);
    expect(created.possibleDuplicates).toEqual([]);
  });

  it('createLead: finds customers and leads, never converted leads; refusing saves no lead, contact or address', async () => {
    const o = await organisation();
    const customer = await o.customer('Violet Gardens Ltd');
    const openLead = await o.lead('Violet Gardens', { contacts: [{ surname: 'Reed', emails: [{ address: 'hello@violet.example' }] }] });
    const converted = await o.lead('Violet Gardens Limited');
    await o.mutate('convertLead', { leadId: converted, typeId: o.ref.types.Company }, 'customer { id }');

    const leadsBefore = await o.leadCount();
    const refused = await o.createLead({
      name: 'Violet Gardens',
      contacts: [{ surname: 'Reed', emails: [{ address: 'HELLO@violet.example' }] }],
      refuseIfDuplicates: true,
    });
    expect(refused.lead).toBeNull();
    expect(refused.userErrors.map((e: { code: string }) => e.code)).toEqual(['POSSIBLE_DUPLICATES']);
    const found = refused.possibleDuplicates as Duplicate[];
    // The open lead (email and name), then the customers: the one made directly and the one the converted lead became.
    expect(found[0]).toMatchObject({ record: { __typename: 'Lead', id: openLead }, reasons: [{ reason: 'SAME_EMAIL' }, { reason: 'SIMILAR_NAME' }] });
    expect(found.map((d) => d.record!.__typename)).toEqual(['Lead', 'Customer', 'Customer']);
    expect(found.map((d) => d.record!.id)).toContain(customer);
    expect(found.map((d) => d.record!.id)).not.toContain(converted);
    expect(await o.leadCount()).toBe(leadsBefore);
    const [rows] = await selectRows<{ contacts: number; addresses: number }>(
      server.database.db,
      sql`select (select count(*) from contacts where organisation_id = ${o.org.organisationId} and lead_id is not null)::int as contacts,
                 (select count(*) from addresses where organisation_id = ${o.org.organisationId} and lead_id is not null)::int as addresses`,
    );
    // The open lead's contact, and the two earlier leads' addresses: nothing of the refused lead.
    expect(rows).toEqual({ contacts: 1, addresses: 2 });
  });

  it('convertLead: the new customer is compared (not the lead with itself); refusing converts nothing; into an existing customer there is no check', async () => {
    const o = await organisation();
    const existing = await o.customer('Wrenfield Farms', { contacts: [{ surname: 'Amos', phones: [{ type: 'OFFICE', number: '+441632960001' }] }] });
    const leadId = await o.lead('Westbrook Dairy', { contacts: [{ surname: 'Amos', phones: [{ type: 'OFFICE', number: '+441632960001' }] }] });
    const customersBefore = await o.customerCount();

    const refused = (await o.gql(CONVERT_LEAD, { input: { leadId, typeId: o.ref.types.Company, refuseIfDuplicates: true } })).convertLead;
    expect(refused).toMatchObject({ customer: null, lead: null, userErrors: [{ code: 'POSSIBLE_DUPLICATES' }] });
    expect(summary(refused.possibleDuplicates)).toEqual([{ name: 'Wrenfield Farms', reasons: ['SAME_PHONE'] }]);
    expect(await o.customerCount()).toBe(customersBefore);
    expect((await o.gql(`query($id: ID!) { lead(id: $id) { status } }`, { id: leadId })).lead.status).toBe('NEW');

    const converted = (await o.gql(CONVERT_LEAD, { input: { leadId, typeId: o.ref.types.Company } })).convertLead;
    expect(converted.userErrors).toEqual([]);
    expect(converted.lead.status).toBe('CONVERTED');
    expect(converted.possibleDuplicates.map((d: Duplicate) => d.record!.id)).toEqual([existing]);

    const other = await o.lead('Wrenfield Farm Shop', { contacts: [{ surname: 'Amos', phones: [{ type: 'OFFICE', number: '+441632960001' }] }] });
    const into = (await o.gql(CONVERT_LEAD, { input: { leadId: other, typeId: o.ref.types.Company, intoCustomerId: existing, refuseIfDuplicates: true } }))
      .convertLead;
    expect(into).toMatchObject({ customer: { id: existing }, userErrors: [], possibleDuplicates: [] });
  });
});

describe('visibility', () => {
  it("a salesperson is never told of others' customers and leads they may not see: not listed, not refused", async () => {
    const o = await organisation();
    const sales = await o.org.tokenFor('SALES');
    const admins = await o.customer('Yarrow Veterinary Group', { vatNumber: 'GB444555666' });
    await o.lead('Yarrow Veterinary', { vatNumber: 'GB444555666' });
    const created = await o.createCustomer({ name: 'Yarrow Veterinary Group', vatNumber: 'GB444555666', refuseIfDuplicates: true }, sales);
    // Saved: the admin's customer and lead, which the salesperson may not see, were no reason to refuse.
    expect(created).toMatchObject({ userErrors: [], possibleDuplicates: [] });
    // Their own customers they are told of.
    const ownCreated = await o.createCustomer({ name: 'Yarrow Veterinary' }, sales);
    expect(ownCreated.possibleDuplicates.map((d: Duplicate) => d.record!.id)).toEqual([created.customer.id]);
    const own = ownCreated.customer.id as string;
    expect((await o.candidates(own, sales))!.map((d) => d.record!.id)).toEqual([created.customer.id]);
    // The admin's customer is not found for them, not even as the customer asked about.
    expect(await o.candidates(admins, sales)).toBeNull();

    // A grant opens the admin's customer to them, and then it is found.
    await o.mutate(
      'grantRecordAccess',
      { recordId: admins, granteeId: await o.org.userIdFor('SALES'), endsAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'cover' },
      'accessGrant { id }',
    );
    const ids = ((await o.candidates(own, sales)) ?? []).map((d) => d.record!.id);
    expect(ids).toEqual(expect.arrayContaining([admins, created.customer.id]));
    // The admin sees everything.
    expect((await o.candidates(own))!.map((d) => d.record!.id)).toEqual(expect.arrayContaining([admins, created.customer.id]));
  });

  it('portal tokens may not look for duplicates, not even of their own customer', async () => {
    const o = await organisation();
    const id = await o.customer('Zephyr Glazing');
    await o.customer('Zephyr Glazing Ltd');
    const { token } = await o.mutate('createPortalToken', { customerId: id, name: 'Portal', permissions: ['VIEW_INVOICES'] }, 'token');
    const res = await server.graphql(CANDIDATES, { id }, token as string);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('possibleDuplicates(customerId:): merge candidates', () => {
  it('other customers (not leads, not itself), never merged or anonymised ones; a merged id answers for its survivor', async () => {
    const o = await organisation();
    const survivor = await o.customer('Alder Property Services');
    const merged = await o.customer('Alder Property Services Ltd');
    const candidate = await o.customer('Alder Property Service');
    const anonymised = await o.customer('Alder Property Services Limited');
    await o.lead('Alder Property Services');

    expect((await o.candidates(survivor))!.map((d) => d.record!.id).sort()).toEqual([merged, candidate, anonymised].sort());

    await o.mutate('mergeCustomers', { survivorId: survivor, mergedIds: [merged] }, 'customer { id }');
    const version = (await o.gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: anonymised })).customer.version;
    await o.mutate('anonymiseCustomer', { id: anonymised, expectedVersion: version }, 'customer { id }');

    const after = await o.candidates(survivor);
    expect(after!.map((d) => ({ id: d.record!.id, typename: d.record!.__typename }))).toEqual([{ id: candidate, typename: 'Customer' }]);
    expect(await o.candidates(merged)).toEqual(after);
    expect(await o.candidates(toGlobalId('Customer', '00000000-0000-4000-8000-000000000000'))).toBeNull();
  });
});
