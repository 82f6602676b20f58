// Sales order → assets as users see it over GraphQL (docs/domain.md#sales-order-to-assets): a lead's
// quote with asset lines is signed, the preview lists the assets and the customer's stage change, the
// conversion makes them in one transaction (lines flagged, order stamped, customer LIVE, all audited),
// and every refusal — a second conversion, another customer's work address, a stale version, a role or
// a viewer that may not — leaves the database as it was. An idempotent retry returns the first result.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
/** Asset reference list items by name. */
const items: Record<string, string> = {};

const USER_ERRORS = 'userErrors { field code message }';

const { gql, mutate, createLead } = flows(() => ({ server, token: org.adminToken, ref }));

const uuid = (globalId: string) => parseGlobalId(globalId)!.id;

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return selectRows<T>(server.database.db, query);
}

async function count(table: string): Promise<number> {
  const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)} where organisation_id = ${org.organisationId}`);
  return row!.n;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  const add = async (list: string, name: string, makeId?: string) => {
    const made = await mutate('createAssetListItem', { list, name, makeId }, 'item { id }');
    items[name] = made.item.id;
  };
  await add('GROUP', 'Boilers');
  await add('GROUP', 'Radiators');
  await add('MAKE', 'Worcester Bosch');
  await add('MODEL', 'Greenstar 30i', items['Worcester Bosch']);
});
afterAll(() => server.close());

/** Lines of the quote: two become assets with group/make/model, one with a make only (1.5 → 2), two do not. */
function assetLines() {
  return [
    {
      description: 'Boiler install',
      quantity: '1',
      unitPriceMinor: 150_000,
      taxRatePercent: 20,
      assetGroupId: items.Boilers,
      assetModelId: items['Greenstar 30i'],
    },
    { description: 'Labour', quantity: '3.5', unitPriceMinor: 4_000 },
    { description: 'Radiators', quantity: '4', unitPriceMinor: 12_000, assetGroupId: items.Radiators },
    { description: 'Flue kit', quantity: '1.5', unitPriceMinor: 9_000, assetMakeId: items['Worcester Bosch'] },
    { description: 'Survey', quantity: '1', unitPriceMinor: 0 },
  ];
}

/** A lead with a SENT quote, signed: the PENDING customer and its sales order. */
async function signedOrder(name: string, token = org.adminToken, lines = assetLines()) {
  const leadId = await createLead({ name, addresses: [{ type: 'BILLING', isDefault: true, line1: '1 Boiler Row', postcode: 'BS1 1AA' }] }, { token });
  const quote = await mutate('createQuote', { recordId: leadId, lines }, 'quote { id }', { token });
  await mutate('sendQuote', { id: quote.quote.id }, 'quote { id }', { token, inputType: 'QuoteTransitionInput' });
  const signed = await mutate('signQuote', { quoteId: quote.quote.id }, 'customer { id stage } salesOrder { id version }', { token });
  expect(signed.customer.stage).toBe('PENDING');
  return { leadId, customerId: signed.customer.id as string, salesOrderId: signed.salesOrder.id as string, version: signed.salesOrder.version as number };
}

async function workAddress(customerId: string, line1: string, token = org.adminToken): Promise<string> {
  return (await mutate('createWorkAddress', { customerId, line1, postcode: 'BS2 2BB' }, 'workAddress { id }', { token })).workAddress.id;
}

const PREVIEW = `query($id: ID!) { salesOrderConversionPreview(salesOrderId: $id) {
  salesOrder { id version convertedToAssetsAt } customer { id name } currentStage newStage canConvert blockers { field code message }
  assets { description quantity quantityRounded line { position description quantity assetCreated } group { name } make { name } model { name } } } }`;

const CONVERT = `mutation($input: ConvertSalesOrderToAssetsInput!) { convertSalesOrderToAssets(input: $input) {
  salesOrder { id version convertedToAssetsAt convertedToAssetsBy { email } lines { position assetCreated } }
  customer { id stage version }
  assets { id description quantity group { name } make { name } model { name } workAddress { id } customer { id } }
  ${USER_ERRORS} } }`;

/** What a refused call must leave as it was. */
async function snapshot(salesOrderId: string, customerId: string) {
  const [order] = await rows<{ version: number; converted: string | null }>(
    sql`select version, converted_to_assets_at::text as converted from sales_orders where id = ${uuid(salesOrderId)}`,
  );
  const [customer] = await rows<{ stage: string; version: number }>(sql`select stage::text, version from customers where id = ${uuid(customerId)}`);
  const flagged = await rows<{ n: number }>(
    sql`select count(*)::int as n from sales_order_lines where sales_order_id = ${uuid(salesOrderId)} and asset_created`,
  );
  return { order, customer, flagged: flagged[0]!.n, assets: await count('assets'), audit: await count('audit_entries') };
}

describe('salesOrderConversionPreview and convertSalesOrderToAssets', () => {
  it('previews, then converts: assets per asset line, lines flagged, order stamped, customer LIVE, audited; retries and repeats', async () => {
    const { customerId, salesOrderId } = await signedOrder('Heating Co');
    const siteId = await workAddress(customerId, '5 Site Street');

    const preview = (await gql(PREVIEW, { id: salesOrderId })).salesOrderConversionPreview;
    expect(preview).toMatchObject({
      customer: { id: customerId, name: 'Heating Co' },
      currentStage: 'PENDING',
      newStage: 'LIVE',
      canConvert: true,
      blockers: [],
    });
    expect(preview.salesOrder.convertedToAssetsAt).toBeNull();
    expect(preview.assets).toEqual([
      {
        description: 'Boiler install',
        quantity: 1,
        quantityRounded: false,
        line: { position: 0, description: 'Boiler install', quantity: '1', assetCreated: false },
        group: { name: 'Boilers' },
        make: { name: 'Worcester Bosch' }, // a model implies its make
        model: { name: 'Greenstar 30i' },
      },
      {
        description: 'Radiators',
        quantity: 4,
        quantityRounded: false,
        line: { position: 2, description: 'Radiators', quantity: '4', assetCreated: false },
        group: { name: 'Radiators' },
        make: null,
        model: null,
      },
      {
        description: 'Flue kit',
        quantity: 2,
        quantityRounded: true,
        line: { position: 3, description: 'Flue kit', quantity: '1.5', assetCreated: false },
        group: null,
        make: { name: 'Worcester Bosch' },
        model: null,
      },
    ]);
    // The preview writes nothing.
    expect(await count('assets')).toBe(0);

    const auditBefore = await count('audit_entries');
    const input = { salesOrderId, workAddressId: siteId, expectedVersion: preview.salesOrder.version, idempotencyKey: 'convert-heating' };
    const data = (await gql(CONVERT, { input })).convertSalesOrderToAssets;
    expect(data.userErrors).toEqual([]);
    expect(data.customer).toMatchObject({ id: customerId, stage: 'LIVE' });
    expect(data.salesOrder.convertedToAssetsAt).toBeTruthy();
    expect(data.salesOrder.convertedToAssetsBy).toEqual({ email: 'admin@acme-services.test' });
    expect(data.salesOrder.version).toBe(preview.salesOrder.version + 1);
    expect(data.salesOrder.lines).toEqual([
      { position: 0, assetCreated: true },
      { position: 1, assetCreated: false },
      { position: 2, assetCreated: true },
      { position: 3, assetCreated: true },
      { position: 4, assetCreated: false },
    ]);
    expect(
      data.assets.map((a: any) => [
        a.description,
        a.quantity,
        a.group?.name ?? null,
        a.make?.name ?? null,
        a.model?.name ?? null,
        a.workAddress.id,
        a.customer.id,
      ]),
    ).toEqual([
      ['Boiler install', 1, 'Boilers', 'Worcester Bosch', 'Greenstar 30i', siteId, customerId],
      ['Radiators', 4, 'Radiators', null, null, siteId, customerId],
      ['Flue kit', 2, null, 'Worcester Bosch', null, siteId, customerId],
    ]);

    // In the database: three assets, each linked to its own line, at the work address.
    const stored = await rows<{
      id: string;
      description: string;
      quantity: number;
      work_address_id: string;
      group_id: string | null;
      make_id: string | null;
      model_id: string | null;
      position: number;
      line_order: string;
    }>(
      sql`select a.id, a.description, a.quantity, a.work_address_id, a.group_id, a.make_id, a.model_id, l.position, l.sales_order_id as line_order
          from assets a join sales_order_lines l on l.id = a.sales_order_line_id where a.customer_id = ${uuid(customerId)} order by l.position`,
    );
    expect(await count('assets')).toBe(3);
    expect(stored.map((a) => [a.position, a.description, a.quantity, a.work_address_id, a.group_id, a.make_id, a.model_id, a.line_order])).toEqual([
      [0, 'Boiler install', 1, uuid(siteId), uuid(items.Boilers!), uuid(items['Worcester Bosch']!), uuid(items['Greenstar 30i']!), uuid(salesOrderId)],
      [2, 'Radiators', 4, uuid(siteId), uuid(items.Radiators!), null, null, uuid(salesOrderId)],
      [3, 'Flue kit', 2, uuid(siteId), null, uuid(items['Worcester Bosch']!), null, uuid(salesOrderId)],
    ]);
    expect(data.assets.map((a: any) => uuid(a.id))).toEqual(stored.map((a) => a.id));

    // Audited: each asset, the order's conversion and the customer's stage change, in the customer's trail.
    expect(await count('audit_entries')).toBe(auditBefore + 5);
    const trail = await gql(
      `query($id: ID!) { node(id: $id) { ... on Customer { auditTrail(first: 10) { nodes { action entityType entityId before after } } } } }`,
      { id: customerId },
    );
    const entries = trail.node.auditTrail.nodes.slice(0, 5);
    expect(entries.map((e: any) => e.action).sort()).toEqual([
      'asset.create',
      'asset.create',
      'asset.create',
      'customer.stageChange',
      'salesOrder.convertToAssets',
    ]);
    const stage = entries.find((e: any) => e.action === 'customer.stageChange');
    expect([stage.entityId, stage.before.stage, stage.after.stage]).toEqual([customerId, 'PENDING', 'LIVE']);
    const order = entries.find((e: any) => e.action === 'salesOrder.convertToAssets');
    expect(order.entityId).toBe(salesOrderId);
    expect(order.before.convertedToAssetsAt).toBeNull();
    expect(order.after.assetIds.sort()).toEqual(stored.map((a) => a.id).sort());
    expect(order.after.workAddressId).toBe(uuid(siteId));
    const assetEntries = entries.filter((e: any) => e.action === 'asset.create');
    expect(assetEntries.map((e: any) => e.after.salesOrderLineId).sort()).toEqual(
      (await rows<{ id: string }>(sql`select sales_order_line_id as id from assets where customer_id = ${uuid(customerId)}`)).map((r) => r.id).sort(),
    );

    // A retry with the key returns the first result and writes nothing.
    const before = await snapshot(salesOrderId, customerId);
    const retry = (await gql(CONVERT, { input })).convertSalesOrderToAssets;
    expect(retry.userErrors).toEqual([]);
    expect(retry.assets.map((a: any) => a.id)).toEqual(data.assets.map((a: any) => a.id));
    expect(retry.salesOrder.convertedToAssetsAt).toBe(data.salesOrder.convertedToAssetsAt);
    expect(await snapshot(salesOrderId, customerId)).toEqual(before);

    // Converting again (another key, or none) is refused, naming when it was converted; nothing changes.
    for (const again of [{ salesOrderId, idempotencyKey: 'convert-heating-2' }, { salesOrderId }]) {
      const refused = (await gql(CONVERT, { input: again })).convertSalesOrderToAssets;
      expect(refused).toMatchObject({ salesOrder: null, customer: null, assets: null });
      expect(refused.userErrors).toEqual([
        { field: ['input', 'salesOrderId'], code: 'INVALID_STATE', message: expect.stringContaining(data.salesOrder.convertedToAssetsAt) },
      ]);
      expect(await snapshot(salesOrderId, customerId)).toEqual(before);
    }

    // The preview now says why not, and has nothing left to create.
    const after = (await gql(PREVIEW, { id: salesOrderId })).salesOrderConversionPreview;
    expect(after).toMatchObject({ currentStage: 'LIVE', newStage: 'LIVE', canConvert: false, assets: [] });
    expect(after.salesOrder.convertedToAssetsAt).toBe(data.salesOrder.convertedToAssetsAt);
    expect(errorCodes(after.blockers)).toEqual(['input.salesOrderId:INVALID_STATE']);
    expect(after.blockers[0].message).toContain(data.salesOrder.convertedToAssetsAt);
  });

  it("refuses another customer's work address, a stale version and a malformed ID, naming the field and changing nothing", async () => {
    const { customerId, salesOrderId, version } = await signedOrder('Refusals Ltd');
    const other = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Someone Else Ltd' }) });
    const elsewhere = await workAddress(other.createCustomer.customer.id, '9 Other Road');
    const before = await snapshot(salesOrderId, customerId);
    const cases: Array<[Record<string, unknown>, string[], string]> = [
      [{ workAddressId: elsewhere }, ['input', 'workAddressId'], 'INVALID'],
      [{ workAddressId: customerId }, ['input', 'workAddressId'], 'INVALID'],
      [{ expectedVersion: version + 5 }, ['input', 'expectedVersion'], 'VERSION_CONFLICT'],
      [{ salesOrderId: customerId }, ['input', 'salesOrderId'], 'INVALID'],
    ];
    for (const [overrides, field, code] of cases) {
      const data = (await gql(CONVERT, { input: { salesOrderId, idempotencyKey: `refused-${code}-${field.join('.')}`, ...overrides } }))
        .convertSalesOrderToAssets;
      expect(data.userErrors).toEqual([{ field, code, message: expect.any(String) }]);
      expect(data.assets).toBeNull();
      expect(await snapshot(salesOrderId, customerId)).toEqual(before);
    }
    const wrong = (await gql(CONVERT, { input: { salesOrderId, workAddressId: elsewhere } })).convertSalesOrderToAssets;
    expect(wrong.userErrors[0].message).toMatch(/^workAddressId: .*another customer/);
    // A refused call keeps no idempotency key: the same key converts once the input is right.
    const ok = (await gql(CONVERT, { input: { salesOrderId, idempotencyKey: `refused-INVALID-input.workAddressId` } })).convertSalesOrderToAssets;
    expect(ok.userErrors).toEqual([]);
    expect(ok.assets).toHaveLength(3);
    expect(ok.assets.every((a: any) => a.workAddress === null)).toBe(true);
  });

  it('keeps a LIVE customer LIVE (no stage change audited), and converts an order without asset lines', async () => {
    const created = await gql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Already Live Ltd' }) });
    const customerId = created.createCustomer.customer.id;
    expect(created.createCustomer.customer.stage).toBe('LIVE');
    const quote = await mutate(
      'createQuote',
      { recordId: customerId, lines: [{ description: 'Service visit', quantity: '1', unitPriceMinor: 8_000 }] },
      'quote { id }',
    );
    await mutate('sendQuote', { id: quote.quote.id }, 'quote { id }', { inputType: 'QuoteTransitionInput' });
    const signed = await mutate('signQuote', { quoteId: quote.quote.id }, 'salesOrder { id }');
    const salesOrderId = signed.salesOrder.id;
    const preview = (await gql(PREVIEW, { id: salesOrderId })).salesOrderConversionPreview;
    expect(preview).toMatchObject({ currentStage: 'LIVE', newStage: 'LIVE', canConvert: true, assets: [] });
    const assetsBefore = await count('assets');
    const auditBefore = await count('audit_entries');
    const data = (await gql(CONVERT, { input: { salesOrderId } })).convertSalesOrderToAssets;
    expect(data.userErrors).toEqual([]);
    expect(data.assets).toEqual([]);
    expect(data.customer).toMatchObject({ stage: 'LIVE', version: created.createCustomer.customer.version });
    expect(await count('assets')).toBe(assetsBefore);
    const audit = await rows<{ action: string }>(
      sql`select action from audit_entries where organisation_id = ${org.organisationId} order by id desc limit ${(await count('audit_entries')) - auditBefore}`,
    );
    expect(audit.map((a) => a.action)).toEqual(['salesOrder.convertToAssets']);
  });

  it("is FORBIDDEN to roles that may not convert (the preview is still theirs to read), and NOT_FOUND for a SALES user on another's order", async () => {
    const { customerId, salesOrderId } = await signedOrder('Guarded Ltd');
    const before = await snapshot(salesOrderId, customerId);
    for (const role of ['READ_ONLY', 'SERVICE', 'FINANCE'] as const) {
      const token = await org.tokenFor(role);
      const res = await server.graphql(CONVERT, { input: { salesOrderId } }, token);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const preview = await server.graphql(PREVIEW, { id: salesOrderId }, token);
      expect(preview.errors).toBeUndefined();
      expect(preview.data!.salesOrderConversionPreview).toMatchObject({ canConvert: true, currentStage: 'PENDING' });
    }
    const sales = await org.tokenFor('SALES');
    const refused = await server.graphql(CONVERT, { input: { salesOrderId } }, sales);
    expect(refused.errors).toBeUndefined();
    expect(errorCodes(refused.data!.convertSalesOrderToAssets.userErrors)).toEqual(['input.salesOrderId:NOT_FOUND']);
    const hidden = await server.graphql(PREVIEW, { id: salesOrderId }, sales);
    expect(hidden.errors).toBeUndefined();
    expect(hidden.data!.salesOrderConversionPreview).toBeNull();
    expect(await snapshot(salesOrderId, customerId)).toEqual(before);

    // The SALES user's own order: visible to them and theirs to convert; the admin's work address is not.
    const own = await signedOrder('Own Deal Ltd', sales);
    expect((await gql(PREVIEW, { id: own.salesOrderId }, sales)).salesOrderConversionPreview.canConvert).toBe(true);
    const theirs = await workAddress(customerId, '1 Not Yours Lane');
    const wrong = (await gql(CONVERT, { input: { salesOrderId: own.salesOrderId, workAddressId: theirs } }, sales)).convertSalesOrderToAssets;
    expect(errorCodes(wrong.userErrors)).toEqual(['input.workAddressId:NOT_FOUND']);
    const data = (await gql(CONVERT, { input: { salesOrderId: own.salesOrderId } }, sales)).convertSalesOrderToAssets;
    expect(data.userErrors).toEqual([]);
    expect(data.assets).toHaveLength(3);
    expect(data.customer.stage).toBe('LIVE');
  });

  it('5 conversions of one order at once make its assets once; the others are refused', async () => {
    const { customerId, salesOrderId } = await signedOrder('Race Heating Ltd');
    const assetsBefore = await count('assets');
    const results = await Promise.all(Array.from({ length: 5 }, () => server.graphql(CONVERT, { input: { salesOrderId } }, org.adminToken)));
    for (const res of results) expect(res.errors).toBeUndefined();
    const codes = results.map((r) => errorCodes(r.data!.convertSalesOrderToAssets.userErrors).join(',')).sort();
    expect(codes).toEqual(['', ...Array(4).fill('input.salesOrderId:INVALID_STATE')]);
    expect(await count('assets')).toBe(assetsBefore + 3);
    const [customer] = await rows<{ stage: string }>(sql`select stage::text from customers where id = ${uuid(customerId)}`);
    expect(customer!.stage).toBe('LIVE');
  });

  it('answers BAD_USER_INPUT to a malformed preview ID', async () => {
    const res = await server.graphql(PREVIEW, { id: 'nonsense' }, org.adminToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
