// Any input, any root field: a sweep of every query and mutation of the schema (read from the
// server's own introspection, so a field added later is swept too) with values made from its
// argument types: once with plausible ones (real IDs of the demo organisation's records, valid
// dates, amounts, emails), twice with hostile ones (wrong types, empty and 20,000-character
// strings, NUL and lone surrogates, extreme numbers, unknown enum values, lists of 30). Whatever
// comes back must be the client's to fix or an answer: never a 5xx, never INTERNAL_SERVER_ERROR,
// nothing logged as a server fault, and the server answers normally afterwards. The values come
// from a seeded generator: a failure names the field and the variables, and happens again.
import { Writable } from 'node:stream';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import type { Role } from '../../src/auth/roles';
import { createDemoOrganisation, issueDemoTokens } from '../../src/demo/demo-organisation';
import { createLogger } from '../../src/logger';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let schema: GraphQLSchema;
const ids: string[] = [];
/** Log lines at error level or above: a server fault, whatever the client sees. */
const faults: string[] = [];

const capture = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      if ((JSON.parse(line) as { level?: number }).level! >= 50) faults.push(line.slice(0, 2000));
    }
    done();
  },
});

/** A fresh demo token for the role (issuing revokes the demo users' earlier tokens). */
const tokenFor = async (role: Role) => (await issueDemoTokens(server.database.db)).find((d) => d.role === role)!.token;

beforeAll(async () => {
  server = await startTestServer({}, { log: createLogger('info', capture) });
  await createDemoOrganisation(server.database.db, { customers: 6, leads: 3 });
  const token = await tokenFor('ADMIN');
  const introspection = await server.graphql<IntrospectionQuery>(getIntrospectionQuery(), {}, token);
  schema = buildClientSchema(introspection.data!);
  // Real IDs of every kind the root lists show (customers, contacts, invoices, payments, …).
  for (const field of Object.values(schema.getQueryType()!.getFields())) {
    const page = getNamedType(field.type);
    if (!isObjectType(page) || !page.getFields().nodes || field.args.some((a) => isNonNullType(a.type))) continue;
    const node = getNamedType(page.getFields().nodes!.type);
    if (!isObjectType(node) || !node.getFields().id) continue;
    const first = field.args.some((a) => a.name === 'first') ? '(first: 5)' : '';
    const res = await server.graphql<Record<string, { nodes: Array<{ id: string }> }>>(`{ ${field.name}${first} { nodes { id } } }`, {}, token);
    for (const n of res.data?.[field.name]?.nodes ?? []) ids.push(n.id);
  }
});
afterAll(() => server.close());

/** A small linear congruential generator: the same values on every run. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  'x'.repeat(20_000),
  'nul\u0000byte',
  "'; drop table customers; --",
  '🙂',
  'lone \uD800',
  '%s%n',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '-1',
  '1e400',
  'NaN',
  '2026-02-30',
  '\u202e',
  'null',
];

/** Plausible values for each scalar (some at the edge of what the type takes). */
const PLAUSIBLE: Record<string, readonly unknown[]> = {
  Int: [0, -1, 1, 50, 2147483647, -2147483648],
  Float: [0, -0.5, 3.14159, 1e308, -1e-10],
  Boolean: [true, false],
  CountryCode: ['GB', 'US', 'ZZ', 'gb'],
  Currency: ['GBP', 'EUR', 'XXX', 'JPY'],
  Date: ['2024-02-29', '1900-01-01', '9999-12-31', '2026-12-03', '0001-01-01'],
  DateTime: ['2026-12-03T10:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-12-03T10:00:00+14:00'],
  EmailAddress: ['a@example.com', `${'x'.repeat(64)}@${'y'.repeat(180)}.com`, 'ü@example.com'],
  JSONObject: [{}, { a: 1 }, { deep: { deeper: { deepest: [1, 2, { x: 'y' }] } } }],
  PhoneNumber: ['+442079460000', '+1 415 555 0100', '+999'],
  SafeInt: [0, 1, -1, 100, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
  SearchValue: ['x', 1, true, null, '2026-01-01', ['a', 'b']],
  URL: ['https://example.com/hook', 'http://127.0.0.1:5432/', 'http://169.254.169.254/latest/meta-data', 'https://user:pass@example.com/x'],
  String: ['100.00', '-0.01', '0.001', '1e5', '99999999999999999.99', 'Acme Ltd', '2026-12-03'],
};

function valueOf(type: GraphQLInputType, hostile: boolean, random: ReturnType<typeof generator>, depth = 0): unknown {
  if (isNonNullType(type)) return valueOf(type.ofType, hostile, random, depth);
  if (isListType(type)) {
    if (depth > 3) return [];
    return Array.from({ length: random.pick([0, 1, 2, 30]) }, () => valueOf(type.ofType, hostile, random, depth + 1));
  }
  if (isEnumType(type)) return hostile && random.next() < 0.2 ? 'NOT_A_VALUE' : random.pick(type.getValues()).name;
  if (isInputObjectType(type)) {
    if (depth > 4) return {};
    const object: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) || random.next() < 0.5) object[field.name] = valueOf(field.type, hostile, random, depth + 1);
    }
    return object;
  }
  if (hostile && random.next() < 0.3) return random.pick([null, 1e308, -1, true, {}, [], random.pick(HOSTILE_STRINGS)]);
  if (type.name === 'ID') return random.pick([...(ids.length ? [random.pick(ids), random.pick(ids)] : []), 'not-an-id', '']);
  const plausible = PLAUSIBLE[type.name] ?? PLAUSIBLE.String!;
  return hostile && type.name === 'String' ? random.pick([...plausible, ...HOSTILE_STRINGS]) : random.pick(plausible);
}

/** `__typename` and the scalar fields (with no required arguments) of a result, one level of objects deep. */
function selectionOf(type: GraphQLOutputType, depth = 0): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return isScalarType(named) || isEnumType(named) ? '' : '{ __typename }';
  const parts = ['__typename'];
  for (const field of Object.values(named.getFields()).slice(0, 12)) {
    if (field.args.some((a) => isNonNullType(a.type))) continue;
    const inner = getNamedType(field.type);
    if (isScalarType(inner) || isEnumType(inner)) parts.push(field.name);
    else if (depth === 0) parts.push(`${field.name} ${selectionOf(field.type, 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

type Failure = { field: string; status: number; errors: string[]; variables: string };

async function sweep(operation: 'query' | 'mutation', seed: number, role: Role): Promise<{ sent: number; answered: number; failures: Failure[] }> {
  const root = operation === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  const random = generator(seed);
  const failures: Failure[] = [];
  let sent = 0;
  let answered = 0;
  let token = await tokenFor(role);
  for (const field of Object.values(root.getFields())) {
    for (const hostile of [false, true, true]) {
      const variables: Record<string, unknown> = {};
      const definitions: string[] = [];
      const args: string[] = [];
      field.args.forEach((arg, i) => {
        if (!isNonNullType(arg.type) && random.next() < 0.5) return;
        variables[`v${i}`] = valueOf(arg.type, hostile, random);
        definitions.push(`$v${i}: ${String(arg.type)}`);
        args.push(`${arg.name}: $v${i}`);
      });
      const query = `${operation} Sweep${definitions.length ? `(${definitions.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''} ${selectionOf(field.type)} }`;
      let res = await server.graphql(query, variables, token);
      if (res.status === 401) {
        // A mutation may revoke the token it was sent with (signing out): a fresh one, and the field again.
        token = await tokenFor(role);
        res = await server.graphql(query, variables, token);
      }
      sent += 1;
      if (res.data && Object.values(res.data).some((v) => v !== null)) answered += 1;
      const codes = (res.errors ?? []).map((e) => e.extensions?.code);
      if (res.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR') || (!res.data && !res.errors?.length)) {
        failures.push({
          field: `${root.name}.${field.name}`,
          status: res.status,
          errors: (res.errors ?? []).filter((e) => e.extensions?.code !== 'BAD_USER_INPUT').map((e) => `${e.extensions?.code}: ${e.message}`),
          variables: JSON.stringify(variables).slice(0, 500),
        });
      }
    }
  }
  return { sent, answered, failures };
}

it.each([
  ['query', 'ADMIN', 1],
  ['mutation', 'ADMIN', 2],
  ['query', 'READ_ONLY', 3],
  ['mutation', 'READ_ONLY', 4],
] as const)(
  'every %s field as %s, with plausible and hostile variables: the client’s error or an answer, never a server fault',
  async (operation, role, seed) => {
    faults.length = 0;
    const { sent, answered, failures } = await sweep(operation, seed, role);
    expect(failures).toEqual([]);
    expect(faults).toEqual([]);
    // Every field was swept (three requests each)…
    expect(sent).toBeGreaterThan(operation === 'query' ? 60 : 250);
    // …and, as ADMIN, many reached the resolvers, not only the variables' checks (READ_ONLY's
    // mutations are mostly refused, which is the point there).
    if (role === 'ADMIN') expect(answered).toBeGreaterThan(sent / 4);
    // And the server is as it was: it answers a plain question.
    const after = await server.graphql('{ customers(first: 1) { nodes { id } } }', {}, await tokenFor('ADMIN'));
    expect(after.status).toBe(200);
    expect(after.data?.customers.nodes).toHaveLength(1);
  },
);

it('every subscription field sent over HTTP: the client’s error (400, BAD_REQUEST), never a server fault', async () => {
  faults.length = 0;
  const token = await tokenFor('ADMIN');
  const fields = Object.values(schema.getSubscriptionType()!.getFields());
  expect(fields.length).toBeGreaterThan(0);
  for (const field of fields) {
    const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${JSON.stringify(ids[0] ?? 'x')}`);
    const res = await server.graphql(`subscription { ${field.name}${args.length ? `(${args.join(', ')})` : ''} ${selectionOf(field.type)} }`, {}, token);
    expect({ field: field.name, status: res.status, codes: res.errors?.map((e) => e.extensions?.code) }).toEqual({
      field: field.name,
      status: 400,
      codes: ['BAD_REQUEST'],
    });
  }
  expect(faults).toEqual([]);
});
