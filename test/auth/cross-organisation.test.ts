// Two organisations with identical data. Every root field, called by one organisation's admin with
// each of the other organisation's IDs in every ID argument, neither returns nor changes anything of
// the other's. The operations are built from the schema, so a new root field is covered unasked, and
// select every record they return by id (a selection validation refused would check nothing).
import { sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getNamedType, isAbstractType } from 'graphql';
import { statusGroups } from '../../src/access/tables';
import { composition } from '../../src/areas';
import { systemActor } from '../../src/auth/actor';
import { hashToken } from '../../src/auth/tokens';
import { selectRows } from '../../src/db/client';
import { toGlobalId, type NodeType } from '../../src/graph/ids';
import { parseGlobalId } from '../../src/graph/ids';
import { buildSchema } from '../../src/graph/schema';
import { raiseInvoice } from '../../src/invoices/write';
import { raiseSalesOrderFromQuote } from '../../src/pipeline/sales-orders';
import { quotes } from '../../src/pipeline/tables';
import { portalTokens } from '../../src/portal/tables';
import { generatePortalToken } from '../../src/portal/tokens';
import { allTables } from '../helpers/all-tables';
import { crossOrganisationFixtures } from '../helpers/cross-organisation-fixtures';
import { adminMutation } from '../helpers/customer-record';
import { flows } from '../helpers/flows';
import { batchedOperationFor, idSelection, operationFor, schemaFieldsOf } from '../helpers/operations';
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

const schema = buildSchema(composition, { shield: false });
let server: TestServer;
let acme: TestOrganisation;
let other: TestOrganisation;

/** Every kind of node, from the same map node() uses: a new Node type is covered here unasked. */
const nodeTableList = [...composition.nodes].flatMap(([type, source]) => (source.table ? [[type, source.table]] : [])) as Array<
  [NodeType, PgTable & { id: any; organisationId: any }]
>;

/** The same records in both organisations: a customer and a lead with a contact and an address each, a grant, a portal token. */
async function populate(org: TestOrganisation) {
  const ref = await readReference(server, org.adminToken);
  const customer = await server.graphql(
    CREATE_CUSTOMER,
    { input: customerInput(ref, { name: 'Identical Ltd', contacts: [{ surname: 'Twin' }] }) },
    org.adminToken,
  );
  const customerId = customer.data!.createCustomer.customer.id;
  const lead = await server.graphql(
    `mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }`,
    {
      input: { name: 'Identical Lead', contacts: [{ surname: 'Twin' }], addresses: [{ type: 'BILLING', line1: '1 Same St', town: 'Sameton', country: 'GB' }] },
    },
    org.adminToken,
  );
  const salesId = await org.userIdFor('SALES');
  await server.graphql(
    `mutation($input: GrantRecordAccessInput!) { grantRecordAccess(input: $input) { userErrors { code field message } } }`,
    { input: { recordId: customerId, granteeId: salesId, endsAt: new Date(Date.now() + 3_600_000).toISOString(), reason: 'Twin grant' } },
    org.adminToken,
  );
  const [row] = await selectRows<{ id: string }>(server.database.db, sql`select id from customers where organisation_id = ${org.organisationId}`);
  await server.database.db.insert(portalTokens).values({
    organisationId: org.organisationId,
    customerId: row!.id,
    name: 'Twin portal',
    tokenHash: hashToken(generatePortalToken()),
    permissions: ['VIEW_INVOICES', 'UPDATE_CONTACT_DETAILS'],
  });
  await server.database.db.insert(statusGroups).values({ organisationId: org.organisationId, name: 'Twin group' });
  await raiseInvoice(server.database.db, systemActor(org.organisationId, 'test'), {
    customerId: row!.id,
    issueDate: '2026-11-02',
    lines: [{ description: 'Twin work', quantityMilli: 1000, unitPriceMinor: 1000 }],
  });
  expect(lead.data!.createLead.lead.id).toBeTruthy();
  // Something of every area of the customer record.
  const make = (mutation: string, input: Record<string, unknown>) => adminMutation(server, org, mutation, input);
  const branch = await make(`mutation($input: CreateBranchInput!) { createBranch(input: $input) { branch { id } userErrors { code field message } } }`, {
    customerId,
    name: 'Twin branch',
    line1: '1 Twin Rd',
  });
  const work = await make(
    `mutation($input: CreateWorkAddressInput!) { createWorkAddress(input: $input) { workAddress { id } userErrors { code field message } } }`,
    { customerId, branchId: branch.branch.id, line1: '2 Twin Rd', postcode: 'TW1 1NS' },
  );
  const listItem = (input: Record<string, unknown>) =>
    make(`mutation($input: CreateAssetListItemInput!) { createAssetListItem(input: $input) { item { id } userErrors { code field message } } }`, input);
  const group = await listItem({ list: 'GROUP', name: 'Boilers' });
  const assetMake = await listItem({ list: 'MAKE', name: 'Worcester' });
  await listItem({ list: 'MODEL', name: 'Greenstar', makeId: assetMake.item.id });
  await listItem({ list: 'FUEL_TYPE', name: 'Gas' });
  await listItem({ list: 'LOCATION', name: 'Kitchen' });
  await make(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } userErrors { code field message } } }`, {
    customerId,
    workAddressId: work.workAddress.id,
    groupId: group.item.id,
    description: 'Twin boiler',
  });
  // The sales pipeline: an opportunity, a quote signed (in the database until signQuote exists) with its sales order, a job, an estimate.
  await make(`mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { opportunity { id } userErrors { code field message } } }`, {
    recordId: customerId,
    name: 'Twin opportunity',
  });
  const twinQuote = await make(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } userErrors { code field message } } }`, {
    recordId: customerId,
    lines: [{ description: 'Twin line', quantity: '1', unitPriceMinor: 100 }],
  });
  const [signedQuote] = await server.database.db
    .update(quotes)
    .set({ status: 'SIGNED', signedAt: new Date() })
    .where(sql`${quotes.id} = ${parseGlobalId(twinQuote.quote.id)!.id}`)
    .returning();
  await server.database.db.transaction((tx) => raiseSalesOrderFromQuote(tx, systemActor(org.organisationId, 'test'), signedQuote!));
  await make(`mutation($input: CreateJobInput!) { createJob(input: $input) { job { id } userErrors { code field message } } }`, {
    customerId,
    workAddressId: work.workAddress.id,
    description: 'Twin job',
  });
  await make(`mutation($input: CreateEstimateInput!) { createEstimate(input: $input) { estimate { id } userErrors { code field message } } }`, {
    customerId,
    workAddressId: work.workAddress.id,
    description: 'Twin estimate',
    amount: { amountMinor: 100 },
  });
  await make(`mutation($input: CreateNoteInput!) { createNote(input: $input) { note { id } userErrors { code field message } } }`, {
    ownerId: customerId,
    body: 'Twin note',
  });
  await make(`mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code field message } } }`, {
    ownerId: customerId,
    type: 'REMINDER',
    subject: 'Twin task',
    dueAt: '2099-01-01T00:00:00Z',
  });
  await make(`mutation($input: LogCommunicationInput!) { logCommunication(input: $input) { communication { id } userErrors { code field message } } }`, {
    ownerId: customerId,
    channel: 'PHONE_CALL',
  });
  await make(`mutation($input: CreateExpiryInput!) { createExpiry(input: $input) { expiry { id } userErrors { code field message } } }`, {
    ownerId: customerId,
    supplier: 'Twin Gas',
    description: 'Gas supply',
    endsOn: '2099-01-01',
  });
  await make(
    `mutation($input: CreateCustomFieldDefinitionInput!) { createCustomFieldDefinition(input: $input) { customFieldDefinition { id } userErrors { code field message } } }`,
    { key: 'twin', label: 'Twin', type: 'TEXT', enabledFor: ['CUSTOMER'] },
  );
  await make(`mutation($input: SaveSearchInput!) { saveSearch(input: $input) { savedSearch { id } userErrors { code field message } } }`, {
    name: 'Twins',
    shared: true,
    filter: { rule: { field: 'NAME', operator: 'CONTAINS', value: 'Identical' } },
  });
  await flows(() => ({ server, token: org.adminToken })).upload(customerId, { bytes: 'twin file\n', name: 'twin.txt', type: 'text/plain' });
  // Each area's own twin records (test/<area>/cross-organisation.fixture.ts).
  for (const fixture of crossOrganisationFixtures()) await fixture.populate({ server, org, make, customerId, workAddressId: work.workAddress.id });
}

/** The node types populate() makes in each organisation (ImportJob needs a file upload of its own). */
const populatedKinds = new Set<string>(nodeTableList.map(([type]) => type).filter((type) => type !== 'ImportJob'));

/** Every global ID the organisation has, of every node type. */
async function globalIdsOf(organisationId: string, perType = Infinity): Promise<string[]> {
  const ids: string[] = [];
  for (const [type, table] of nodeTableList) {
    const all = await server.database.db
      .select({ id: table.id })
      .from(table)
      .where(sql`${table.organisationId} = ${organisationId}`);
    const rows = all.slice(0, perType);
    for (const r of rows as Array<{ id: string }>) ids.push(toGlobalId(type, r.id));
  }
  return ids;
}

/** A fingerprint of every row the organisation has, in every table with an organisation_id. */
async function fingerprint(organisationId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of allTables()) {
    if (!('organisationId' in table)) continue;
    const { name } = getTableConfig(table);
    const [row] = await selectRows<{ digest: string | null; n: number }>(
      server.database.db,
      sql`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest, count(*)::int as n from ${table} t where t.organisation_id = ${organisationId}`,
    );
    out[name] = `${row!.n}:${row!.digest}`;
  }
  return out;
}

beforeAll(async () => {
  // Room for one request holding a root field's call with each of the other organisation's IDs.
  server = await startTestServer({ MAX_QUERY_ALIASES: '1000', MAX_QUERY_COST: '100000000', MAX_QUERY_TOKENS: '1000000' });
  acme = await createTestOrganisation(server, 'Acme Services');
  other = await createTestOrganisation(server, 'Other Services');
  await populate(acme);
  await populate(other);
});
afterAll(() => server.close());

it("never returns or changes the other organisation's data, whichever root field and ID is used", async () => {
  // One of each kind to call with (more of one kind take the same paths); all of them to look for.
  const otherIds = await globalIdsOf(other.organisationId, 1);
  const allOtherIds = await globalIdsOf(other.organisationId);
  // Every kind of node the populate step makes exists in the other organisation.
  const kinds = new Set(otherIds.map((id) => Buffer.from(id, 'base64url').toString().split(':')[0]));
  expect([...populatedKinds].filter((k) => !kinds.has(k))).toEqual([]);
  const before = await fingerprint(other.organisationId);
  const leaks: string[] = [];
  const serverErrors: string[] = [];
  let calls = 0;
  /** Checks one answer: no server error, none of the other organisation's IDs or its name in the data. */
  const check = (label: string, res: { status: number; data: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> }) => {
    if (res.status >= 500 || res.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')) {
      serverErrors.push(`${label}: ${JSON.stringify(res).slice(0, 300)}`);
    }
    // Data only: error messages may quote the ID the caller sent, which is no leak.
    const text = JSON.stringify(res.data);
    for (const id of allOtherIds) if (text.includes(id)) leaks.push(`${label} returned ${id}`);
    if (text.includes('Other Services')) leaks.push(`${label} named the other organisation`);
  };
  for (const root of ['Query', 'Mutation'] as const) {
    const kind = root === 'Query' ? 'query' : 'mutation';
    for (const field of schemaFieldsOf(schema, root)) {
      const hasIdArgument = JSON.stringify(operationFor(schema, kind, field, () => 'MARKER').variables).includes('MARKER');
      const foreignIds = hasIdArgument ? otherIds : [undefined];
      // Every record the answer holds, by id: the root's, and one level in (a payload's record, a connection's nodes).
      const selection = idSelection(schema, field.type, isAbstractType(getNamedType(field.type)) ? 0 : 1);
      // All the IDs in one request (an alias each), as one call per ID would do, for a fraction of the cost.
      const batched = batchedOperationFor(
        schema,
        kind,
        field,
        foreignIds.map((id) => () => id),
        selection,
      );
      const res = await server.graphql(batched.query, batched.variables, acme.adminToken);
      calls += foreignIds.length;
      if (res.data) {
        check(`${root}.${field.name}`, res);
        continue;
      }
      // Refused or nulled as a whole: each call on its own, so that none goes unchecked.
      expect(res.errors?.map((e) => e.extensions?.code) ?? []).not.toContain('GRAPHQL_VALIDATION_FAILED');
      for (const foreignId of foreignIds) {
        const { query, variables } = operationFor(schema, kind, field, () => foreignId);
        const one = await server.graphql(query.replace('{ __typename }', selection), variables, acme.adminToken);
        expect(one.errors?.map((e) => e.extensions?.code) ?? []).not.toContain('GRAPHQL_VALIDATION_FAILED');
        check(`${root}.${field.name}`, one);
      }
    }
  }
  expect(calls).toBeGreaterThan(100);
  expect(serverErrors).toEqual([]);
  expect(leaks).toEqual([]);
  expect(await fingerprint(other.organisationId)).toEqual(before);
  // Every root field × an ID of every node type: thousands of calls, one request per root field.
}, 300_000);
