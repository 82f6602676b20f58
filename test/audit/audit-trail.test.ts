// The audit trail (Customer.auditTrail, Lead.auditTrail) and the customer read log (Customer.readLog)
// through the API: what is recorded, newest first, paged by cursor, scoped to the record and the
// organisation, readable only by admins and managers, and without a query per record in a list.
import { writeCustomerReads } from '../../src/audit/read-log-plugin';
import { auditEntries, recordReads } from '../../src/audit/tables';
import { parseGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { createTestOrganisation, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => ({ server, org, ref } = await startTestOrganisation()));
afterAll(() => server.close());

const mutate = (query: string, input: Record<string, unknown>, token?: string) => mutation(query, input, { token });

const { createCustomer, mutation } = flows(() => ({ server, token: org.adminToken, ref }));

const UPDATE_CUSTOMER = `mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { version } userErrors { code } } }`;
const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { code } } }`;
const UPDATE_CONTACT = `mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } userErrors { code } } }`;

const TRAIL = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  customer(id: $id) {
    auditTrail(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor }
      nodes { id action entityType entityId actor { email } portalToken { id } at before after requestId }
    }
  }
}`;

/** Read logs through the customers list, which itself records no read. */
const READ_LOGS = `{ customers(first: 100) { nodes { id readLog(first: 50) { totalCount nodes { id reader { email } portalToken { id } at requestId } } } } }`;

async function trail(id: string, args: Record<string, unknown> = { first: 50 }, token = org.adminToken) {
  const res = await server.graphql(TRAIL, { id, ...args }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.customer.auditTrail;
}

async function readLogOf(customerId: string, token = org.adminToken) {
  const res = await server.graphql(READ_LOGS, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data!.customers.nodes.find((c: any) => c.id === customerId).readLog;
}

describe('Customer.auditTrail', () => {
  let customerId: string;
  let contactId: string;

  beforeAll(async () => {
    customerId = await createCustomer('Audit Trail Ltd');
    await mutate(UPDATE_CUSTOMER, { id: customerId, name: 'Audit Trail Limited' });
    await mutate(UPDATE_CUSTOMER, { id: customerId, vatNumber: 'GB123456789' }, await org.tokenFor('MANAGER'));
    contactId = (await mutate(CREATE_CONTACT, { ownerId: customerId, contact: { firstName: 'Grace', surname: 'Hopper' } })).contact.id;
    await mutate(UPDATE_CONTACT, { id: contactId, position: 'Rear Admiral' });
    // A different customer, changed in between: none of its entries may show in the first one's trail.
    const other = await createCustomer('Someone Else Ltd');
    await mutate(UPDATE_CUSTOMER, { id: other, name: 'Someone Else Limited' });
  });

  it('lists the changes to the customer and to its contacts and addresses, newest first, with before and after', async () => {
    const page = await trail(customerId);
    expect(page.totalCount).toBe(6);
    expect(page.nodes.map((n: any) => n.action)).toEqual([
      'contact.update',
      'contact.create',
      'customer.update',
      'customer.update',
      'address.create',
      'customer.create',
    ]);
    const [contactUpdate, contactCreate, secondUpdate, firstUpdate, addressCreate, create] = page.nodes;

    expect(contactUpdate).toMatchObject({ entityType: 'Contact', entityId: contactId, actor: { email: 'admin@acme-services.test' }, portalToken: null });
    expect(contactUpdate.before).toMatchObject({ surname: 'Hopper', position: null });
    expect(contactUpdate.after).toMatchObject({ surname: 'Hopper', position: 'Rear Admiral' });
    expect(contactCreate.before).toBeNull();
    expect(contactCreate.after).toMatchObject({ firstName: 'Grace', surname: 'Hopper' });

    expect(secondUpdate.actor.email).toMatch(/^manager-\d+@acme-services\.test$/);
    expect(secondUpdate.before).toMatchObject({ name: 'Audit Trail Limited', vatNumber: null });
    expect(secondUpdate.after).toMatchObject({ name: 'Audit Trail Limited', vatNumber: 'GB123456789' });
    expect(firstUpdate.before).toMatchObject({ name: 'Audit Trail Ltd' });
    expect(firstUpdate.after).toMatchObject({ name: 'Audit Trail Limited' });

    expect(addressCreate).toMatchObject({ entityType: 'Address', before: null, after: expect.objectContaining({ line1: '1 Quay Street' }) });
    expect(parseGlobalId(addressCreate.entityId)?.type).toBe('Address');
    expect(create).toMatchObject({ entityType: 'Customer', entityId: customerId, before: null, after: expect.objectContaining({ name: 'Audit Trail Ltd' }) });

    // Ids are opaque and distinct; times are real; every entry names the request that made it.
    expect(new Set(page.nodes.map((n: any) => n.id)).size).toBe(6);
    for (const node of page.nodes) {
      expect(node.id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Number.isNaN(Date.parse(node.at))).toBe(false);
      expect(typeof node.requestId).toBe('string');
    }
  });

  it('pages forwards and backwards by cursor', async () => {
    const all = (await trail(customerId)).nodes.map((n: any) => n.id);
    const first = await trail(customerId, { first: 4 });
    expect(first.nodes.map((n: any) => n.id)).toEqual(all.slice(0, 4));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(6);

    const second = await trail(customerId, { first: 4, after: first.pageInfo.endCursor });
    expect(second.nodes.map((n: any) => n.id)).toEqual(all.slice(4));
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const back = await trail(customerId, { last: 2, before: second.pageInfo.startCursor });
    expect(back.nodes.map((n: any) => n.id)).toEqual(all.slice(2, 4));
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const oldest = await trail(customerId, { last: 2 });
    expect(oldest.nodes.map((n: any) => n.id)).toEqual(all.slice(4));
    expect(oldest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('refuses malformed cursors and pages above the maximum size', async () => {
    const bad = await server.graphql(TRAIL, { id: customerId, first: 2, after: 'not-a-cursor' }, org.adminToken);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // A cursor of a uuid-keyed list is not one of this list's.
    const forged = Buffer.from(JSON.stringify(['NEWEST', '5', '00000000-0000-0000-0000-000000000000'])).toString('base64url');
    const wrong = await server.graphql(TRAIL, { id: customerId, first: 2, after: forged }, org.adminToken);
    expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await server.graphql(TRAIL, { id: customerId, first: 10_000 }, org.adminToken);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is for admins and managers only', async () => {
    const own = await createCustomer('Sales Own Ltd', { token: await org.tokenFor('SALES') });
    const sales = await server.graphql(TRAIL, { id: own, first: 5 }, await org.tokenFor('SALES'));
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(sales.data?.customer ?? null).toBeNull();
    const readLog = await server.graphql(`query($id: ID!) { customer(id: $id) { readLog { totalCount } } }`, { id: own }, await org.tokenFor('SALES'));
    expect(readLog.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const manager = await server.graphql(TRAIL, { id: own, first: 5 }, await org.tokenFor('MANAGER'));
    expect(manager.errors).toBeUndefined();
    expect(manager.data!.customer.auditTrail.nodes.map((n: any) => n.action)).toEqual(['address.create', 'customer.create']);
  });

  it('costs the same number of queries for a page of many customers as for a few', async () => {
    for (let i = 0; i < 5; i += 1) await createCustomer(`Batch ${i} Ltd`);
    const query = `query($first: Int!) { customers(first: $first) { nodes { auditTrail(first: 2) { totalCount nodes { action actor { email } } } } } }`;
    const few = await server.graphql(query, { first: 2 }, org.adminToken);
    const many = await server.graphql(query, { first: 8 }, org.adminToken);
    expect(few.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    expect(many.data!.customers.nodes).toHaveLength(8);
    for (const c of many.data!.customers.nodes) expect(c.auditTrail.nodes.length).toBeGreaterThan(0);
    expect(many.statements).toBe(few.statements);
  });
});

describe('Lead.auditTrail', () => {
  it('lists the lead and its contacts and addresses', async () => {
    const created = await server.graphql(
      `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } userErrors { code } } }`,
      { input: { name: 'Trail Lead', contacts: [{ surname: 'Lamarr' }], addresses: [{ type: 'TRADING', line1: '1 Lead Lane' }] } },
      org.adminToken,
    );
    expect(created.data!.createLead.userErrors).toEqual([]);
    const id = created.data!.createLead.lead.id;
    const res = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Lead { auditTrail(first: 10) { totalCount nodes { action entityType } } } } }`,
      { id },
      org.adminToken,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.node.auditTrail.totalCount).toBe(3);
    expect(res.data!.node.auditTrail.nodes.map((n: any) => n.action).sort()).toEqual(['address.create', 'contact.create', 'lead.create']);
    expect(res.data!.node.auditTrail.nodes[2].action).toBe('lead.create');
  });
});

describe('deleted rows', () => {
  it("keep their history, the deletion included, in the customer's and the lead's trail", async () => {
    const customerId = await createCustomer('Deletions Ltd');
    const contact = (await mutate(CREATE_CONTACT, { ownerId: customerId, contact: { surname: 'Gone' } })).contact.id;
    const note = (
      await mutate(`mutation($input: CreateNoteInput!) { createNote(input: $input) { note { id } userErrors { code } } }`, {
        ownerId: customerId,
        body: 'Old news',
      })
    ).note.id;
    const work = (
      await mutate(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { code } } }`, {
        customerId,
        line1: '2 Site Road',
      })
    ).workAddress.id;
    const asset = (
      await mutate(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { code } } }`, {
        customerId,
        workAddressId: work,
        description: 'Old boiler',
      })
    ).asset.id;
    await mutate(`mutation($input: DeleteContactInput!) { deleteContact(input: $input) { deletedContactId userErrors { code } } }`, { id: contact });
    await mutate(`mutation($input: DeleteNoteInput!) { deleteNote(input: $input) { deletedNoteId userErrors { code } } }`, { id: note });
    await mutate(`mutation($input: DeleteAssetInput!) { deleteAsset(input: $input) { deletedAssetId userErrors { code } } }`, { id: asset });

    const page = await trail(customerId);
    const of = (id: string) => page.nodes.filter((n: any) => n.entityId === id).map((n: any) => n.action);
    expect(of(contact)).toEqual(['contact.delete', 'contact.create']);
    expect(of(note)).toEqual(['note.delete', 'note.create']);
    expect(of(asset)).toEqual(['asset.delete', 'asset.create']);
    expect(page.nodes[0]).toMatchObject({ action: 'asset.delete', before: expect.objectContaining({ description: 'Old boiler' }), after: null });
    expect(page.totalCount).toBe(page.nodes.length);

    // A lead's deleted contact stays in the lead's trail, and in no one else's.
    const lead = await server.graphql(
      `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id contacts { nodes { id } } } userErrors { code } } }`,
      { input: { name: 'Deleting Lead', contacts: [{ surname: 'Kept' }, { surname: 'Dropped' }] } },
      org.adminToken,
    );
    const leadId = lead.data!.createLead.lead.id;
    const dropped = lead.data!.createLead.lead.contacts.nodes[1].id;
    await mutate(`mutation($input: DeleteContactInput!) { deleteContact(input: $input) { deletedContactId userErrors { code } } }`, { id: dropped });
    const leadTrail = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on Lead { auditTrail(first: 10) { nodes { action entityId } } } } }`,
      { id: leadId },
      org.adminToken,
    );
    expect(leadTrail.data!.node.auditTrail.nodes.filter((n: any) => n.entityId === dropped).map((n: any) => n.action)).toEqual([
      'contact.delete',
      'contact.create',
    ]);
    expect(of(dropped)).toEqual([]);
  });
});

describe('Customer.readLog', () => {
  it('records each request that opens the customer by id, with the reader; lists record nothing', async () => {
    const customerId = await createCustomer('Read Log Ltd');
    expect((await readLogOf(customerId)).totalCount).toBe(0);

    const manager = await org.tokenFor('MANAGER');
    for (let i = 0; i < 2; i += 1) {
      const res = await server.graphql(`query($id: ID!) { customer(id: $id) { name } }`, { id: customerId }, manager);
      expect(res.data!.customer.name).toBe('Read Log Ltd');
    }
    const viaNode = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Customer { name } } }`, { id: customerId }, manager);
    expect(viaNode.data!.node.name).toBe('Read Log Ltd');

    // Lists, including the one used to read the log, are not reads.
    await server.graphql(`{ customers(first: 50) { nodes { id name } } }`, {}, manager);
    const log = await readLogOf(customerId);
    expect(log.totalCount).toBe(3);
    expect(log.nodes).toHaveLength(3);
    for (const read of log.nodes) {
      expect(read.reader.email).toMatch(/^manager-\d+@acme-services\.test$/);
      expect(read.portalToken).toBeNull();
      expect(typeof read.requestId).toBe('string');
    }
    // One request, one read; three requests, three request ids.
    expect(new Set(log.nodes.map((r: any) => r.requestId)).size).toBe(3);
    expect(new Set(log.nodes.map((r: any) => r.id)).size).toBe(3);

    // nodes() with the same customer twice is still one read in that request.
    await server.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [customerId, customerId] }, org.adminToken);
    const after = await readLogOf(customerId);
    expect(after.totalCount).toBe(4);
    expect(after.nodes[0].reader.email).toBe('admin@acme-services.test');
    // Newest first, and pages like any connection.
    const paged = await server.graphql(
      `{ customers(first: 100) { nodes { id readLog(first: 3) { pageInfo { hasNextPage endCursor } nodes { id } } } } }`,
      {},
      org.adminToken,
    );
    const first = paged.data!.customers.nodes.find((c: any) => c.id === customerId).readLog;
    expect(first.nodes.map((n: any) => n.id)).toEqual(after.nodes.slice(0, 3).map((n: any) => n.id));
    expect(first.pageInfo.hasNextPage).toBe(true);
  });

  it('does not record a customer the viewer may not see', async () => {
    const customerId = await createCustomer('Hidden From Sales Ltd');
    const res = await server.graphql(`query($id: ID!) { customer(id: $id) { name } }`, { id: customerId }, await org.tokenFor('SALES'));
    expect(res.data!.customer).toBeNull();
    expect((await readLogOf(customerId)).totalCount).toBe(0);
  });
});

describe('organisations', () => {
  it('never shows another organisation’s entries or reads', async () => {
    const customerId = await createCustomer('Tenant One Ltd');
    const other = await createTestOrganisation(server, 'Other Tenant');
    // Rows of the other organisation that name this customer's id (as a corrupt or malicious write might).
    const rawId = parseGlobalId(customerId)!.id;
    await server.database.db.insert(auditEntries).values({
      organisationId: other.organisationId,
      action: 'customer.update',
      entityType: 'Customer',
      entityId: rawId,
      after: { name: 'Leaked' },
    });
    await server.database.db.insert(recordReads).values({ organisationId: other.organisationId, customerId: rawId });

    const page = await trail(customerId);
    expect(page.totalCount).toBe(2);
    expect(page.nodes.map((n: any) => n.action)).toEqual(['address.create', 'customer.create']);
    // Only this organisation's read: the one `trail` just made by opening the customer.
    const log = await readLogOf(customerId);
    expect(log.totalCount).toBe(1);
    expect(log.nodes.map((r: any) => r.reader?.email)).toEqual(['admin@acme-services.test']);

    // The other organisation cannot open the customer, so it records no read of it either.
    const res = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: customerId }, other.adminToken);
    expect(res.data!.node).toBeNull();
    expect((await readLogOf(customerId)).totalCount).toBe(1);
  });
});

describe('writing the read log', () => {
  it('logs a failed write and lets the request go on', async () => {
    const errors: unknown[] = [];
    const ctx = {
      db: { insert: () => ({ values: () => Promise.reject(new Error('disk full')) }) },
      log: { error: (...args: unknown[]) => errors.push(args) },
      requestId: 'req-1',
      viewer: { organisationId: org.organisationId, userId: null, portal: { id: 'p' } },
      customerReads: new Set(['00000000-0000-0000-0000-000000000001']),
    } as never;
    await expect(writeCustomerReads(ctx)).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('could not write the customer read log');
  });
});
