// Deleting and anonymising customers over GraphQL (docs/domain.md#deleting-and-anonymising-customers):
// deletion takes every row under the customer (files too) and leaves everyone else's alone, is refused
// while non-draft invoices exist, checks the version, is for admins and managers, and replays for a
// retry. Anonymisation leaves no trace of the person's name, email or phone anywhere in the
// organisation's rows (child rows, converted lead, merged tombstone, audit entries, stored retry
// results), keeps the invoices byte for byte, and freezes the customer against new personal data.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { composition } from '../../src/areas';
import { systemActor } from '../../src/auth/actor';
import { customerTombstones } from '../../src/customers/tables';
import { selectRows } from '../../src/db/client';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { raiseInvoice } from '../../src/invoices/write';
import { raiseSalesOrderFromQuote } from '../../src/pipeline/sales-orders';
import { quotes } from '../../src/pipeline/tables';
import { allTables } from '../helpers/all-tables';
import { baseUrlOf, flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, errorCodes, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let groupId: string;
let serviceTypeId: string;
let slaId: string;
let servicePlanId: string;

const USER_ERRORS = 'userErrors { field code message }';
const DELETE = `mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { deletedCustomerId deletedRecords { recordType count } ${USER_ERRORS} } }`;
const ANONYMISE = `mutation($input: AnonymiseCustomerInput!) { anonymiseCustomer(input: $input) {
  customer { id name version anonymisedAt vatNumber thirdPartyReference advertisingSource customFields
    contacts(first: 20) { nodes { surname firstName fullName emails { address } phones { number } } }
    addresses(first: 20) { nodes { line1 postcode country } } }
  anonymisedRecords { recordType count } ${USER_ERRORS} } }`;

/**
 * The children deleted with a customer, as the areas declare them (composition.children), with
 * their tables' names: the rows the test puts under the target, counts and fingerprints. A new
 * child table joins here by being declared; `populate` must then give it a row (the test says so).
 */
const DELETED_CHILDREN = composition.children
  // Not the children whose every row refuses the deletion (payments): the target could not be deleted.
  .filter((child) => child.onDelete === 'delete' && child.customer && !(child.refuseDeletion && !child.refuseDeletion.while))
  .map((child) => ({ recordType: child.recordType, table: getTableConfig(child.table).name, column: child.customer!.name }));

/** A person's data, as it is written into every corner of their customer record. */
type Person = { name: string; firstName: string; surname: string; email: string; phone: string };

const uuidOf = (globalId: string) => parseGlobalId(globalId)!.id;

const { gql, mutate, upload, postMultipart } = flows(() => ({ server, token: org.adminToken, ref }));

async function version(customerId: string): Promise<number> {
  return (await gql(`query($id: ID!) { customer(id: $id) { version } }`, { id: customerId })).customer.version;
}

/** Rows under the customer, per child table (and merge tombstones whose survivor it is). */
async function childCounts(customerUuid: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { table, column } of DELETED_CHILDREN) {
    const [row] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)} = ${customerUuid}`,
    );
    out[table] = row!.n;
  }
  const [t] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customer_tombstones where survivor_id = ${customerUuid}`);
  out.customer_tombstones = t!.n;
  return out;
}

/** A digest of every row of the customer and of every row under it (invoice lines included). */
async function fingerprint(customerUuid: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const digest = async (name: string, query: ReturnType<typeof sql>) => {
    const [row] = await selectRows<{ d: string }>(
      server.database.db,
      sql`select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as d from (${query}) t`,
    );
    out[name] = row!.d;
  };
  await digest('customers', sql`select * from customers where id = ${customerUuid}`);
  for (const { table, column } of DELETED_CHILDREN) {
    await digest(table, sql`select * from ${sql.identifier(table)} where ${sql.identifier(column)} = ${customerUuid}`);
  }
  await digest('invoice_lines', sql`select l.* from invoice_lines l join invoices i on i.id = l.invoice_id where i.customer_id = ${customerUuid}`);
  // The rest of the ledger: kept rows that no deletion takes.
  await digest('payments', sql`select * from payments where customer_id = ${customerUuid}`);
  await digest('credit_notes', sql`select * from credit_notes where customer_id = ${customerUuid}`);
  await digest(
    'credit_note_lines',
    sql`select l.* from credit_note_lines l join credit_notes n on n.id = l.credit_note_id where n.customer_id = ${customerUuid}`,
  );
  await digest('allocations', sql`select a.* from allocations a join invoices i on i.id = a.invoice_id where i.customer_id = ${customerUuid}`);
  return out;
}

const actor = () => systemActor(org.organisationId, 'test');

/** The ledger's part of a fingerprint: invoices, credit notes, payments, allocations. */
const ledgerOf = (f: Record<string, string>) =>
  Object.fromEntries(['invoices', 'invoice_lines', 'payments', 'credit_notes', 'credit_note_lines', 'allocations'].map((table) => [table, f[table]]));

/**
 * A customer with rows in every child table, each carrying the person's name, email or phone where
 * the field takes free text: contacts, address, branch, work address (occupier), asset, opportunity,
 * quote with its sales order, job, estimate, note, task, communication, expiry, document, access
 * grant, portal token, import job, service reminder, stored card, invoice address, own SLA, held service plan, contract. `customerId` is an existing customer to fill, or a new one.
 */
async function populate(person: Person, customerId?: string): Promise<{ customerId: string; documentIds: string[] }> {
  if (!customerId) {
    const created = await gql(CREATE_CUSTOMER, {
      input: customerInput(ref, {
        name: person.name,
        vatNumber: `GB${person.surname}`,
        thirdPartyReference: `ACC-${person.surname}`,
        advertisingSource: `Friend of ${person.surname}`,
        customFields: { nickname: `${person.firstName} ${person.surname}` },
        address: { line1: `1 ${person.surname} Lane`, town: 'Bristol', postcode: 'BS1 4DJ' },
        contacts: [
          { firstName: person.firstName, surname: person.surname, emails: [{ address: person.email }], phones: [{ type: 'MOBILE', number: person.phone }] },
        ],
      }),
    });
    expect(created.createCustomer.userErrors).toEqual([]);
    customerId = created.createCustomer.customer.id as string;
  }
  const branch = await mutate(
    'createBranch',
    { customerId, name: `${person.surname} Branch`, phone: person.phone, email: person.email, line1: `2 ${person.surname} Road` },
    'branch { id }',
  );
  const work = await mutate(
    'createWorkAddress',
    {
      customerId,
      branchId: branch.branch.id,
      line1: `3 ${person.surname} Road`,
      postcode: 'BS2 2AA',
      occupier: { firstName: person.firstName, surname: person.surname, email: person.email, phone: person.phone },
      preferences: `Ask for ${person.firstName}`,
    },
    'workAddress { id }',
  );
  const asset = await mutate('createAsset', { customerId, workAddressId: work.workAddress.id, groupId, description: 'Boiler' }, 'asset { id }');
  const reminder = await mutate(
    'createServiceReminder',
    { workAddressId: work.workAddress.id, assetId: asset.asset.id, typeId: serviceTypeId, dueDate: '2099-01-01', notes: `${person.firstName} keeps a key` },
    'serviceReminder { id }',
  );
  await mutate('decideServiceReminders', { items: [{ reminderId: reminder.serviceReminder.id, decision: 'UNKNOWN' }] }, 'results { decided }');
  const serviceCase = await mutate(
    'openServiceCase',
    { customerId, workAddressId: work.workAddress.id, subject: `${person.firstName}'s boiler is noisy`, description: `Call ${person.phone}` },
    'serviceCase { id }',
  );
  await mutate('addServiceCaseNote', { id: serviceCase.serviceCase.id, body: `${person.firstName} was out` }, 'serviceCase { id }');
  // A contact deleted: its history stays in the customer's trail, through a link that goes with the customer.
  const gone = await mutate('createContact', { ownerId: customerId, contact: { surname: `${person.surname} Former` } }, 'contact { id }');
  await mutate('deleteContact', { id: gone.contact.id }, 'deletedContactId');
  // Service agreements: nothing personal in them (anonymising keeps them as they are).
  await mutate('setCustomerSla', { customerId, slaId }, 'customer { id }');
  await mutate(
    'assignServicePlan',
    { customerId, planId: servicePlanId, startDate: '2026-01-01', expiryDate: '2026-12-31', workAddressIds: [work.workAddress.id] },
    'customerServicePlan { id }',
  );
  await mutate('createContract', { customerId, reference: 'Maintenance contract', termMonths: 12, startDate: '2026-01-01', slaId }, 'contract { id }');
  await mutate(
    'addStoredCard',
    {
      customerId,
      provider: 'stripe',
      providerToken: `pm_${person.surname}_${randomUUID().slice(0, 8)}`,
      brand: 'VISA',
      last4: '4242',
      expiryMonth: 12,
      expiryYear: new Date().getUTCFullYear() + 3,
      label: `${person.firstName} ${person.surname}'s card`,
    },
    'storedCard { id }',
  );
  await mutate(
    'createInvoiceAddress',
    { customerId, name: `${person.surname} Insurance`, line1: `5 ${person.surname} Street`, email: person.email, reference: `Claim of ${person.firstName}` },
    'invoiceAddress { id }',
  );
  await mutate('createOpportunity', { recordId: customerId, name: 'Boiler upgrade' }, 'opportunity { id }');
  const quote = await mutate(
    'createQuote',
    { recordId: customerId, lines: [{ description: 'New boiler', quantity: '1', unitPriceMinor: 100000 }] },
    'quote { id }',
  );
  const [signed] = await server.database.db
    .update(quotes)
    .set({ status: 'SIGNED', signedAt: new Date() })
    .where(sql`${quotes.id} = ${uuidOf(quote.quote.id)}`)
    .returning();
  await server.database.db.transaction((tx) => raiseSalesOrderFromQuote(tx, actor(), signed!));
  await mutate('createJob', { customerId, workAddressId: work.workAddress.id, description: 'Annual service' }, 'job { id }');
  await mutate(
    'createEstimate',
    { customerId, workAddressId: work.workAddress.id, description: 'Radiators', amount: { amountMinor: 5000 } },
    'estimate { id }',
  );
  await mutate('createNote', { ownerId: customerId, body: `<p>${person.firstName} ${person.surname} prefers mornings</p>` }, 'note { id }');
  await mutate(
    'createTask',
    { ownerId: customerId, type: 'PHONE_CALL', subject: `Call ${person.surname}`, details: `On ${person.phone}`, dueAt: '2099-01-01T00:00:00Z' },
    'task { id }',
  );
  await mutate(
    'logCommunication',
    { ownerId: customerId, channel: 'EMAIL', subject: `To ${person.email}`, summary: `Wrote to ${person.firstName} ${person.surname}` },
    'communication { id }',
  );
  await mutate(
    'createExpiry',
    {
      ownerId: customerId,
      supplier: 'Gas Co',
      description: `${person.surname} gas contract`,
      endsOn: '2099-01-01',
      notes: `${person.surname} wants to switch`,
    },
    'expiry { id }',
  );
  const salesId = await org.userIdFor('SALES');
  await mutate(
    'grantRecordAccess',
    { recordId: customerId, granteeId: salesId, endsAt: new Date(Date.now() + 3_600_000).toISOString(), reason: `Covering ${person.surname}` },
    'accessGrant { id }',
  );
  await mutate(
    'createPortalToken',
    { customerId, name: `Portal for ${person.firstName} ${person.surname}`, permissions: ['VIEW_INVOICES'] },
    'portalToken { id }',
  );
  const document = await upload(customerId, {
    bytes: `Passport of ${person.firstName} ${person.surname}`,
    name: `${person.surname}-passport.txt`,
    type: 'text/plain',
  });
  const imported = await postMultipart(
    '/imports/work-addresses',
    { customerId, mapping: JSON.stringify({ 'Address 1': 'line1', 'Post Code': 'postcode', Occupier: 'occupierSurname' }), mode: 'COMMIT_VALID_ROWS' },
    { bytes: `Address 1,Post Code,Occupier\n4 ${person.surname} Close,BS3 3AA,${person.surname}\n`, name: `${person.surname}.csv`, type: 'text/csv' },
  );
  expect(imported.status).toBe(200);
  return { customerId, documentIds: [document.id] };
}

/** Which of the needles occur in any row of any table of the organisation, as `table: needle`. */
async function traces(needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of allTables()) {
    if (!('organisationId' in table)) continue;
    const { name } = getTableConfig(table);
    for (const needle of needles) {
      const [row] = await selectRows<{ n: number }>(
        server.database.db,
        sql`select count(*)::int as n from ${sql.identifier(name)} t where t.organisation_id = ${org.organisationId} and t::text ilike ${`%${needle}%`}`,
      );
      if (row!.n > 0) found.push(`${name}: ${needle}`);
    }
  }
  return found;
}

/** The storage keys of the documents of these customers or leads (global IDs). */
async function storageKeysOf(recordIds: string[]): Promise<string[]> {
  const ids = `{${recordIds.map(uuidOf).join(',')}}`;
  const rows = await selectRows<{ k: string }>(
    server.database.db,
    sql`select storage_key as k from documents where customer_id = any(${ids}::uuid[]) or lead_id = any(${ids}::uuid[])`,
  );
  return rows.map((r) => r.k);
}

/** Chunks of stored bytes under these keys. */
async function blobCount(keys: string[]): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    server.database.db,
    sql`select count(*)::int as n from document_blobs where storage_key = any(${`{${keys.join(',')}}`}::text[])`,
  );
  return row!.n;
}

beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
  ref = await readReference(server, org.adminToken);
  await mutate(
    'createCustomFieldDefinition',
    { key: 'nickname', label: 'Nickname', type: 'TEXT', enabledFor: ['CUSTOMER', 'LEAD'] },
    'customFieldDefinition { id }',
  );
  groupId = (await mutate('createAssetListItem', { list: 'GROUP', name: 'Boilers' }, 'item { id }')).item.id;
  serviceTypeId = (await mutate('createServiceReminderType', { name: 'Annual boiler service', defaultIntervalMonths: 12 }, 'serviceReminderType { id }'))
    .serviceReminderType.id;
  slaId = (
    await mutate(
      'createSla',
      { name: 'Standard', targets: ['LOW', 'NORMAL', 'HIGH', 'URGENT'].map((priority) => ({ priority, responseHours: 8, resolutionHours: 24 })) },
      'sla { id }',
    )
  ).sla.id;
  servicePlanId = (await mutate('createServicePlan', { name: 'Boiler care', price: { amountMinor: 1500 }, billingFrequency: 'MONTHLY' }, 'servicePlan { id }'))
    .servicePlan.id;
});
afterAll(() => server.close());

describe('deleteCustomer', () => {
  it('deletes the customer with every row under it, files too, and touches no other customer', async () => {
    const target = await populate({ name: 'Delia Doomed', firstName: 'Delia', surname: 'Doomed', email: 'delia@doomed.test', phone: '+447700900111' });
    const bystander = await populate({
      name: 'Barry Bystander',
      firstName: 'Barry',
      surname: 'Bystander',
      email: 'barry@bystander.test',
      phone: '+447700900222',
    });
    const targetUuid = uuidOf(target.customerId);
    await raiseInvoice(server.database.db, actor(), {
      customerId: targetUuid,
      lines: [{ description: 'Draft work', quantityMilli: 1000, unitPriceMinor: 500 }],
    });
    await server.database.db.insert(customerTombstones).values({
      id: randomUUID(),
      organisationId: org.organisationId,
      survivorId: targetUuid,
      mergedIntoId: targetUuid,
      name: 'Doomed Duplicate',
      snapshot: { name: 'Doomed Duplicate' },
    });
    // A department of the target, and a lead converted into it: both stay, without the link.
    const department = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Doomed Department', parentCustomerId: target.customerId }) });
    const departmentId = department.createCustomer.customer.id;

    const counts = await childCounts(targetUuid);
    // Something in every child table.
    expect(Object.entries(counts).filter(([, n]) => n === 0)).toEqual([]);
    const targetKeys = await storageKeysOf([target.customerId]);
    expect(await blobCount(targetKeys)).toBeGreaterThan(0);
    const bystanderBefore = await fingerprint(uuidOf(bystander.customerId));
    const bystanderKeys = await storageKeysOf([bystander.customerId]);
    const blobsOfBystander = await blobCount(bystanderKeys);

    const res = await gql(DELETE, { input: { id: target.customerId, expectedVersion: await version(target.customerId) } });
    expect(res.deleteCustomer.userErrors).toEqual([]);
    expect(res.deleteCustomer.deletedCustomerId).toBe(target.customerId);
    const byType = Object.fromEntries(res.deleteCustomer.deletedRecords.map((r: any) => [r.recordType, r.count]));
    expect(byType).toEqual({
      ...Object.fromEntries(DELETED_CHILDREN.map(({ recordType, table }) => [recordType, counts[table]])),
      MergedCustomer: counts.customer_tombstones,
    });

    expect(Object.values(await childCounts(targetUuid)).every((n) => n === 0)).toBe(true);
    const [gone] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customers where id = ${targetUuid}`);
    expect(gone!.n).toBe(0);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: target.customerId })).node).toBeNull();
    // The files' bytes are gone; the bystander's are not.
    expect(await blobCount(targetKeys)).toBe(0);
    expect(await blobCount(bystanderKeys)).toBe(blobsOfBystander);
    expect(await fingerprint(uuidOf(bystander.customerId))).toEqual(bystanderBefore);
    // The department lost its parent (and says so in its version and audit trail).
    const dept = await gql(`query($id: ID!) { customer(id: $id) { parentCustomer { id } version } }`, { id: departmentId });
    expect(dept.customer).toEqual({ parentCustomer: null, version: 2 });

    const [entry] = await selectRows<{ before: any; after: any; n: number }>(
      server.database.db,
      sql`select before, after, count(*) over ()::int as n from audit_entries where entity_id = ${targetUuid} and action = 'customer.delete'`,
    );
    expect(entry!.n).toBe(1);
    expect(entry!.before).toMatchObject({ id: targetUuid, name: 'Delia Doomed', vatNumber: 'GBDoomed' });
    expect(entry!.after.deletedRecords).toMatchObject({ ...byType });
    expect(entry!.after.detachedDepartmentIds).toEqual([uuidOf(departmentId)]);
  });

  it('is refused while an issued invoice exists, and changes nothing', async () => {
    const { customerId } = await populate({ name: 'Ivy Invoiced', firstName: 'Ivy', surname: 'Invoiced', email: 'ivy@invoiced.test', phone: '+447700900333' });
    await raiseInvoice(server.database.db, actor(), {
      customerId: uuidOf(customerId),
      issueDate: '2026-01-05',
      lines: [{ description: 'Work', quantityMilli: 1000, unitPriceMinor: 1000 }],
    });
    await raiseInvoice(server.database.db, actor(), {
      customerId: uuidOf(customerId),
      lines: [{ description: 'Draft', quantityMilli: 1000, unitPriceMinor: 1000 }],
    });
    const before = await fingerprint(uuidOf(customerId));
    const res = await gql(DELETE, { input: { id: customerId, expectedVersion: await version(customerId) } });
    expect(res.deleteCustomer.deletedCustomerId).toBeNull();
    expect(errorCodes(res.deleteCustomer.userErrors)).toEqual(['input.id:HAS_FINANCIAL_RECORDS']);
    expect(res.deleteCustomer.userErrors[0].message).toMatch(/1 invoice that is not a draft.*anonymiseCustomer/);
    expect(await fingerprint(uuidOf(customerId))).toEqual(before);
  });

  it('deletes draft invoices with the customer', async () => {
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Dora Drafts' }) });
    const customerId = created.createCustomer.customer.id;
    const draft = await raiseInvoice(server.database.db, actor(), {
      customerId: uuidOf(customerId),
      lines: [{ description: 'Draft', quantityMilli: 1000, unitPriceMinor: 1000 }],
    });
    const res = await gql(DELETE, { input: { id: customerId, expectedVersion: 1 } });
    expect(res.deleteCustomer.userErrors).toEqual([]);
    expect(res.deleteCustomer.deletedRecords).toEqual(expect.arrayContaining([{ recordType: 'Invoice', count: 1 }]));
    const [lines] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from invoice_lines where invoice_id = ${draft.id}`);
    expect(lines!.n).toBe(0);
  });

  it('refuses a stale expectedVersion with VERSION_CONFLICT', async () => {
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Stella Stale' }) });
    const customerId = created.createCustomer.customer.id;
    await mutate('updateCustomer', { id: customerId, priceBook: 'Trade' }, 'customer { version }');
    const res = await gql(DELETE, { input: { id: customerId, expectedVersion: 1 } });
    expect(errorCodes(res.deleteCustomer.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    expect(await version(customerId)).toBe(2);
  });

  it('is for admins and managers: a SALES user, even the owner, is refused by the rule tree', async () => {
    const sales = await org.tokenFor('SALES');
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Sam Salesowned' }) }, sales);
    const customerId = created.createCustomer.customer.id;
    for (const mutation of [DELETE, ANONYMISE]) {
      const res = await server.graphql(mutation, { input: { id: customerId, expectedVersion: 1 } }, sales);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await version(customerId)).toBe(1);
    const manager = await org.tokenFor('MANAGER');
    const res = await gql(DELETE, { input: { id: customerId, expectedVersion: 1 } }, manager);
    expect(res.deleteCustomer.userErrors).toEqual([]);
  });

  it('returns the first result to a retry with the same idempotency key', async () => {
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Rita Retry', contacts: [{ surname: 'Retry' }] }) });
    const customerId = created.createCustomer.customer.id;
    const input = { id: customerId, expectedVersion: 1, idempotencyKey: 'delete-rita' };
    const first = await gql(DELETE, { input });
    expect(first.deleteCustomer.userErrors).toEqual([]);
    expect(first.deleteCustomer.deletedRecords).toEqual(
      expect.arrayContaining([
        { recordType: 'Contact', count: 1 },
        { recordType: 'Address', count: 1 },
      ]),
    );
    const retry = await gql(DELETE, { input });
    expect(retry).toEqual(first);
    const [entries] = await selectRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from audit_entries where entity_id = ${uuidOf(customerId)} and action = 'customer.delete'`,
    );
    expect(entries!.n).toBe(1);
  });
});

describe('anonymiseCustomer', () => {
  const person: Person = {
    name: 'Ermintrude Quackenbush',
    firstName: 'Ermintrude',
    surname: 'Quackenbush',
    email: 'ermintrude.quackenbush@example.test',
    phone: '+447700900456',
  };
  const needles = ['Quackenbush', 'Ermintrude', '7700900456'];
  let customerId: string;
  let leadId: string;
  let documentIds: string[];
  let storageKeys: string[];
  let invoicesBefore: Record<string, string | undefined>;

  beforeAll(async () => {
    // A lead with the person's data, converted (its document copied, its notes linked) into the customer.
    const lead = await mutate(
      'createLead',
      {
        name: person.name,
        vatNumber: `GB${person.surname}`,
        website: 'https://quackenbush.example.test/',
        leadSource: `Met ${person.firstName} at a fair`,
        customFields: { nickname: person.surname },
        contacts: [
          { firstName: person.firstName, surname: person.surname, emails: [{ address: person.email }], phones: [{ type: 'MOBILE', number: person.phone }] },
        ],
        addresses: [{ type: 'BILLING', line1: `1 ${person.surname} Lane`, postcode: 'BS1 4DJ', country: 'GB' }],
      },
      'lead { id }',
    );
    leadId = lead.lead.id;
    await mutate('createNote', { ownerId: leadId, body: `First call with ${person.surname}` }, 'note { id }');
    const leadDocument = await upload(leadId, { bytes: `Lead notes on ${person.surname}`, name: `${person.surname}-lead.txt`, type: 'text/plain' });
    const converted = await mutate('convertLead', { leadId, typeId: ref.types.Company }, 'customer { id }');
    customerId = converted.customer.id;
    const filled = await populate(person, customerId);
    documentIds = [...filled.documentIds, leadDocument.id];
    // History that holds the person's data: an update, a deleted contact, a keyed (stored) result.
    await mutate(
      'updateCustomer',
      { id: customerId, vatNumber: `GB${person.surname}`, thirdPartyReference: `ACC-${person.surname}`, customFields: { nickname: person.firstName } },
      'customer { id }',
    );
    const extra = await mutate(
      'createContact',
      { ownerId: customerId, contact: { firstName: person.firstName, surname: `${person.surname} Junior`, emails: [{ address: `junior.${person.email}` }] } },
      'contact { id version }',
    );
    await mutate('deleteContact', { id: extra.contact.id }, 'deletedContactId');
    await mutate('changeCustomerStatus', { id: customerId, statusId: ref.statuses.A, idempotencyKey: 'status-change-1' }, 'customer { name }');
    await server.database.db.insert(customerTombstones).values({
      id: randomUUID(),
      organisationId: org.organisationId,
      survivorId: uuidOf(customerId),
      mergedIntoId: uuidOf(customerId),
      name: `${person.name} (duplicate)`,
      snapshot: { name: `${person.name} (duplicate)`, vatNumber: `GB${person.surname}`, creditorDays: 30 },
    });
    const issued = await raiseInvoice(server.database.db, actor(), {
      customerId: uuidOf(customerId),
      issueDate: '2026-02-01',
      lines: [{ description: 'Boiler service', quantityMilli: 1000, unitPriceMinor: 9000, taxRateBp: 2000 }],
    });
    await raiseInvoice(server.database.db, actor(), {
      customerId: uuidOf(customerId),
      lines: [{ description: 'Parts', quantityMilli: 2000, unitPriceMinor: 1500 }],
    });
    // A payment and a credit note, both allocated to the issued invoice: the ledger anonymisation keeps.
    const cash = (await gql(`{ paymentMethods { id name } }`)).paymentMethods[0].id;
    const invoiceId = `${toGlobalId('Invoice', issued.id)}`;
    await mutate(
      'recordPayment',
      { customerId, methodId: cash, amount: { amountMinor: 5_000 }, reference: 'BACS', allocations: [{ invoiceId, amountMinor: 4_000 }] },
      'payment { id }',
    );
    await mutate(
      'createCreditNote',
      { invoiceId, reason: 'Goodwill', lines: [{ description: 'Goodwill', quantity: '1', unitPriceMinor: 1_000 }], allocateToInvoice: true },
      'creditNote { id }',
    );
    invoicesBefore = await fingerprint(uuidOf(customerId)).then(ledgerOf);
    // The person is all over the organisation's rows before.
    const before = await traces(needles);
    expect(before).toEqual(
      expect.arrayContaining(
        [
          'customers',
          'leads',
          'contacts',
          'addresses',
          'branches',
          'work_addresses',
          'invoice_addresses',
          'notes',
          'tasks',
          'communications',
          'expiries',
          'documents',
          'access_grants',
          'portal_tokens',
          'import_jobs',
          'customer_tombstones',
          'audit_entries',
          'events',
          'idempotency_keys',
        ].map((table) => `${table}: Quackenbush`),
      ),
    );
    expect(before).toEqual(expect.arrayContaining(['contacts: Ermintrude', 'contacts: 7700900456', 'audit_entries: 7700900456']));
    // The customer's own document, the lead's, and the copy the conversion made.
    storageKeys = await storageKeysOf([customerId, leadId]);
    expect(storageKeys).toHaveLength(3);
    expect(await blobCount(storageKeys)).toBe(3);
  });

  it('leaves no trace of the person in any row of the organisation, and keeps the invoices as they were', async () => {
    const res = await gql(ANONYMISE, { input: { id: customerId, expectedVersion: await version(customerId), idempotencyKey: 'anonymise-1' } });
    const payload = res.anonymiseCustomer;
    expect(payload.userErrors).toEqual([]);
    const code = uuidOf(customerId).replace(/-/g, '').slice(0, 8).toUpperCase();
    expect(payload.customer).toMatchObject({
      name: `Anonymised customer ${code}`,
      vatNumber: null,
      thirdPartyReference: null,
      advertisingSource: null,
      customFields: {},
    });
    expect(new Date(payload.customer.anonymisedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(payload.customer.contacts.nodes.length).toBeGreaterThan(0);
    for (const contact of payload.customer.contacts.nodes)
      expect(contact).toEqual({ surname: 'Anonymised', firstName: null, fullName: 'Anonymised', emails: [], phones: [] });
    for (const address of payload.customer.addresses.nodes) expect(address).toEqual({ line1: 'Anonymised', postcode: null, country: 'GB' });
    const byType = Object.fromEntries(payload.anonymisedRecords.map((r: any) => [r.recordType, r.count]));
    expect(byType).toMatchObject({ Customer: 1, Lead: 1, MergedCustomer: 1, Document: 3, PortalToken: 1, ImportJob: 1, AccessGrant: 1 });
    expect(byType.AuditEntry).toBeGreaterThan(10);
    expect(byType.Event).toBe(byType.AuditEntry);

    expect(await traces(needles)).toEqual([]);
    expect(await blobCount(storageKeys)).toBe(0);
    const download = await fetch(`${baseUrlOf(server)}/documents/${documentIds[0]}`, { headers: { authorization: `Bearer ${org.adminToken}` } });
    expect(download.status).toBe(404);
    const after = await fingerprint(uuidOf(customerId));
    expect(ledgerOf(after)).toEqual(invoicesBefore);
    // What is kept: the invoices, the assets and the pipeline; what is gone: documents, tokens, import logs.
    const counts = await childCounts(uuidOf(customerId));
    expect(counts).toMatchObject({
      invoices: 2,
      assets: 1,
      quotes: 1,
      sales_orders: 1,
      jobs: 1,
      estimates: 1,
      documents: 0,
      portal_tokens: 0,
      import_jobs: 0,
      access_grants: 1,
    });

    // The anonymisation's own audit entry: counts, never the data.
    const [entry] = await selectRows<{ before: unknown; after: any }>(
      server.database.db,
      sql`select before, after from audit_entries where entity_id = ${uuidOf(customerId)} and action = 'customer.anonymise'`,
    );
    expect(entry!.before).toBeNull();
    expect(entry!.after.anonymisedRecords).toMatchObject({ Contact: byType.Contact, Document: 3 });
    // The access grant is kept as history, revoked.
    const grants = await gql(`query($id: ID!) { customer(id: $id) { accessGrants { state reason } } }`, { id: customerId });
    expect(grants.customer.accessGrants).toEqual([{ state: 'REVOKED', reason: '[redacted]' }]);
  });

  it('returns the first result to a retry with the same key', async () => {
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Otto Onceonly', contacts: [{ surname: 'Onceonly' }] }) });
    const otherId = created.createCustomer.customer.id;
    const input = { id: otherId, expectedVersion: 1, idempotencyKey: 'anonymise-otto' };
    const first = await gql(ANONYMISE, { input });
    expect(first.anonymiseCustomer.userErrors).toEqual([]);
    const retry = await gql(ANONYMISE, { input });
    expect(retry).toEqual(first);
    expect(await version(otherId)).toBe(first.anonymiseCustomer.customer.version);
  });

  it('refuses a second anonymisation, updates, and new personal data', async () => {
    const current = await version(customerId);
    const again = await gql(ANONYMISE, { input: { id: customerId, expectedVersion: current } });
    expect(errorCodes(again.anonymiseCustomer.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const update = await gql(`mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } ${USER_ERRORS} } }`, {
      input: { id: customerId, name: person.name },
    });
    expect(errorCodes(update.updateCustomer.userErrors)).toEqual(['input.id:INVALID_STATE']);
    const contact = await gql(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } ${USER_ERRORS} } }`, {
      input: { ownerId: customerId, contact: { surname: person.surname } },
    });
    expect(errorCodes(contact.createContact.userErrors)).toEqual(['input.ownerId:INVALID_STATE']);
    const leadNote = await gql(`mutation($input: CreateNoteInput!) { createNote(input: $input) { note { id } ${USER_ERRORS} } }`, {
      input: { ownerId: leadId, body: person.surname },
    });
    expect(errorCodes(leadNote.createNote.userErrors)).toEqual(['input.ownerId:INVALID_STATE']);
    // Nor through a merge into it, or a lead converted into it.
    const donor = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Donor Ltd', contacts: [{ surname: 'Donor' }] }) });
    const merge = await gql(`mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) { customer { id } ${USER_ERRORS} } }`, {
      input: { survivorId: customerId, mergedIds: [donor.createCustomer.customer.id] },
    });
    expect(errorCodes(merge.mergeCustomers.userErrors)).toEqual(['input.survivorId:INVALID_STATE']);
    const newLead = await gql(`mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } ${USER_ERRORS} } }`, {
      input: { name: 'Later lead', contacts: [{ surname: 'Later' }] },
    });
    const convert = await gql(`mutation($input: ConvertLeadInput!) { convertLead(input: $input) { customer { id } ${USER_ERRORS} } }`, {
      input: { leadId: newLead.createLead.lead.id, typeId: ref.types.Company, intoCustomerId: customerId },
    });
    expect(errorCodes(convert.convertLead.userErrors)).toEqual(['input.intoCustomerId:INVALID_STATE']);
    // Nor as a document on one of its work addresses.
    const work = await gql(`query($id: ID!) { customer(id: $id) { workAddresses(first: 1) { nodes { id } } } }`, { id: customerId });
    const refused = await postMultipart(
      '/documents',
      { recordId: work.customer.workAddresses.nodes[0].id },
      { bytes: `${person.surname} passport\n`, name: 'passport.txt', type: 'text/plain' },
    );
    expect(refused.status).toBe(409);
    await server.database.db.execute(sql`delete from customers where id = ${uuidOf(donor.createCustomer.customer.id)}`);
    await server.database.db.execute(sql`delete from leads where id = ${uuidOf(newLead.createLead.lead.id)}`);
    expect(await version(customerId)).toBe(current);
    expect(await traces(needles)).toEqual([]);
  });

  it('still refuses to delete it while it has issued invoices', async () => {
    const res = await gql(DELETE, { input: { id: customerId, expectedVersion: await version(customerId) } });
    expect(errorCodes(res.deleteCustomer.userErrors)).toEqual(['input.id:HAS_FINANCIAL_RECORDS']);
    expect((await childCounts(uuidOf(customerId))).invoices).toBe(2);
  });
});

describe('with documents in a folder', () => {
  let folderServer: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-deletion-'));
    folderServer = await startTestServer({ DOCUMENT_STORAGE: 'folder', DOCUMENT_DIR: dir });
  });
  afterAll(async () => {
    await folderServer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('removes the files of a deleted customer after the commit, and keeps them when the deletion is refused', async () => {
    const acme = await createTestOrganisation(folderServer, 'Folder Services');
    const folderRef = await readReference(folderServer, acme.adminToken);
    const files = () => fs.readdirSync(path.join(dir, acme.organisationId)).filter((f) => !f.endsWith('.part'));
    const make = async (name: string) => {
      const created = await folderServer.graphql(CREATE_CUSTOMER, { input: customerInput(folderRef, { name }) }, acme.adminToken);
      const id = created.data!.createCustomer.customer!.id;
      await flows(() => ({ server: folderServer, token: acme.adminToken })).upload(id, { bytes: `about ${name}`, name: 'file.txt', type: 'text/plain' });
      return id;
    };
    const kept = await make('Kept Files');
    const deleted = await make('Deleted Files');
    expect(files()).toHaveLength(2);
    await raiseInvoice(folderServer.database.db, systemActor(acme.organisationId, 'test'), {
      customerId: uuidOf(kept),
      issueDate: '2026-03-01',
      lines: [{ description: 'Work', quantityMilli: 1000, unitPriceMinor: 100 }],
    });
    const refused = await folderServer.graphql(DELETE, { input: { id: kept, expectedVersion: 1 } }, acme.adminToken);
    expect(errorCodes(refused.data!.deleteCustomer.userErrors)).toEqual(['input.id:HAS_FINANCIAL_RECORDS']);
    const res = await folderServer.graphql(DELETE, { input: { id: deleted, expectedVersion: 1 } }, acme.adminToken);
    expect(res.data!.deleteCustomer.userErrors).toEqual([]);
    expect(files()).toHaveLength(1);
    const anonymised = await folderServer.graphql(ANONYMISE, { input: { id: kept, expectedVersion: 1 } }, acme.adminToken);
    expect(anonymised.data!.anonymiseCustomer.userErrors).toEqual([]);
    expect(files()).toHaveLength(0);
  });
});
