// Stored cards over GraphQL (docs/domain.md#stored-cards): a customer's cards on file as the payment
// provider's token, brand, last four digits and expiry; added and removed by those who keep the
// books, audited, listed newest first, bad input refused naming the field with nothing written, and
// moved by a merge like every row under a customer.
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { flows } from '../helpers/flows';
import { startTestOrganisation, type Reference } from '../helpers/reference';
import { errorCodes, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

const CARD = 'id provider providerToken brand last4 expiryMonth expiryYear expired label version customer { id }';
const ADD = `mutation($input: AddStoredCardInput!) { addStoredCard(input: $input) { storedCard { ${CARD} } userErrors { field code message } } }`;
const REMOVE = `mutation($input: RemoveStoredCardInput!) { removeStoredCard(input: $input) { removedStoredCardId userErrors { field code message } } }`;
const LIST = `query($id: ID!) { customer(id: $id) { storedCards(first: 10) { totalCount nodes { id last4 brand label } } } }`;

const nextYear = new Date().getUTCFullYear() + 1;
let tokens = 0;

/** A valid card for `customerId`, with a fresh provider token; `overrides` change any field. */
function card(customerId: string, overrides: Record<string, unknown> = {}) {
  tokens += 1;
  return {
    customerId,
    provider: 'stripe',
    providerToken: `pm_test_${tokens}`,
    brand: 'VISA',
    last4: '4242',
    expiryMonth: 6,
    expiryYear: nextYear,
    ...overrides,
  };
}

async function rowCount(table: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return row!.n;
}

beforeAll(async () => {
  ({ server, org, ref } = await startTestOrganisation());
});
afterAll(() => server.close());

describe('adding, listing and removing', () => {
  it('stores the token, brand, last four digits and expiry, lists the cards newest first and removes one, each audited', async () => {
    const customerId = await createCustomer('Card Holder Ltd');
    const first = await mutate('addStoredCard', card(customerId, { providerToken: 'pm_first', label: 'Office card' }), `storedCard { ${CARD} }`);
    expect(first.storedCard).toMatchObject({
      provider: 'stripe',
      providerToken: 'pm_first',
      brand: 'VISA',
      last4: '4242',
      expiryMonth: 6,
      expiryYear: nextYear,
      expired: false,
      label: 'Office card',
      version: 1,
      customer: { id: customerId },
    });
    const second = await mutate('addStoredCard', card(customerId, { brand: 'AMEX', last4: '0005' }), `storedCard { ${CARD} }`);

    const listed = await gql(LIST, { id: customerId });
    expect(listed.customer.storedCards).toEqual({
      totalCount: 2,
      nodes: [
        { id: second.storedCard.id, last4: '0005', brand: 'AMEX', label: null },
        { id: first.storedCard.id, last4: '4242', brand: 'VISA', label: 'Office card' },
      ],
    });
    const byNode = await gql(`query($id: ID!) { node(id: $id) { ... on StoredCard { last4 customer { id } } } }`, { id: first.storedCard.id });
    expect(byNode.node).toEqual({ last4: '4242', customer: { id: customerId } });

    const stale = await gql(REMOVE, { input: { id: first.storedCard.id, expectedVersion: 7 } });
    expect(errorCodes(stale.removeStoredCard.userErrors)).toEqual(['input.expectedVersion:VERSION_CONFLICT']);
    const removed = await mutate('removeStoredCard', { id: first.storedCard.id, expectedVersion: 1 }, 'removedStoredCardId');
    expect(removed.removedStoredCardId).toBe(first.storedCard.id);
    expect((await gql(LIST, { id: customerId })).customer.storedCards.nodes.map((c: { id: string }) => c.id)).toEqual([second.storedCard.id]);
    expect((await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: first.storedCard.id })).node).toBeNull();
    const again = await gql(REMOVE, { input: { id: first.storedCard.id } });
    expect(errorCodes(again.removeStoredCard.userErrors)).toEqual(['input.id:NOT_FOUND']);

    const uuid = parseGlobalId(first.storedCard.id)!.id;
    const audit = await selectRows<{ action: string; before: unknown; after: unknown }>(
      server.database.db,
      sql`select action, before, after from audit_entries where entity_id = ${uuid} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['storedCard.add', 'storedCard.remove']);
    expect(audit[0]!.after).toMatchObject({ providerToken: 'pm_first', last4: '4242', customerId: parseGlobalId(customerId)!.id });
    expect(audit[1]!.before).toMatchObject({ providerToken: 'pm_first', last4: '4242' });
  });

  it('a retry with the same idempotency key returns the first card; the same token again is a DUPLICATE', async () => {
    const customerId = await createCustomer('Retry Card Ltd');
    const input = card(customerId, { idempotencyKey: 'add-card-once' });
    const once = await mutate('addStoredCard', input, 'storedCard { id }');
    const twice = await mutate('addStoredCard', input, 'storedCard { id }');
    expect(twice.storedCard.id).toBe(once.storedCard.id);
    const duplicate = await gql(ADD, { input: { ...input, idempotencyKey: null, provider: 'STRIPE' } });
    expect(errorCodes(duplicate.addStoredCard.userErrors)).toEqual(['input.providerToken:DUPLICATE']);
    expect((await gql(LIST, { id: customerId })).customer.storedCards.totalCount).toBe(1);
  });

  it('moves with its customer when customers are merged', async () => {
    const survivor = await createCustomer('Survivor Card Ltd');
    const merged = await createCustomer('Merged Card Ltd');
    const stored = await mutate('addStoredCard', card(merged), 'storedCard { id }');
    const res = await mutate('mergeCustomers', { survivorId: survivor, mergedIds: [merged] }, 'moved { recordType count }');
    expect(res.moved).toEqual(expect.arrayContaining([{ recordType: 'StoredCard', count: 1 }]));
    expect((await gql(LIST, { id: survivor })).customer.storedCards.nodes.map((c: { id: string }) => c.id)).toEqual([stored.storedCard.id]);
  });
});

describe('refusals', () => {
  it('refuses bad input naming the field, and writes nothing', async () => {
    const customerId = await createCustomer('Bad Card Ltd');
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ last4: '42a2' }, 'input.last4:INVALID'],
      [{ last4: '12345' }, 'input.last4:INVALID'],
      [{ last4: '' }, 'input.last4:INVALID'],
      [{ expiryMonth: 13 }, 'input.expiryMonth:INVALID'],
      [{ expiryMonth: 0 }, 'input.expiryMonth:INVALID'],
      [{ expiryYear: 26 }, 'input.expiryYear:INVALID'],
      [{ expiryYear: now.getUTCFullYear() + 51 }, 'input.expiryYear:INVALID'],
      // Expired: last month (in the past, whichever year that was).
      [
        { expiryYear: lastMonth.getUTCFullYear(), expiryMonth: lastMonth.getUTCMonth() + 1 },
        lastMonth.getUTCFullYear() < now.getUTCFullYear() ? 'input.expiryYear:INVALID' : 'input.expiryMonth:INVALID',
      ],
      [{ expiryYear: now.getUTCFullYear() - 1, expiryMonth: 12 }, 'input.expiryYear:INVALID'],
      [{ providerToken: 'pm with spaces' }, 'input.providerToken:INVALID'],
      [{ providerToken: '  ' }, 'input.providerToken:REQUIRED'],
      [{ providerToken: `pm_${'x'.repeat(260)}` }, 'input.providerToken:TOO_LONG'],
      [{ provider: ' ' }, 'input.provider:REQUIRED'],
      [{ label: 'x'.repeat(201) }, 'input.label:TOO_LONG'],
      [{ customerId: 'not-an-id' }, 'input.customerId:INVALID'],
    ];
    const before = { cards: await rowCount('stored_cards'), audit: await rowCount('audit_entries') };
    for (const [overrides, expected] of cases) {
      const res = await gql(ADD, { input: card(customerId, overrides) });
      expect({ overrides, errors: errorCodes(res.addStoredCard.userErrors), card: res.addStoredCard.storedCard }).toEqual({
        overrides,
        errors: [expected],
        card: null,
      });
    }
    // A card this month is still valid (to the end of the month).
    await mutate('addStoredCard', card(customerId, { expiryYear: now.getUTCFullYear(), expiryMonth: now.getUTCMonth() + 1 }), 'storedCard { expired }');
    expect({ cards: await rowCount('stored_cards'), audit: await rowCount('audit_entries') }).toEqual({ cards: before.cards + 1, audit: before.audit + 1 });
  });

  it('the database itself refuses a last4 that is not four digits and an impossible month', async () => {
    const customerId = parseGlobalId(await createCustomer('Check Card Ltd'))!.id;
    const insert = (last4: string, month: number) =>
      server.database.db.execute(
        sql`insert into stored_cards (organisation_id, customer_id, provider, provider_token, brand, last4, expiry_month, expiry_year)
            values (${org.organisationId}, ${customerId}, 'stripe', ${`pm_db_${last4}_${month}`}, 'VISA', ${last4}, ${month}, 2030)`,
      );
    await expect(insert('12a4', 1)).rejects.toThrow();
    await expect(insert('1234', 13)).rejects.toThrow();
  });

  it('is for those who keep the books: service staff may list cards but not add or remove them, nor read the token', async () => {
    const customerId = await createCustomer('Roles Card Ltd');
    const stored = await mutate('addStoredCard', card(customerId), 'storedCard { id }');
    const service = await org.tokenFor('SERVICE');
    const added = await server.graphql(ADD, { input: card(customerId) }, service);
    expect(added.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const removed = await server.graphql(REMOVE, { input: { id: stored.storedCard.id } }, service);
    expect(removed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const seen = await server.graphql(LIST, { id: customerId }, service);
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.customer.storedCards.totalCount).toBe(1);
    const token = await server.graphql(
      `query($id: ID!) { node(id: $id) { ... on StoredCard { last4 providerToken } } }`,
      { id: stored.storedCard.id },
      service,
    );
    expect(token.data!.node).toEqual({ last4: '4242', providerToken: null });
    expect(token.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const finance = await org.tokenFor('FINANCE');
    const byFinance = await server.graphql(ADD, { input: card(customerId) }, finance);
    expect(byFinance.data!.addStoredCard.userErrors).toEqual([]);
    expect(byFinance.data!.addStoredCard.storedCard.providerToken).toMatch(/^pm_test_/);
  });
});
