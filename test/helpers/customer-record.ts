// A customer record with a row of every kind that can sit under a customer: contacts, addresses, a
// branch, a work address, an asset, the pipeline (opportunity, quote, sales order, job, estimate),
// activity (note, task, communication, expiry), a document, an access grant, a portal token and an
// invoice. For tests of workflows that move, delete or anonymise whole records.
import { sql } from 'drizzle-orm';
import { systemActor } from '../../src/auth/actor';
import { hashToken } from '../../src/auth/tokens';
import { parseGlobalId } from '../../src/graph/ids';
import { raiseInvoice } from '../../src/invoices/write';
import { raiseSalesOrderFromQuote } from '../../src/pipeline/sales-orders';
import { quotes } from '../../src/pipeline/tables';
import { portalTokens } from '../../src/portal/tables';
import { generatePortalToken } from '../../src/portal/tokens';
import type { CreateLeadInput } from '../generated/graphql';
import { flows, type UntypedData } from './flows';
import type { TestOrganisation, TestServer } from './server';

const ERRORS = 'userErrors { code field message }';

/** A lead's two contacts and two addresses, as `createLead` takes them: what conversion tests carry over. */
export const LEAD_CONTACTS_AND_ADDRESSES: Pick<CreateLeadInput, 'contacts' | 'addresses'> = {
  contacts: [
    { firstName: 'Ada', surname: 'Lovelace', emails: [{ address: 'ada@example.com' }] },
    { firstName: 'Charles', surname: 'Babbage' },
  ],
  addresses: [
    { type: 'BILLING', isDefault: true, line1: '1 Engine Row', postcode: 'BS1 1AA' },
    { type: 'TRADING', line1: '2 Mill Lane', postcode: 'BS2 2BB' },
  ],
};

/** Runs a mutation as the org's admin and fails the test on any error; returns its payload. */
export function adminMutation(server: TestServer, org: TestOrganisation, mutation: string, input: Record<string, unknown>): Promise<UntypedData> {
  return flows(() => ({ server, token: org.adminToken })).mutation(mutation, input);
}

/** The asset group every filled record's asset belongs to (one per organisation). */
const assetGroups = new WeakMap<TestOrganisation, Promise<string>>();

/**
 * Adds one row of every kind to the customer (global id `customerId`), each named after `tag`, and
 * returns the customer's database id. `options.issuedInvoice` raises an issued invoice too.
 */
export async function fillCustomerRecord(
  server: TestServer,
  org: TestOrganisation,
  customerId: string,
  tag: string,
  options: { invoice?: boolean } = {},
): Promise<string> {
  const make = (mutation: string, input: Record<string, unknown>) => adminMutation(server, org, mutation, input);
  const db = server.database.db;
  const id = parseGlobalId(customerId)!.id;
  const actor = systemActor(org.organisationId, 'test');

  await make(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } ${ERRORS} } }`, {
    ownerId: customerId,
    contact: { surname: `${tag} Contact`, emails: [{ address: `${tag.toLowerCase().replace(/\W/g, '')}@example.test` }] },
  });
  await make(`mutation($input: CreateAddressInput!) { createAddress(input: $input) { address { id } ${ERRORS} } }`, {
    ownerId: customerId,
    address: { type: 'TRADING', line1: `1 ${tag} Street`, postcode: 'BS1 4DJ', country: 'GB' },
  });
  const branch = await make(`mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { id } ${ERRORS} } }`, {
    customerId,
    name: `${tag} branch`,
    line1: '1 Branch Rd',
  });
  const work = await make(`mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } ${ERRORS} } }`, {
    customerId,
    branchId: branch.branch.id,
    line1: `2 ${tag} Road`,
  });
  let group = assetGroups.get(org);
  if (!group) {
    group = make(`mutation($input: CreateAssetListItemInput!) { createAssetListItem(input: $input) { item { id } ${ERRORS} } }`, {
      list: 'GROUP',
      name: 'Filled records',
    }).then((p) => p.item.id as string);
    assetGroups.set(org, group);
  }
  await make(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } ${ERRORS} } }`, {
    customerId,
    workAddressId: work.workAddress.id,
    groupId: await group,
    description: `${tag} boiler`,
  });
  await make(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } ${ERRORS} } }`, {
    recordId: customerId,
    name: `${tag} opportunity`,
  });
  const quote = await make(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } ${ERRORS} } }`, {
    recordId: customerId,
    lines: [{ description: `${tag} line`, quantity: '1', unitPriceMinor: 100 }],
  });
  const [signed] = await db
    .update(quotes)
    .set({ status: 'SIGNED', signedAt: new Date() })
    .where(sql`${quotes.id} = ${parseGlobalId(quote.quote.id)!.id}`)
    .returning();
  await db.transaction((tx) => raiseSalesOrderFromQuote(tx, actor, signed!));
  await make(`mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } ${ERRORS} } }`, {
    customerId,
    workAddressId: work.workAddress.id,
    description: `${tag} job`,
  });
  await make(`mutation($input: CreateEstimateInput!) { createEstimate(input: $input) { estimate { id } ${ERRORS} } }`, {
    customerId,
    workAddressId: work.workAddress.id,
    description: `${tag} estimate`,
    amount: { amountMinor: 100 },
  });
  await make(`mutation($input: CreateNoteInput!) { createNote(input: $input) { note { id } ${ERRORS} } }`, { ownerId: customerId, body: `${tag} note` });
  await make(`mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } ${ERRORS} } }`, {
    ownerId: customerId,
    type: 'REMINDER',
    subject: `${tag} task`,
    dueAt: '2099-01-01T00:00:00Z',
  });
  await make(`mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { communication { id } ${ERRORS} } }`, {
    ownerId: customerId,
    channel: 'PHONE_CALL',
  });
  await make(`mutation($input: CreateExpiryInput!) { createExpiry(input: $input) { expiry { id } ${ERRORS} } }`, {
    ownerId: customerId,
    supplier: `${tag} Gas`,
    description: 'Gas supply',
    endsOn: '2099-01-01',
  });
  await make(`mutation($input: GrantRecordAccessInput!) { grantRecordAccess(input: $input) { ${ERRORS} } }`, {
    recordId: customerId,
    granteeId: await org.userIdFor('SALES'),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    reason: `${tag} grant`,
  });
  await db.insert(portalTokens).values({
    organisationId: org.organisationId,
    customerId: id,
    name: `${tag} portal`,
    tokenHash: hashToken(generatePortalToken()),
    permissions: ['VIEW_INVOICES'],
  });
  if (options.invoice) {
    await raiseInvoice(db, actor, {
      customerId: id,
      issueDate: '2026-11-02',
      lines: [{ description: `${tag} work`, quantityMilli: 1000, unitPriceMinor: 1000 }],
    });
  }
  await flows(() => ({ server, token: org.adminToken })).upload(customerId, { bytes: `${tag} file\n`, name: `${tag}.txt`, type: 'text/plain' });
  return id;
}
