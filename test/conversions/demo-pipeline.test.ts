// The demo organisation (what `npm start` creates on an empty database) has leads with SENT quotes,
// so a newcomer in GraphiQL can walk the lead → customer → assets path. This walks it as they would.
import { createDemoOrganisation, issueDemoTokens } from '../../src/demo/demo-organisation';
import { graphql } from '../generated';
import { flows } from '../helpers/flows';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  await createDemoOrganisation(server.database.db, { customers: 5, leads: 25 });
  token = (await issueDemoTokens(server.database.db))[0]!.token;
});
afterAll(() => server.close());

const { gql } = flows(() => ({ server, token }));

const LEAD_QUOTES = graphql(`
  query DemoLeadQuotes {
    leads(first: 100) {
      nodes {
        name
        quotes(first: 5) {
          nodes {
            id
            status
            lines {
              description
            }
          }
        }
      }
    }
  }
`);
const SIGN = graphql(`
  mutation DemoSignQuote($input: SignQuoteInput!) {
    signQuote(input: $input) {
      customer {
        id
        name
        stage
      }
      salesOrder {
        id
      }
      userErrors {
        code
        message
      }
    }
  }
`);
const PREVIEW = graphql(`
  query DemoConversionPreview($id: ID!) {
    salesOrderConversionPreview(salesOrderId: $id) {
      canConvert
      currentStage
      newStage
      assets {
        description
        quantity
      }
    }
  }
`);
const CONVERT = graphql(`
  mutation DemoConvert($input: ConvertSalesOrderToAssetsInput!) {
    convertSalesOrderToAssets(input: $input) {
      customer {
        stage
      }
      assets {
        group {
          name
        }
        model {
          name
        }
        salesOrder {
          id
        }
      }
      userErrors {
        code
        message
      }
    }
  }
`);

test('a demo lead’s SENT quote signs into a PENDING customer whose order converts into a boiler asset', async () => {
  const quotes = await gql(LEAD_QUOTES, {});
  const sent = quotes.leads.nodes.flatMap((l) => l.quotes.nodes.filter((q) => q.status === 'SENT').map((q) => ({ lead: l.name, quote: q })));
  expect(sent.length).toBeGreaterThanOrEqual(1);

  const signed = await gql(SIGN, { input: { quoteId: sent[0]!.quote.id } });
  expect(signed.signQuote.userErrors).toEqual([]);
  expect(signed.signQuote.customer).toMatchObject({ name: sent[0]!.lead, stage: 'PENDING' });
  const salesOrderId = signed.signQuote.salesOrder!.id;

  const preview = await gql(PREVIEW, { id: salesOrderId });
  expect(preview.salesOrderConversionPreview).toEqual({
    canConvert: true,
    currentStage: 'PENDING',
    newStage: 'LIVE',
    assets: [{ description: 'Worcester Bosch Greenstar 30i combination boiler', quantity: 1 }],
  });
  const converted = await gql(CONVERT, { input: { salesOrderId } });
  expect(converted.convertSalesOrderToAssets).toEqual({
    customer: { stage: 'LIVE' },
    assets: [{ group: { name: 'Boilers' }, model: { name: 'Greenstar 30i' }, salesOrder: { id: salesOrderId } }],
    userErrors: [],
  });
});
