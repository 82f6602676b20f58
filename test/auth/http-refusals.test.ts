// One authentication for every entrance: /graphql and the plain HTTP routes (documents, imports,
// exports) refuse a missing token, a malformed header, a bad token, a portal token and a role that
// may not, with the same codes and messages, in GraphQL's error shape; and a refused token is charged
// to the caller's address on every one of them alike (RATE_LIMIT_REFUSED_TOKEN_COST).
import { composition } from '../../src/areas';
import { buildSchema } from '../../src/graph/schema';
import { operationFor } from '../helpers/operations';
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

const NO_TOKEN = 'Authentication required: send `Authorization: Bearer <token>`.';
const MALFORMED = 'The Authorization header must be `Bearer <token>`.';
const BAD_TOKEN = 'The token is not valid: unknown, revoked or expired.';
const PORTAL = 'A portal token may not do this.';

const schema = buildSchema(composition, { shield: false });

type Answer = { status: number; body: any; headers: Headers };

/** The HTTP routes, each with what it asks for and whether a READ_ONLY user is refused. */
const routes: Array<{ name: string; readOnlyRefused: boolean; send(baseUrl: string, authorization?: string): Promise<Response> }> = [
  {
    name: 'POST /documents',
    readOnlyRefused: true,
    send: (baseUrl, authorization) => fetch(`${baseUrl}/documents`, { method: 'POST', headers: headers(authorization), body: form({ recordId: 'x' }) }),
  },
  {
    name: 'GET /documents/:id',
    readOnlyRefused: false,
    send: (baseUrl, authorization) => fetch(`${baseUrl}/documents/RG9jdW1lbnQ6eA`, { headers: headers(authorization) }),
  },
  {
    name: 'POST /imports/work-addresses',
    readOnlyRefused: true,
    send: (baseUrl, authorization) =>
      fetch(`${baseUrl}/imports/work-addresses`, { method: 'POST', headers: headers(authorization), body: form({ mapping: '{}' }) }),
  },
  {
    name: 'POST /imports/customers',
    readOnlyRefused: true,
    send: (baseUrl, authorization) => fetch(`${baseUrl}/imports/customers`, { method: 'POST', headers: headers(authorization), body: form({ mapping: '{}' }) }),
  },
  {
    name: 'POST /imports/customer-archive',
    readOnlyRefused: true,
    send: (baseUrl, authorization) =>
      fetch(`${baseUrl}/imports/customer-archive`, { method: 'POST', headers: headers(authorization), body: form({ mode: 'DRY_RUN' }) }),
  },
  {
    name: 'GET /exports/customers.zip',
    readOnlyRefused: true,
    send: (baseUrl, authorization) => fetch(`${baseUrl}/exports/customers.zip`, { headers: headers(authorization) }),
  },
  {
    name: 'GET /exports/customers/:id.zip',
    readOnlyRefused: false,
    send: (baseUrl, authorization) => fetch(`${baseUrl}/exports/customers/x.zip`, { headers: headers(authorization) }),
  },
];

function headers(authorization: string | undefined): Record<string, string> {
  return authorization === undefined ? {} : { authorization };
}

function form(fields: Record<string, string>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append('file', new Blob(['a,b\n1,2\n']), 'x.csv');
  return body;
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** The one refusal shape of the HTTP routes: GraphQL's errors, with nothing else in them. */
function refusal(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

describe('refusals', () => {
  let server: TestServer;
  let acme: TestOrganisation;
  let baseUrl: string;
  let readOnly: string;
  let portal: string;

  beforeAll(async () => {
    server = await startTestServer();
    baseUrl = server.url.replace(/\/graphql$/, '');
    acme = await createTestOrganisation(server);
    readOnly = await acme.tokenFor('READ_ONLY');
    const ref = await readReference(server, acme.adminToken);
    const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Portal Customer' }) }, acme.adminToken);
    const customerId = created.data!.createCustomer.customer.id;
    const made = await server.graphql(
      `mutation ($input: CreatePortalTokenInput!) { createPortalToken(input: $input) { token userErrors { message } } }`,
      { input: { customerId, name: 'Portal', permissions: ['VIEW_INVOICES'] } },
      acme.adminToken,
    );
    portal = made.data!.createPortalToken.token;
  });
  afterAll(() => server.close());

  /** /graphql: a users-only query, and a mutation READ_ONLY may not make. */
  async function askGraphql(authorization: string | undefined, query = '{ customers(first: 1) { totalCount } }', variables = {}): Promise<Answer> {
    return answer(
      await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers(authorization) },
        body: JSON.stringify({ query, variables }),
      }),
    );
  }
  const codeAndMessage = (a: Answer) => a.body.errors.map((e: any) => ({ code: e.extensions.code, message: e.message }));

  it('/graphql refuses with the codes and messages the HTTP routes use', async () => {
    expect(codeAndMessage(await askGraphql(undefined))).toEqual([{ code: 'UNAUTHENTICATED', message: NO_TOKEN }]);
    const malformed = await askGraphql('Basic abc');
    expect(malformed.status).toBe(401);
    expect(codeAndMessage(malformed)).toEqual([{ code: 'UNAUTHENTICATED', message: MALFORMED }]);
    const bad = await askGraphql('Bearer crm_not-a-token');
    expect(bad.status).toBe(401);
    expect(codeAndMessage(bad)).toEqual([{ code: 'UNAUTHENTICATED', message: BAD_TOKEN }]);
    expect(codeAndMessage(await askGraphql(`Bearer ${portal}`))).toEqual([{ code: 'FORBIDDEN', message: PORTAL }]);
    const createCustomer = operationFor(schema, 'mutation', schema.getMutationType()!.getFields().createCustomer!);
    const forbidden = await askGraphql(`Bearer ${readOnly}`, createCustomer.query, createCustomer.variables);
    expect(codeAndMessage(forbidden)).toEqual([{ code: 'FORBIDDEN', message: 'Your role (READ_ONLY) may not do this.' }]);
  });

  for (const route of routes) {
    describe(route.name, () => {
      it('without a token: 401 UNAUTHENTICATED, WWW-Authenticate: Bearer', async () => {
        const res = await answer(await route.send(baseUrl));
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.body).toEqual(refusal('UNAUTHENTICATED', NO_TOKEN));
      });

      it('with a malformed header or a bad token: 401 UNAUTHENTICATED', async () => {
        const malformed = await answer(await route.send(baseUrl, 'Basic abc'));
        expect(malformed.status).toBe(401);
        expect(malformed.headers.get('www-authenticate')).toBe('Bearer');
        expect(malformed.body).toEqual(refusal('UNAUTHENTICATED', MALFORMED));
        const bad = await answer(await route.send(baseUrl, 'Bearer crm_not-a-token'));
        expect(bad.status).toBe(401);
        expect(bad.body).toEqual(refusal('UNAUTHENTICATED', BAD_TOKEN));
      });

      it('with a portal token: 403 FORBIDDEN', async () => {
        const res = await answer(await route.send(baseUrl, `Bearer ${portal}`));
        expect(res.status).toBe(403);
        expect(res.headers.get('www-authenticate')).toBeNull();
        expect(res.body).toEqual(refusal('FORBIDDEN', PORTAL));
      });

      if (route.readOnlyRefused) {
        it('with a role that may not: 403 FORBIDDEN', async () => {
          const res = await answer(await route.send(baseUrl, `Bearer ${readOnly}`));
          expect(res.status).toBe(403);
          expect(res.body).toEqual(refusal('FORBIDDEN', 'Your role (READ_ONLY) may not do this.'));
        });
      }
    });
  }
});

describe('a refused token is charged to the caller address on every route alike', () => {
  let server: TestServer;
  let baseUrl: string;
  const now = 7_000_000;

  beforeAll(async () => {
    server = await startTestServer(
      {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_BUCKET_SIZE: '1000',
        RATE_LIMIT_RESTORE_RATE: '0.5',
        RATE_LIMIT_REFUSED_TOKEN_COST: '300',
        RATE_LIMIT_HTTP_COST: '10',
      },
      { rateLimitNow: () => now },
    );
    baseUrl = server.url.replace(/\/graphql$/, '');
  });
  afterAll(() => server.close());

  it('three guesses on three routes are 401, the fourth (on /graphql) is 429 THROTTLED', async () => {
    const answers: Answer[] = [];
    answers.push(await answer(await routes[0]!.send(baseUrl, 'Bearer crm_guess1')));
    answers.push(await answer(await routes[2]!.send(baseUrl, 'Bearer crm_guess2')));
    answers.push(await answer(await routes[4]!.send(baseUrl, 'Basic guess3')));
    answers.push(
      await answer(
        await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer crm_guess4' },
          body: JSON.stringify({ query: '{ viewer { __typename } }' }),
        }),
      ),
    );
    answers.push(await answer(await routes[1]!.send(baseUrl, 'Bearer crm_guess5')));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 429, 429]);
    expect(answers.map((a) => a.body.errors[0].extensions.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'THROTTLED', 'THROTTLED']);
    // Three refusals of 300, and the malformed header's flat route cost (10: without a token, the
    // address pays it too): 90 left, 300 needed, 0.5 restored per second: 420 s.
    expect(answers[4]!.headers.get('retry-after')).toBe('420');
    expect(answers[4]!.body.errors[0].message).toMatch(/^Throttled: /);
  });
});
