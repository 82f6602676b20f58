// Internal errors without personal data (issue 10, item 7): neither the error a client sees (in
// development too) nor any log line carries the SQL's parameters (names, VAT numbers, emails) or the
// values PostgreSQL quotes in its messages; a log line stays under 16 KiB however big the error.
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { createLogger, MAX_LOG_LINE_BYTES } from '../../src/logger';
import { customerInput, readReference, type Reference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
let ref: Reference;
const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter(Boolean)
        .map((l) => `${l}\n`),
    );
    done();
  },
});

const SECRET_NAME = 'Explode Ada Lovelace';
const SECRET_VAT = 'GB-SECRET-4471';

beforeAll(async () => {
  server = await startTestServer({}, { log: createLogger('info', capture) });
  org = await createTestOrganisation(server);
  ref = await readReference(server, org.adminToken);
  // A bug we can cause at will: the database fails an insert, with a huge message of its own.
  await server.database.db.execute(
    sql.raw(`
    create function test_explode() returns trigger language plpgsql as $$
    begin
      if new.name like 'Explode%' then raise exception 'exploded: %', repeat('x', 100000) using errcode = 'XX000'; end if;
      return new;
    end $$`),
  );
  await server.database.db.execute(sql.raw(`create trigger test_explode before insert on customers for each row execute function test_explode()`));
});
afterAll(() => server.close());

function expectSafeLines() {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(() => JSON.parse(line)).not.toThrow();
    expect(line).not.toMatch(/Lovelace|GB-SECRET|params:/);
  }
}

const CREATE = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } userErrors { code } } }`;

it('a failed statement: the client (development mode) sees SQLSTATE, fingerprint and stack, not the parameters; the log line likewise, under 16 KiB', async () => {
  lines.length = 0;
  const res = await server.graphql(CREATE, { input: customerInput(ref, { name: SECRET_NAME, vatNumber: SECRET_VAT }) }, org.adminToken);
  expect(res.errors).toHaveLength(1);
  const [error] = res.errors!;
  expect(error!.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', sqlstate: 'XX000', queryFingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) });
  expect(error!.message).toMatch(/^Database error XX000 in query [0-9a-f]{12}: exploded/);
  expect(Array.isArray(error!.extensions!.stacktrace)).toBe(true);
  const seen = JSON.stringify(res.errors);
  expect(seen).not.toMatch(/Lovelace|GB-SECRET|params:|insert into/i);
  expect(seen.length).toBeLessThan(20_000);

  expectSafeLines();
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unexpected error while resolving');
  expect(logged.err).toMatchObject({ sqlstate: 'XX000', queryFingerprint: error!.extensions!.queryFingerprint });
  expect(logged.err.params).toBeUndefined();
  expect(logged.err.query).toBeUndefined();
});

it("a client's own mistakes carry no stack in development mode either: only the server's faults do", async () => {
  const unauthenticated = await server.graphql(`{ customers(first: 1) { totalCount } }`, undefined, 'crm_not-a-token');
  const misspelt = await server.graphql(`{ customers(first: 1) { nope } }`, undefined, org.adminToken);
  const badArgument = await server.graphql(`{ customers(first: -1) { totalCount } }`, undefined, org.adminToken);
  const badCursor = await server.graphql(`{ customers(first: 1, after: "%%%") { totalCount } }`, undefined, org.adminToken);
  const batched = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
    body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
  });
  const batchedBody = (await batched.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
  expect(batched.status).toBe(400);
  const errors = [unauthenticated, misspelt, badArgument, badCursor].map((res) => res.errors![0]!).concat(batchedBody.errors[0]!);
  expect(errors.map((e) => e.extensions!.code)).toEqual(['UNAUTHENTICATED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_REQUEST']);
  for (const error of errors) {
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.extensions!.stacktrace).toBeUndefined();
  }
  expect(badArgument.errors![0]!.extensions!.argument).toBe('first');
});

it('a GET request is logged by its path, without the query string that carries its variables', async () => {
  lines.length = 0;
  const query = encodeURIComponent('query($name: String) { customers(filter: { name: $name }) { totalCount } }');
  const variables = encodeURIComponent(JSON.stringify({ name: SECRET_NAME }));
  const res = await fetch(`${server.url}?query=${query}&variables=${variables}`, {
    headers: { authorization: `Bearer ${org.adminToken}`, 'apollo-require-preflight': 'true' },
  });
  expect(res.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expectSafeLines();
  expect(lines.some((l) => JSON.parse(l).req?.url === '/graphql')).toBe(true);
});

it("PostgreSQL's own messages lose the values they quote", async () => {
  lines.length = 0;
  const log = createLogger('info', capture);
  const failed = await server.database.db.execute(sql`select ${'Ada Lovelace'}::uuid`).catch((e: unknown) => e);
  log.error({ err: failed }, 'failed on purpose');
  expectSafeLines();
  const logged = JSON.parse(lines[0]!);
  expect(logged.err).toMatchObject({ sqlstate: '22P02', message: expect.stringMatching(/invalid input syntax for type uuid: "…"/) });
});

it('one log line stays under 16 KiB whatever is logged', () => {
  lines.length = 0;
  const log = createLogger('info', capture);
  const huge = new Error(`boom ${'e'.repeat(1_000_000)}`);
  log.error(
    { err: huge, big: 'b'.repeat(1_000_000), list: Array.from({ length: 100_000 }, (_, i) => i), nested: { deeper: { text: 'n'.repeat(50_000) } } },
    'huge',
  );
  log.info('m'.repeat(200_000));
  expect(lines).toHaveLength(2);
  expectSafeLines();
  const [first, second] = lines.map((l) => JSON.parse(l));
  expect(first).toMatchObject({ msg: 'huge', truncated: true });
  expect(first.err.message).toMatch(/^boom e+… \(\d+ more characters\)$/);
  expect(second).toMatchObject({ truncated: true });
});
