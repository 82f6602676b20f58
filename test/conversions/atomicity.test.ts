// Conversions and customer workflows are all-or-nothing (issue 5: "every one runs in a single
// transaction"; a half-done conversion is lost business). Each case fails the mutation for real, in
// PostgreSQL, at one of its late writes (a trigger that raises; test/helpers/atomicity.ts), then
// checks that no row of any table changed, that the client saw a bare
// INTERNAL_SERVER_ERROR, and that the same call, same idempotency key, then succeeds.
//
// To cover another workflow, add an entry to `cases`: how to build what it needs (`arrange`, which
// returns the request), where to fail it (`failAt`, its last write first), and which tables a
// successful run writes (`writes`: the retry must change them, which shows those writes came before
// the failure point and were undone). The money workflows' cases are in test/payments/atomicity.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  auditEntryOf,
  changedTables,
  describeAtomicity,
  failOn,
  idempotencyKeyResult,
  tableChecksums,
  type AtomicityCase,
  type Injection,
  type MutationAttempt,
} from '../helpers/atomicity';
import { fillCustomerRecord, LEAD_CONTACTS_AND_ADDRESSES } from '../helpers/customer-record';
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

beforeAll(async () => {
  // Production mode: what a real client gets when a mutation fails unexpectedly.
  server = await startTestServer({ NODE_ENV: 'production' });
  org = await createTestOrganisation(server);
  ref = await readReference(server, org.adminToken);
  const def = await gql(`mutation($input: CreateCustomFieldDefinitionInput!) { createCustomFieldDefinition(input: $input) { userErrors { field code } } }`, {
    input: { key: 'trade_account', label: 'Trade account', type: 'TEXT', enabledFor: ['LEAD', 'CUSTOMER'] },
  });
  expect(def.createCustomFieldDefinition.userErrors).toEqual([]);
});
afterAll(() => server.close());

const { gql, mutate, upload: uploadFile, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

/** A PDF over one 256 KiB chunk, so the byte store writes several rows. */
const upload = (recordId: string, name: string) =>
  uploadFile(recordId, { bytes: Buffer.from(`%PDF-1.4 ${name}\n`.repeat(20_000)), name, type: 'application/pdf' });

const USER_ERRORS = 'userErrors { field code message }';

let made = 0;
/** A unique suffix for names and idempotency keys: every case builds its own records. */
const unique = () => `${++made}`;

async function sentQuote(recordId: string): Promise<string> {
  const created = await mutate(
    'createQuote',
    {
      recordId,
      lines: [
        { description: 'Boiler install', quantity: '1', unitPriceMinor: 150_000, taxRatePercent: 20 },
        { description: 'Flue', quantity: '2', unitPriceMinor: 9_000 },
      ],
    },
    'quote { id }',
  );
  await mutate('sendQuote', { id: created.quote.id }, 'quote { id }', { inputType: 'QuoteTransitionInput' });
  return created.quote.id;
}

/** A lead with one of everything a conversion carries over: contacts, addresses, notes, tasks, communications, expiries, an opportunity, a sent quote, a document, custom fields. */
async function fullLead(): Promise<{ leadId: string; quoteId: string }> {
  const name = `Atomic Lead ${unique()} Ltd`;
  const created = await mutate(
    'createLead',
    {
      name,
      vatNumber: 'GB123456789',
      customFields: { trade_account: 'TA-42' },
      ...LEAD_CONTACTS_AND_ADDRESSES,
    },
    'lead { id contacts(first: 5) { nodes { id } } }',
  );
  const leadId = created.lead.id;
  await mutate('createNote', { ownerId: leadId, body: 'Met at the trade fair' }, 'note { id }');
  await mutate('createTask', { ownerId: leadId, type: 'PHONE_CALL', subject: 'Call back', dueAt: '2030-01-01T10:00:00Z' }, 'task { id }');
  await mutate(
    'logCommunication',
    { ownerId: leadId, contactId: created.lead.contacts.nodes[0].id, channel: 'EMAIL', subject: 'Brochure' },
    'communication { id }',
  );
  await mutate('createExpiry', { ownerId: leadId, supplier: 'Other Gas Co', description: 'Boiler cover', endsOn: '2031-03-01' }, 'expiry { id }');
  await mutate('createOpportunity', { recordId: leadId, name: 'New boiler' }, 'opportunity { id }');
  const quoteId = await sentQuote(leadId);
  await upload(leadId, 'survey.pdf');
  return { leadId, quoteId };
}

async function customerWith(overrides: Record<string, unknown> = {}): Promise<string> {
  return createCustomer(`Atomic Customer ${unique()} Ltd`, { overrides });
}

async function withWorkAddresses(customerId: string, count = 2): Promise<string> {
  for (let i = 1; i <= count; i += 1) {
    await mutate('createWorkAddress', { customerId, line1: `${i} Atomic Row`, postcode: 'BS1 4DJ' }, 'workAddress { id }');
  }
  return customerId;
}

const CONVERT = `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { customer { id stage } lead { id status } ${USER_ERRORS} } }`;
const SIGN = `mutation($input: SignQuoteInput!) { signQuote(input: $input) { quote { id status } customer { id } salesOrder { id } ${USER_ERRORS} } }`;
const CHANGE_STATUS = `mutation($input: ChangeCustomerStatusInput!) { changeCustomerStatus(input: $input) { customer { id status { code } } note { id } followUpTask { id } ${USER_ERRORS} } }`;
const DEACTIVATE = `mutation($input: DeactivateCustomerInput!) { deactivateCustomer(input: $input) { customer { id status { code } } note { id } ${USER_ERRORS} } }`;
const REACTIVATE = `mutation($input: ReactivateCustomerInput!) { reactivateCustomer(input: $input) { customer { id status { code } } ${USER_ERRORS} } }`;
const CHANGE_TYPE = `mutation($input: ChangeCustomerTypeInput!) { changeCustomerType(input: $input) { customer { id type { name } } ${USER_ERRORS} } }`;

const MERGE = `mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } mergedCustomerIds ${USER_ERRORS} } }`;

const CONVERT_TO_ASSETS = `mutation($input: ConvertSalesOrderToAssetsInput!) { convertSalesOrderToAssets(input: $input) { salesOrder { id } assets { id } ${USER_ERRORS} } }`;

let assetGroupId: string | undefined;
/** A PENDING customer (from a signed lead quote) with a sales order of two asset lines and one plain line. */
async function pendingOrder(): Promise<string> {
  assetGroupId ??= (await mutate('createAssetListItem', { list: 'GROUP', name: 'Atomic boilers' }, 'item { id }')).item.id;
  const lead = await mutate('createLead', { name: `Atomic Order ${unique()} Ltd` }, 'lead { id }');
  const created = await mutate(
    'createQuote',
    {
      recordId: lead.lead.id,
      lines: [
        { description: 'Boiler', quantity: '1', unitPriceMinor: 150_000, assetGroupId },
        { description: 'Radiators', quantity: '3', unitPriceMinor: 9_000, assetGroupId },
        { description: 'Labour', quantity: '2', unitPriceMinor: 5_000 },
      ],
    },
    'quote { id }',
  );
  await mutate('sendQuote', { id: created.quote.id }, 'quote { id }', { inputType: 'QuoteTransitionInput' });
  const signed = await mutate('signQuote', { quoteId: created.quote.id }, 'salesOrder { id }');
  return signed.salesOrder.id;
}

const DELETE = `mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { deletedCustomerId ${USER_ERRORS} } }`;
const ANONYMISE = `mutation($input: AnonymiseCustomerInput!) { anonymiseCustomer(input: $input) { customer { id name } ${USER_ERRORS} } }`;

/** A customer with a row of every kind, and its current version (deletion and anonymisation require it). */
async function fullCustomer(options: { invoice?: boolean } = {}): Promise<{ id: string; version: number }> {
  const id = await customerWith({ contacts: [{ surname: 'Personal', emails: [{ address: 'personal@example.com' }] }] });
  await fillCustomerRecord(server, org, id, `Erased ${unique()}`, options);
  const data = await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id });
  return { id, version: data.customer.version };
}

const attempt = (query: string, field: string, input: Record<string, unknown>): MutationAttempt => ({
  query,
  field,
  variables: { input },
  token: org.adminToken,
});

const LEAD_CONVERSION_WRITES = [
  'customers',
  'contacts',
  'addresses',
  'notes',
  'tasks',
  'communications',
  'expiries',
  'opportunities',
  'quotes',
  'documents',
  'document_blobs',
  'leads',
  'audit_entries',
  'idempotency_keys',
];

const cases: AtomicityCase[] = [
  {
    workflow: 'convertLead with contacts, addresses, activity, documents and custom fields',
    arrange: async () => {
      const { leadId } = await fullLead();
      return attempt(CONVERT, 'convertLead', { leadId, typeId: ref.types.Private, idempotencyKey: `convert-${unique()}` });
    },
    failAt: {
      'its lead.convert audit entry (its last write)': auditEntryOf('lead.convert'),
      'the lead marked CONVERTED': { table: 'leads', op: 'UPDATE' },
      "the copied document's row": { table: 'documents' },
      'the document byte store, on its second chunk': { table: 'document_blobs', afterRows: 1 },
      'the communications moved and re-pointed at the copied contact': { table: 'communications', op: 'UPDATE' },
      'the second copied contact': { table: 'contacts', afterRows: 1 },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: LEAD_CONVERSION_WRITES,
  },
  {
    workflow: 'signQuote on a lead',
    arrange: async () => {
      const { quoteId } = await fullLead();
      return attempt(SIGN, 'signQuote', { quoteId, typeId: ref.types.Company, idempotencyKey: `sign-lead-${unique()}` });
    },
    failAt: {
      "its sales order's audit entry (its last write)": auditEntryOf('salesOrder.create'),
      'the sales order lines': { table: 'sales_order_lines' },
      'the sales order': { table: 'sales_orders' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: [...LEAD_CONVERSION_WRITES, 'sales_orders', 'sales_order_lines', 'number_sequences'],
  },
  {
    workflow: 'signQuote on a customer',
    arrange: async () => {
      const quoteId = await sentQuote(await customerWith());
      return attempt(SIGN, 'signQuote', { quoteId, idempotencyKey: `sign-customer-${unique()}` });
    },
    failAt: {
      "its sales order's audit entry (its last write)": auditEntryOf('salesOrder.create'),
      'the sales order': { table: 'sales_orders' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['quotes', 'sales_orders', 'sales_order_lines', 'number_sequences', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'changeCustomerStatus to the dormant status, with a note and a follow-up task',
    arrange: async () => {
      const id = await withWorkAddresses(await customerWith());
      return attempt(CHANGE_STATUS, 'changeCustomerStatus', {
        id,
        statusId: ref.statuses.Z,
        note: { body: 'Gone quiet', important: true },
        followUpTask: { type: 'PHONE_CALL', subject: 'Check in', dueAt: '2099-01-02T09:00:00Z' },
        idempotencyKey: `status-${unique()}`,
      });
    },
    failAt: {
      "the follow-up task's audit entry (its last write)": auditEntryOf('task.create'),
      'the follow-up task': { table: 'tasks' },
      'the work addresses marked dormant': { table: 'work_addresses', op: 'UPDATE' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['customers', 'work_addresses', 'notes', 'tasks', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'deactivateCustomer',
    arrange: async () => {
      const id = await withWorkAddresses(await customerWith());
      return attempt(DEACTIVATE, 'deactivateCustomer', { id, reason: 'Abusive to engineers', idempotencyKey: `deactivate-${unique()}` });
    },
    failAt: {
      'its customer.deactivate audit entry (its last write)': auditEntryOf('customer.deactivate'),
      'the work addresses marked dormant': { table: 'work_addresses', op: 'UPDATE' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['customers', 'notes', 'work_addresses', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'reactivateCustomer',
    arrange: async () => {
      const id = await withWorkAddresses(await customerWith());
      await mutate('deactivateCustomer', { id, reason: 'Moved abroad' }, 'customer { id }');
      return attempt(REACTIVATE, 'reactivateCustomer', { id, statusId: ref.statuses.A, idempotencyKey: `reactivate-${unique()}` });
    },
    failAt: {
      'its customer.reactivate audit entry (its last write)': auditEntryOf('customer.reactivate'),
      'the deactivation note unpinned': { table: 'notes', op: 'UPDATE' },
      'the work addresses made active again': { table: 'work_addresses', op: 'UPDATE' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['customers', 'notes', 'work_addresses', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'changeCustomerType, clearing the primary contact',
    arrange: async () => {
      const id = await customerWith({ typeId: ref.types.Private, contacts: [{ surname: 'Private', isPrimary: true }, { surname: 'Other' }] });
      return attempt(CHANGE_TYPE, 'changeCustomerType', { id, typeId: ref.types.Company, idempotencyKey: `type-${unique()}` });
    },
    failAt: {
      'its customer.changeType audit entry (its last write)': auditEntryOf('customer.changeType'),
      'the primary contact cleared': { table: 'contacts', op: 'UPDATE' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['customers', 'contacts', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'convertSalesOrderToAssets, PENDING to LIVE',
    arrange: async () => attempt(CONVERT_TO_ASSETS, 'convertSalesOrderToAssets', { salesOrderId: await pendingOrder(), idempotencyKey: `assets-${unique()}` }),
    failAt: {
      'its customer.stageChange audit entry (its last write)': auditEntryOf('customer.stageChange'),
      'the customer moved to LIVE': { table: 'customers', op: 'UPDATE' },
      'the sales order marked converted': { table: 'sales_orders', op: 'UPDATE' },
      'the second asset': { table: 'assets', afterRows: 1 },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['assets', 'sales_order_lines', 'sales_orders', 'customers', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'deleteCustomer with a row of every kind',
    arrange: async () => {
      const { id, version } = await fullCustomer();
      return attempt(DELETE, 'deleteCustomer', { id, expectedVersion: version, idempotencyKey: `delete-${unique()}` });
    },
    failAt: {
      'its customer.delete audit entry (its last write)': auditEntryOf('customer.delete'),
      'the customer row': { table: 'customers', op: 'DELETE' },
      'the second contact': { table: 'contacts', op: 'DELETE', afterRows: 1 },
      'the document bytes': { table: 'document_blobs', op: 'DELETE' },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: [
      'customers',
      'contacts',
      'addresses',
      'branches',
      'work_addresses',
      'assets',
      'notes',
      'documents',
      'document_blobs',
      'audit_entries',
      'idempotency_keys',
    ],
  },
  {
    workflow: 'anonymiseCustomer with an issued invoice and a row of every kind',
    arrange: async () => {
      const { id, version } = await fullCustomer({ invoice: true });
      return attempt(ANONYMISE, 'anonymiseCustomer', { id, expectedVersion: version, idempotencyKey: `anonymise-${unique()}` });
    },
    failAt: {
      'its customer.anonymise audit entry (its last write)': auditEntryOf('customer.anonymise'),
      'the old audit entries redacted': { table: 'audit_entries', op: 'UPDATE', afterRows: 1 },
      'the second contact blanked': { table: 'contacts', op: 'UPDATE', afterRows: 1 },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: ['customers', 'contacts', 'addresses', 'notes', 'documents', 'audit_entries', 'idempotency_keys'],
  },
  {
    workflow: 'mergeCustomers, two customers with a row of every kind into a third',
    arrange: async () => {
      const survivorId = await customerWith({ contacts: [{ surname: 'Stays' }] });
      const mergedIds = [await customerWith(), await customerWith()];
      for (const id of mergedIds) await fillCustomerRecord(server, org, id, `Merged ${unique()}`, { invoice: true });
      return attempt(MERGE, 'mergeCustomers', { survivorId, mergedIds, idempotencyKey: `merge-${unique()}` });
    },
    failAt: {
      'the customer.mergedInto audit entry of the second merged customer (its last write)': auditEntryOf('customer.mergedInto', 1),
      'the tombstones': { table: 'customer_tombstones' },
      'the merged customers deleted': { table: 'customers', op: 'DELETE' },
      'the invoices moved': { table: 'invoices', op: 'UPDATE' },
      'the second contact moved': { table: 'contacts', op: 'UPDATE', afterRows: 1 },
      "the idempotency key's stored result": idempotencyKeyResult,
    },
    writes: [
      'customers',
      'customer_tombstones',
      'contacts',
      'addresses',
      'branches',
      'work_addresses',
      'assets',
      'invoices',
      'notes',
      'tasks',
      'communications',
      'expiries',
      'documents',
      'opportunities',
      'quotes',
      'sales_orders',
      'jobs',
      'estimates',
      'access_grants',
      'portal_tokens',
      'audit_entries',
      'idempotency_keys',
    ],
  },
  {
    workflow: 'createCustomer with contacts and an address',
    arrange: async () =>
      attempt(
        CREATE_CUSTOMER,
        'createCustomer',
        customerInput(ref, {
          name: `Created Atomically ${unique()} Ltd`,
          typeId: ref.types.Private,
          contacts: [{ surname: 'First', isPrimary: true, emails: [{ address: 'first@example.com' }] }, { surname: 'Second' }],
        }),
      ),
    failAt: {
      "the second contact's audit entry (its last write)": auditEntryOf('contact.create', 1),
      'the contacts': { table: 'contacts' },
      'the billing address': { table: 'addresses' },
    },
    writes: ['customers', 'contacts', 'addresses', 'audit_entries'],
  },
];

describeAtomicity(cases, () => server);

// A deadlock or serialization failure is PostgreSQL choosing a victim among racing transactions,
// not a fault of the request: the transaction is run again from the start, and the caller sees one
// success with its changes made once.
describe('a deadlock victim is retried', () => {
  const victims: Array<[string, () => Promise<MutationAttempt>, Injection]> = [
    ['signQuote on a lead, at its sales order', async () => attempt(SIGN, 'signQuote', { quoteId: (await fullLead()).quoteId }), { table: 'sales_orders' }],
    [
      'mergeCustomers, at the tombstones',
      async () =>
        attempt(MERGE, 'mergeCustomers', { survivorId: await customerWith(), mergedIds: [await customerWith()], idempotencyKey: `merge-victim-${unique()}` }),
      { table: 'customer_tombstones' },
    ],
  ];
  it.each(victims)('%s', async (_name, arrange, where) => {
    const request = await arrange();
    const before = await tableChecksums(server.database.db);
    const deadlock = await failOn(server.database.db, where.table, 'INSERT', { errcode: '40P01', times: 1 });
    try {
      const res = await server.graphql(request.query, request.variables, request.token);
      expect(res.errors).toBeUndefined();
      expect(res.data![request.field].userErrors).toEqual([]);
      expect(await deadlock.fired()).toBe(true);
      // The trigger saw the first attempt's row and the retry's: two attempts, one committed.
      expect(await deadlock.rowsSeen()).toBe(2);
    } finally {
      await deadlock.drop();
    }
    const changed = changedTables(before, await tableChecksums(server.database.db));
    const grew = changed.find((t) => t.table === where.table)!;
    expect(grew.after!.rows - grew.before!.rows).toBe(1);
  });
});

// A folder store cannot roll back with the transaction: the files a failed (or retried) conversion
// copied are removed afterwards, so no file is left that no document row points to.
describe('documents stored in a folder', () => {
  let folderServer: TestServer;
  let folderOrg: TestOrganisation;
  let folder: string;
  const folderFlows = flows(() => ({ server: folderServer, token: folderOrg.adminToken }));
  const files = () => (fs.readdirSync(folder, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(folder, f)).isFile()).sort();

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'conversion-files-'));
    folderServer = await startTestServer({ NODE_ENV: 'production', DOCUMENT_STORAGE: 'folder', DOCUMENT_DIR: folder });
    folderOrg = await createTestOrganisation(folderServer);
  });
  afterAll(async () => {
    await folderServer.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function leadWithDocument(): Promise<string> {
    const created = await folderServer.graphql(
      `mutation { createLead(input: { name: "Filed Lead Ltd", contacts: [{ surname: "Filed" }] }) { lead { id } } }`,
      {},
      folderOrg.adminToken,
    );
    const leadId = created.data!.createLead.lead.id;
    for (const name of ['survey.pdf', 'plan.pdf'])
      await folderFlows.upload(leadId, { bytes: Buffer.from(`%PDF-1.4 ${name}\n`.repeat(100)), name, type: 'application/pdf' });
    return leadId;
  }

  it('a conversion that fails after copying the files leaves none of the copies behind', async () => {
    const leadId = await leadWithDocument();
    const before = files();
    const failure = await failOn(folderServer.database.db, 'audit_entries', 'INSERT', { when: `new.action = 'lead.convert'` });
    try {
      const res = await folderServer.graphql(
        `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { customer { id } userErrors { code } } }`,
        { input: { leadId, typeId: (await readReference(folderServer, folderOrg.adminToken)).types.Company } },
        folderOrg.adminToken,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await failure.fired()).toBe(true);
    } finally {
      await failure.drop();
    }
    expect(files()).toEqual(before);
  });

  it('a conversion retried after a deadlock keeps only the copies of the run that committed', async () => {
    const leadId = await leadWithDocument();
    const before = files();
    const deadlock = await failOn(folderServer.database.db, 'audit_entries', 'INSERT', { when: `new.action = 'lead.convert'`, errcode: '40P01', times: 1 });
    let res;
    try {
      res = await folderServer.graphql(
        `mutation($input: ConvertLeadInput!) { convertLead(input: $input) { customer { documents(first: 5) { nodes { downloadUrl } } } userErrors { code } } }`,
        { input: { leadId, typeId: (await readReference(folderServer, folderOrg.adminToken)).types.Company } },
        folderOrg.adminToken,
      );
      expect(await deadlock.rowsSeen()).toBe(2);
    } finally {
      await deadlock.drop();
    }
    expect(res.errors).toBeUndefined();
    expect(res.data!.convertLead.customer.documents.nodes).toHaveLength(2);
    // The lead's two files and the two copies that committed: the first run's copies are gone.
    expect(files()).toHaveLength(before.length + 2);
    for (const { downloadUrl } of res.data!.convertLead.customer.documents.nodes) {
      const download = await fetch(folderServer.url.replace(/\/graphql$/, '') + downloadUrl, { headers: { authorization: `Bearer ${folderOrg.adminToken}` } });
      expect(download.status).toBe(200);
    }
  });
});
