// Response keys are the client's (field names and aliases): any name, even one that is also a
// property of JavaScript objects (`__proto__`, `constructor`, `toString`), comes back as the value
// the query asked for, in the order asked. (graphql-js builds result objects without inherited keys;
// patches/graphql+16.15.0.patch keeps that while making them fast-mode objects.)
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';

let server: TestServer;
let org: TestOrganisation;
beforeAll(async () => {
  server = await startTestServer();
  org = await createTestOrganisation(server);
});
afterAll(() => server.close());

it('answers aliases named like JavaScript object properties as plain keys', async () => {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
    body: JSON.stringify({
      query: `{
        __proto__: customers(first: 1) { totalCount }
        constructor: viewer { user { email } }
        toString: customers(first: 2) { totalCount hasOwnProperty: totalCount }
        valueOf: __typename
      }`,
    }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  const body = JSON.parse(text) as { data: Record<string, unknown>; errors?: unknown };
  expect(body.errors).toBeUndefined();
  // As own keys, in the order asked (the raw text: JSON.parse would treat "__proto__" as any key).
  expect(text).toMatch(
    /^\{"data":\{"__proto__":\{"totalCount":\d+\},"constructor":\{"user":\{"email":"[^"]+"\}\},"toString":\{"totalCount":\d+,"hasOwnProperty":\d+\},"valueOf":"Query"\}/,
  );
  expect(Object.keys(body.data)).toEqual(['__proto__', 'constructor', 'toString', 'valueOf']);
});
