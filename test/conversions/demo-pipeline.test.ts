// The demo organisation (what `npm start` creates on an empty database) has leads with SENT quotes,
// so a newcomer in GraphiQL can walk the lead → customer → assets path. This walks it as they would.
import { createDemoOrganisation, issueDemoTokens } from '../../src/demo/demo-organisation';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  await createDemoOrganisation(server.database.db, { customers: 5, leads: 25 });
  token = (await issueDemoTokens(server.database.db))[0]!.token;
});
afterAll(() => server.close());

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const res = await server.graphql(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data as any;
}

test('a demo lead’s SENT quote signs into a PENDING customer whose order converts into a boiler asset', async () => {
  const quotes = await gql(`{ leads(first: 100) { nodes { name quotes(first: 5) { nodes { id status lines { description } } } } } }`);
  const sent = quotes.leads.nodes.flatMap((l: any) => l.quotes.nodes.filter((q: any) => q.status === 'SENT').map((q: any) => ({ lead: l.name, quote: q })));
  expect(sent.length).toBeGreaterThanOrEqual(1);

  const signed = await gql(`mutation($input: SignQuoteInput!) { signQuote(input: $input) { customer { id name stage } salesOrder { id } userErrors { code message } } }`, {
    input: { quoteId: sent[0].quote.id },
  });
  expect(signed.signQuote.userErrors).toEqual([]);
  expect(signed.signQuote.customer).toMatchObject({ name: sent[0].lead, stage: 'PENDING' });

  const preview = await gql(`query($id: ID!) { salesOrderConversionPreview(salesOrderId: $id) { canConvert currentStage newStage assets { description quantity } } }`, {
    id: signed.signQuote.salesOrder.id,
  });
  expect(preview.salesOrderConversionPreview).toEqual({
    canConvert: true,
    currentStage: 'PENDING',
    newStage: 'LIVE',
    assets: [{ description: 'Worcester Bosch Greenstar 30i combination boiler', quantity: 1 }],
  });
  const converted = await gql(
    `mutation($input: ConvertSalesOrderToAssetsInput!) { convertSalesOrderToAssets(input: $input) { customer { stage } assets { group { name } model { name } salesOrder { id } } userErrors { code message } } }`,
    { input: { salesOrderId: signed.signQuote.salesOrder.id } },
  );
  expect(converted.convertSalesOrderToAssets).toEqual({ customer: { stage: 'LIVE' }, assets: [{ group: { name: 'Boilers' }, model: { name: 'Greenstar 30i' }, salesOrder: { id: signed.signQuote.salesOrder.id } }], userErrors: [] });
});
