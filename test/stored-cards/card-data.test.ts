// No payment card number and no card security code is ever accepted, echoed, stored or logged (issue
// 12, item 7). A card number (13–19 digits passing Luhn, with or without spaces or dashes) anywhere in
// the input of a money mutation — a line's description, a payment's reference, a credit note's
// reason, an ID, an idempotency key, an amount — is refused with a user error naming the field; one in
// a field that does not exist, or in a value of the wrong type, gets GraphQL's own error with the
// number masked; a security code in any input is refused naming the field, never its value. Then
// every row of every table, every log line (at trace level) and every answer is searched for the
// digits, however they were written: none has them.
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/pg-core';
import pino from 'pino';
import { selectRows } from '../../src/db/client';
import { allTables } from '../helpers/all-tables';
import { flows } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;

const logLines: string[] = [];
const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
/** Every answer the server gave in this file, as its JSON. */
const answers: string[] = [];

const { gql, mutate, createCustomer } = flows(() => ({ server, token: org.adminToken, ref }));

/** A number of `length` digits passing the Luhn check: `prefix`, then `seed`, then the check digit. */
function cardNumber(seed: number, prefix = '4', length = 16): string {
  const body = `${prefix}${String(seed).padStart(length - 1 - prefix.length, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}
const spaced = (n: string) => n.replace(/(\d{4})(?=\d)/g, '$1 ');
const dashed = (n: string) => n.replace(/(\d{4})(?=\d)/g, '$1-');

/** Every card number sent in this file (digits only), to be searched for at the end. */
const sent: string[] = [];
let seed = 1000;
function nextCard(prefix = '4', length = 16): string {
  seed += 7919;
  const n = cardNumber(seed, prefix, length);
  sent.push(n);
  return n;
}

/** A security code sent in this file; searched for beside the names such a field goes by. */
const CVC = '7391';

async function send(query: string, variables: Record<string, unknown> = {}) {
  const res = await server.graphql(query, variables, org.adminToken);
  answers.push(JSON.stringify(res));
  return res;
}

let customerId: string;
let draftId: string;
let issuedId: string;
let paymentId: string;
let allocationId: string;
let creditNoteId: string;
let methodId: string;
const year = new Date().getUTCFullYear() + 2;

beforeAll(async () => {
  server = await startTestServer({}, { log });
  org = await createTestOrganisation(server);
  ref = await readReference(server, org.adminToken);
  customerId = await createCustomer('Card Data Ltd');
  const line = { description: 'Boiler service', quantity: '1', unitPriceMinor: 10_000, taxRatePercent: 20 };
  draftId = (await mutate('createInvoice', { customerId, lines: [line] }, 'invoice { id }')).invoice.id;
  const issued = (await mutate('createInvoice', { customerId, lines: [line] }, 'invoice { id }')).invoice.id;
  issuedId = (await mutate('issueInvoice', { id: issued, issueDate: '2026-11-02' }, 'invoice { id }')).invoice.id;
  methodId = (await gql(`{ paymentMethods { id name } }`)).paymentMethods.find((m: { name: string }) => m.name === 'Card').id;
  const payment = await mutate(
    'recordPayment',
    { customerId, methodId, amount: { amountMinor: 5000 }, allocations: [{ invoiceId: issuedId, amountMinor: 1000 }] },
    'payment { id allocations { id } }',
  );
  paymentId = payment.payment.id;
  allocationId = payment.payment.allocations[0].id;
  creditNoteId = (await mutate('createCreditNote', { invoiceId: issuedId, reason: 'Goodwill' }, 'creditNote { id }')).creditNote.id;
  // A card on file, so the stored_cards table has a row to search too.
  await mutate(
    'addStoredCard',
    { customerId, provider: 'stripe', providerToken: 'pm_card_data', brand: 'VISA', last4: '4242', expiryMonth: 3, expiryYear: year },
    'storedCard { id }',
  );
});
afterAll(() => server.close());

/** The digits of `text` with spaces and dashes between them gone: how a card number is searched for. */
const digitsOf = (text: string) => text.replace(/[\s-]/g, '');

function cardNumbersIn(text: string): string[] {
  const squeezed = digitsOf(text);
  return sent.filter((n) => squeezed.includes(n));
}

/** A digest of the money tables, to show a refusal changed nothing. */
async function moneyState(): Promise<string> {
  const [row] = await selectRows<{ d: string }>(
    server.database.db,
    sql`select md5(string_agg(t, '|' order by t)) as d from (
      select 'i' || i::text as t from invoices i union all select 'l' || l::text from invoice_lines l
      union all select 'p' || p::text from payments p union all select 'a' || a::text from allocations a
      union all select 'c' || c::text from credit_notes c union all select 'm' || m::text from payment_methods m
      union all select 's' || s::text from stored_cards s
      union all select 'e' || count(*)::text from audit_entries union all select 'k' || count(*)::text from idempotency_keys) x`,
  );
  return row!.d;
}

type Case = { mutation: string; input: () => Record<string, unknown>; field: string[]; result: string };

const line = (description: string) => ({ description, quantity: '1', unitPriceMinor: 1000 });

/** Card numbers in the text fields of the money mutations, nested too, written in several ways. */
const cases: Case[] = [
  {
    mutation: 'createInvoice',
    input: () => ({ customerId, lines: [line(`Paid by card ${spaced(nextCard())}`)] }),
    field: ['input', 'lines', '0', 'description'],
    result: 'invoice { id }',
  },
  { mutation: 'createInvoice', input: () => ({ customerId, lines: [], notes: dashed(nextCard('5')) }), field: ['input', 'notes'], result: 'invoice { id }' },
  {
    mutation: 'createInvoice',
    input: () => ({ customerId, lines: [{ ...line('Typed in the wrong box'), unitPriceMinor: Number(nextCard()) }] }),
    field: ['input', 'lines', '0', 'unitPriceMinor'],
    result: 'invoice { id }',
  },
  {
    mutation: 'updateInvoice',
    input: () => ({ id: draftId, lines: [line('Labour'), { ...line('Parts'), category: `Card ${nextCard('37', 15)}` }] }),
    field: ['input', 'lines', '1', 'category'],
    result: 'invoice { id }',
  },
  { mutation: 'issueInvoice', input: () => ({ id: draftId, idempotencyKey: nextCard() }), field: ['input', 'idempotencyKey'], result: 'invoice { id }' },
  {
    mutation: 'voidInvoice',
    input: () => ({ id: issuedId, reason: `Refunded to ${spaced(nextCard('6', 19))}` }),
    field: ['input', 'reason'],
    result: 'invoice { id }',
  },
  { mutation: 'deleteInvoice', input: () => ({ id: nextCard() }), field: ['input', 'id'], result: 'deletedInvoiceId' },
  {
    mutation: 'recordPayment',
    input: () => ({ customerId, methodId, amount: { amountMinor: 100 }, reference: `Card ${spaced(nextCard())} exp 12/29` }),
    field: ['input', 'reference'],
    result: 'payment { id }',
  },
  {
    mutation: 'allocatePayment',
    input: () => ({ paymentId, allocations: [{ invoiceId: nextCard('5'), amountMinor: 100 }] }),
    field: ['input', 'allocations', '0', 'invoiceId'],
    result: 'payment { id }',
  },
  {
    mutation: 'reversePayment',
    input: () => ({ id: paymentId, reason: `Charge-back on ${dashed(nextCard())}` }),
    field: ['input', 'reason'],
    result: 'payment { id }',
  },
  {
    mutation: 'undoAllocation',
    input: () => ({ id: allocationId, reason: `Wrong card ${nextCard()}` }),
    field: ['input', 'reason'],
    result: 'allocation { id }',
  },
  {
    mutation: 'createCreditNote',
    input: () => ({ customerId, reason: `Card ${dashed(nextCard('5'))} charged twice`, lines: [line('Refund')] }),
    field: ['input', 'reason'],
    result: 'creditNote { id }',
  },
  {
    mutation: 'createCreditNote',
    input: () => ({ customerId, reason: 'Refund', lines: [line('Refund'), line(`Back to ${nextCard()}`)] }),
    field: ['input', 'lines', '1', 'description'],
    result: 'creditNote { id }',
  },
  {
    mutation: 'allocateCreditNote',
    input: () => ({ creditNoteId, allocations: [{ invoiceId: issuedId, amountMinor: 100 }], idempotencyKey: `key-${nextCard()}` }),
    field: ['input', 'idempotencyKey'],
    result: 'creditNote { id }',
  },
  { mutation: 'voidCreditNote', input: () => ({ id: creditNoteId, reason: spaced(nextCard()) }), field: ['input', 'reason'], result: 'creditNote { id }' },
  { mutation: 'createPaymentMethod', input: () => ({ name: `Card ${nextCard()}` }), field: ['input', 'name'], result: 'paymentMethod { id }' },
  { mutation: 'updatePaymentMethod', input: () => ({ id: methodId, name: `Card ${nextCard('5')}` }), field: ['input', 'name'], result: 'paymentMethod { id }' },
  {
    mutation: 'addStoredCard',
    input: () => ({
      customerId,
      provider: 'stripe',
      providerToken: 'pm_ok',
      brand: 'VISA',
      last4: '1111',
      expiryMonth: 1,
      expiryYear: year,
      label: spaced(nextCard()),
    }),
    field: ['input', 'label'],
    result: 'storedCard { id }',
  },
  {
    mutation: 'addStoredCard',
    input: () => ({ customerId, provider: 'stripe', providerToken: `tok_${nextCard()}`, brand: 'VISA', last4: '1111', expiryMonth: 1, expiryYear: year }),
    field: ['input', 'providerToken'],
    result: 'storedCard { id }',
  },
  { mutation: 'removeStoredCard', input: () => ({ id: nextCard() }), field: ['input', 'id'], result: 'removedStoredCardId' },
];

describe('a card number in the input of a money mutation', () => {
  it.each(cases.map((c) => [`${c.mutation} ${c.field.slice(1).join('.')}`, c] as const))(
    '%s: refused with a user error naming the field, without the number, and nothing changes',
    async (_name, { mutation, input, field, result }) => {
      const before = await moneyState();
      const type = `${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input`;
      const res = await send(`mutation($input: ${type}!) { ${mutation}(input: $input) { ${result} userErrors { field code message } } }`, { input: input() });
      expect(res.errors).toBeUndefined();
      const payload = res.data![mutation];
      const member = result.split(' ')[0]!;
      expect(payload).toEqual({
        [member]: null,
        userErrors: [{ field, code: 'INVALID', message: expect.stringContaining('payment card number, which is never accepted') }],
      });
      expect(payload.userErrors[0].message).toMatch(new RegExp(`^${field[field.length - 1]}: `));
      expect(cardNumbersIn(JSON.stringify(res))).toEqual([]);
      expect(await moneyState()).toBe(before);
    },
  );

  it('a card number is found wherever it sits in the text; digits that are not one pass', async () => {
    const notes = [
      'PO 12 4111 1111 1111 1111, thanks', // after other digits
      'ref:4111-1111-1111-1111.', // against punctuation
      'card4111111111111111', // against letters
    ];
    for (const text of notes) {
      const res = await send(`mutation($input: UpdateInvoiceInput!) { updateInvoice(input: $input) { invoice { id } userErrors { field code } } }`, {
        input: { id: draftId, notes: text },
      });
      expect({ text, errors: res.data!.updateInvoice.userErrors }).toEqual({ text, errors: [{ field: ['input', 'notes'], code: 'INVALID' }] });
    }
    sent.push('4111111111111111');
    // Not card numbers: a Luhn failure, too few and too many digits, a date, a phone number.
    for (const text of ['4111 1111 1111 1112', '411111111111', '12345678901234567890', '2026-11-02', '+44 7700 900123', 'INV-000042']) {
      const res = await send(`mutation($input: UpdateInvoiceInput!) { updateInvoice(input: $input) { invoice { notes } userErrors { field code } } }`, {
        input: { id: draftId, notes: text },
      });
      expect({ text, res: res.data!.updateInvoice }).toEqual({ text, res: { invoice: { notes: text }, userErrors: [] } });
    }
  });
});

describe('card data where no field takes it', () => {
  const input = () => ({ customerId, provider: 'stripe', providerToken: 'pm_never', brand: 'VISA', last4: '1111', expiryMonth: 1, expiryYear: year });
  const ADD = `mutation($input: AddStoredCardInput!) { addStoredCard(input: $input) { storedCard { id } userErrors { field code } } }`;

  it('a card number in a field that does not exist: GraphQL refuses the input, and its message names the field but masks the number', async () => {
    const res = await send(ADD, { input: { ...input(), cardNumber: spaced(nextCard()) } });
    expect(res.data).toBeNull();
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toContain('Field "cardNumber" is not defined by type "AddStoredCardInput"');
    expect(res.errors![0]!.message).toContain('[card number removed]');

    const nested = await send(`mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } } }`, {
      input: { customerId, lines: [{ ...line('Service'), pan: nextCard('5') }] },
    });
    expect(nested.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(nested.errors![0]!.message).toContain('Field "pan" is not defined by type "InvoiceLineInput"');
  });

  it('a card number where a number or an ID is expected: the error says what is wrong, with the number masked', async () => {
    const asText = await send(`mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } } }`, {
      input: { customerId, lines: [{ ...line('Service'), unitPriceMinor: spaced(nextCard()) }] },
    });
    expect(asText.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(asText.errors![0]!.message).toContain('[card number removed]');
    const inline = await send(
      `mutation { createInvoice(input: { customerId: "${customerId}", lines: [{ description: "x", quantity: "1", unitPriceMinor: "${nextCard()}" }] }) { invoice { id } } }`,
    );
    expect(inline.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(inline.errors![0]!.message).toContain('[card number removed]');
    const node = await send(`query($id: ID!) { node(id: $id) { id } }`, { id: nextCard() });
    expect(node.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('a card number in a body that is not JSON: the 400 does not quote it', async () => {
    const number = nextCard();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body: `{"query": "{ viewer { id } }", "variables": {"n": ${number},}}`,
    });
    const text = await response.text();
    answers.push(text);
    expect(response.status).toBe(400);
    expect(text).toContain('Bad request');
  });

  it('a security code in any input is refused naming the field, never its value', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [ADD, { input: { ...input(), cvc: CVC } }, '$input.cvc'],
      [ADD, { input: { ...input(), card: { number: nextCard(), securityCode: CVC } } }, '$input.card.securityCode'],
      [
        `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } } }`,
        { input: { customerId, lines: [{ ...line('Service'), CVV2: CVC }] } },
        '$input.lines[0].CVV2',
      ],
      // Not only the money: no input anywhere takes one.
      [CREATE_CUSTOMER, { input: { ...customerInput(ref, { name: 'Security Code Ltd' }), card_security_code: CVC } }, '$input.card_security_code'],
    ];
    for (const [query, variables, where] of cases) {
      const res = await send(query, variables);
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: where });
      expect(res.errors![0]!.message).toMatch(new RegExp(`^\\${where.replace(/[[\].]/g, '\\$&')}: a card security code \\(CVC\\) is never accepted`));
      expect(JSON.stringify(res)).not.toContain(CVC);
    }
    // Written inline, the schema refuses the field by name, without its value.
    const inline = await send(
      `mutation { addStoredCard(input: { customerId: "${customerId}", provider: "stripe", providerToken: "pm_x", brand: VISA, last4: "1111", expiryMonth: 1, expiryYear: ${year}, cvc: "${CVC}" }) { storedCard { id } } }`,
    );
    expect(inline.errors![0]!.message).toContain('Field "cvc" is not defined by type "AddStoredCardInput"');
    expect(JSON.stringify(inline)).not.toContain(CVC);
  });
});

describe('masking what the server says and writes', () => {
  beforeAll(async () => {
    // A fault the client cannot cause: the database refuses the customer with a message quoting its name.
    await server.database.db.execute(
      sql.raw(`
      create function test_card_explode() returns trigger language plpgsql as $$
      begin
        if new.name like 'Explode%' then raise exception 'exploded: %', new.name using errcode = 'XX000'; end if;
        return new;
      end $$`),
    );
    await server.database.db.execute(sql.raw(`create trigger test_card_explode before insert on customers for each row execute function test_card_explode()`));
  });

  it('an internal error quoting a card number: the client and the log line see it masked', async () => {
    const number = nextCard();
    const res = await send(CREATE_CUSTOMER, { input: customerInput(ref, { name: `Explode ${spaced(number)}` }) });
    expect(res.errors![0]!.extensions!.code).toBe('INTERNAL_SERVER_ERROR');
    // Development mode shows the database's message (and the stack), masked.
    expect(res.errors![0]!.message).toContain('exploded: Explode [card number removed]');
    let logged: string | undefined;
    for (let i = 0; i < 50 && !logged; i++) {
      logged = logLines.find((l) => l.includes('unexpected error while resolving') && l.includes('Explode'));
      if (!logged) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(logged).toContain('exploded: Explode [card number removed]');
    expect(() => JSON.parse(logged!)).not.toThrow();
  });
});

describe('no trace anywhere', () => {
  it('no table, no log line and no answer holds any card number sent, nor a security code', async () => {
    expect(sent.length).toBeGreaterThan(25);
    // Every table, every row (this file's database holds nothing else).
    const found: string[] = [];
    for (const table of allTables()) {
      const { name } = getTableConfig(table);
      const [row] = await selectRows<{ hits: string[] | null; cvc: number }>(
        server.database.db,
        sql`select array_agg(distinct n) filter (where squeezed like '%' || n || '%') as hits,
                   count(*) filter (where t::text ~* ${`(cvc|cvv2?|security_?code)[^0-9a-z]{0,8}${CVC}`})::int as cvc
            from ${sql.identifier(name)} t
            cross join lateral (select regexp_replace(t::text, '[[:space:]-]', '', 'g') as squeezed) s
            cross join unnest(${`{${sent.join(',')}}`}::text[]) as n`,
      );
      for (const hit of row!.hits ?? []) found.push(`${name}: ${hit}`);
      if (row!.cvc > 0) found.push(`${name}: security code`);
    }
    expect(found).toEqual([]);

    // Every log line, at trace level: one per request at least, and none with the digits.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(logLines.length).toBeGreaterThan(cases.length);
    const loggedCards = logLines.flatMap((l) => cardNumbersIn(l).map((n) => `${n} in ${l.slice(0, 200)}`));
    expect(loggedCards).toEqual([]);
    expect(logLines.filter((l) => new RegExp(`(cvc|cvv2?|security_?code)\\W{0,8}${CVC}`, 'i').test(l))).toEqual([]);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();

    expect(answers.flatMap((a) => cardNumbersIn(a))).toEqual([]);
  });
});
