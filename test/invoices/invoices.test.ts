// Invoices as users and portals read them: totals derived from lines in integer minor units,
// gapless numbers, visibility through the customer, and a portal token that sees its own
// customer's invoices (with VIEW_INVOICES) and nothing of anyone else's.
import type { Actor } from '../../src/audit/service';
import { systemActor } from '../../src/auth/actor';
import { parseGlobalId, toGlobalId } from '../../src/graph/ids';
import { raiseInvoice } from '../../src/invoices/write';
import { createUser } from '../../src/organisations/service';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
let mine: string;
let neighbour: string;
let mineInvoices: string[] = [];
let neighbourInvoice: string;

const { createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const INVOICES = `query($id: ID!) { customer(id: $id) { invoices(first: 10) { totalCount nodes {
  id number reference status issueDate dueDate
  net { amountMinor formatted } tax { amountMinor } total { amountMinor formatted } paid { amountMinor } outstanding { amountMinor }
  lines { position description quantity unitPrice { amountMinor } taxRatePercent net { amountMinor } tax { amountMinor } total { amountMinor } }
  customer { id }
} } } }`;

function system(): Actor {
  return systemActor(org.organisationId, 'test');
}

async function portalToken(customerId: string, permissions: string[]) {
  const res = await server.graphql(
    `mutation($input: CreatePortalTokenInput!) { createPortalToken(input: $input) { token userErrors { code } } }`,
    { input: { customerId, name: 'Portal', permissions } },
    org.adminToken,
  );
  expect(res.data!.createPortalToken.userErrors).toEqual([]);
  return res.data!.createPortalToken.token as string;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
  mine = await createCustomer('Mine Ltd', { overrides: { creditorDays: 14 } });
  neighbour = await createCustomer('Neighbour Ltd');
  const id = (g: string) => parseGlobalId(g)!.id;
  const first = await raiseInvoice(server.database.db, system(), {
    customerId: id(mine),
    issueDate: '2026-11-02',
    lines: [
      { description: 'Boiler service', quantityMilli: 1000, unitPriceMinor: 8500, taxRateBp: 2000 },
      // 1.5 hours at £33.33: 4999.5 → 5000 (half away from zero); tax 20% = 1000.
      { description: 'Labour (hours)', quantityMilli: 1500, unitPriceMinor: 3333, taxRateBp: 2000 },
    ],
  });
  const draft = await raiseInvoice(server.database.db, system(), {
    customerId: id(mine),
    lines: [{ description: 'Parts', quantityMilli: 2000, unitPriceMinor: 1250 }],
  });
  const other = await raiseInvoice(server.database.db, system(), {
    customerId: id(neighbour),
    issueDate: '2026-11-03',
    lines: [{ description: 'Secret work', quantityMilli: 1000, unitPriceMinor: 99_999 }],
  });
  mineInvoices = [toGlobalId('Invoice', draft.id), toGlobalId('Invoice', first.id)];
  neighbourInvoice = toGlobalId('Invoice', other.id);
});
afterAll(() => server.close());

it('derives line and invoice totals in minor units, numbers issued invoices without gaps, and dates them by creditor days', async () => {
  const res = await server.graphql(INVOICES, { id: mine }, org.adminToken);
  expect(res.errors).toBeUndefined();
  const [draft, issued] = res.data!.customer.invoices.nodes;
  expect(res.data!.customer.invoices.totalCount).toBe(2);
  expect(draft).toMatchObject({ number: null, reference: null, status: 'DRAFT', issueDate: null, total: { amountMinor: 2500 } });
  expect(issued).toMatchObject({
    number: 1,
    reference: 'INV-000001',
    status: 'ISSUED',
    issueDate: '2026-11-02',
    dueDate: '2026-11-16',
    net: { amountMinor: 13_500, formatted: '£135.00' },
    tax: { amountMinor: 2_700 },
    total: { amountMinor: 16_200, formatted: '£162.00' },
    paid: { amountMinor: 0 },
    outstanding: { amountMinor: 16_200 },
    customer: { id: mine },
  });
  expect(issued.lines[1]).toEqual({
    position: 1,
    description: 'Labour (hours)',
    quantity: '1.5',
    unitPrice: { amountMinor: 3333 },
    taxRatePercent: 20,
    net: { amountMinor: 5000 },
    tax: { amountMinor: 1000 },
    total: { amountMinor: 6000 },
  });
  // The neighbour's invoice, issued next, took number 2: one sequence per organisation.
  const next = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Invoice { number } } }`, { id: neighbourInvoice }, org.adminToken);
  expect(next.data!.node).toEqual({ number: 2 });
});

it("follows the customer's visibility: a sales user sees only their own customers' invoices", async () => {
  const made = await createUser(server.database.db, org.organisationId, { email: 'seller@acme.test', name: 'Seller', role: 'SALES' });
  const own = await createCustomer('Seller Customer', { token: made.token });
  await raiseInvoice(server.database.db, system(), {
    customerId: parseGlobalId(own)!.id,
    issueDate: '2026-11-05',
    lines: [{ description: 'x', quantityMilli: 1000, unitPriceMinor: 100 }],
  });
  const res = await server.graphql(
    `query($own: ID!, $ids: [ID!]!) { customer(id: $own) { invoices { totalCount } } nodes(ids: $ids) { id } }`,
    { own, ids: [...mineInvoices, neighbourInvoice] },
    made.token,
  );
  expect(res.data).toEqual({ customer: { invoices: { totalCount: 1 } }, nodes: [null, null, null] });
});

describe('a portal token', () => {
  it("with VIEW_INVOICES reads its own customer's invoices, by the customer and by id", async () => {
    const token = await portalToken(mine, ['VIEW_INVOICES']);
    const res = await server.graphql(INVOICES, { id: mine }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer.invoices.nodes.map((i: { id: string }) => i.id)).toEqual(mineInvoices);
    expect(res.data!.customer.invoices.nodes[1].total).toEqual({ amountMinor: 16_200, formatted: '£162.00' });
    const byId = await server.graphql(`query($id: ID!) { node(id: $id) { ... on Invoice { reference total { formatted } } } }`, { id: mineInvoices[1] }, token);
    expect(byId.data).toEqual({ node: { reference: 'INV-000001', total: { formatted: '£162.00' } } });
  });

  it("gets not found for any other customer's invoice or customer, in the same organisation too", async () => {
    const token = await portalToken(mine, ['VIEW_INVOICES']);
    const res = await server.graphql(
      `query($c: ID!, $ids: [ID!]!) { customer(id: $c) { id } nodes(ids: $ids) { id } }`,
      { c: neighbour, ids: [neighbourInvoice, neighbour] },
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ customer: null, nodes: [null, null] });
  });

  it('without VIEW_INVOICES sees no invoices at all', async () => {
    const token = await portalToken(mine, ['UPDATE_CONTACT_DETAILS']);
    const list = await server.graphql(`query($id: ID!) { customer(id: $id) { name invoices { totalCount } } }`, { id: mine }, token);
    expect(list.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(list.errors![0]!.path).toEqual(['customer', 'invoices']);
    const byId = await server.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: mineInvoices[1] }, token);
    expect(byId.data).toEqual({ node: null });
  });
});
