// The demo organisation's service agreements (src/contracts/demo.ts): a newcomer finds in GraphiQL a
// plan held by a customer and expiring soon, a contract with an SLA due for renewal, and open jobs
// with SLA deadlines, one of them already breached.
import { createDemoOrganisation, issueDemoTokens } from '../../src/demo/demo-organisation';
import { flows } from '../helpers/flows';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  await createDemoOrganisation(server.database.db, { customers: 6, leads: 2 });
  token = (await issueDemoTokens(server.database.db)).find((d) => d.role === 'ADMIN')!.token;
});
afterAll(() => server.close());

const { gql } = flows(() => ({ server, token }));
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

it('has a held plan expiring soon, a contract with an SLA due for renewal, and open jobs with deadlines, one breached', async () => {
  const data = await gql(
    `query($from: Date!, $to: Date!) {
      servicePlansExpiring(from: $from, to: $to) { nodes { plan { name tasks } customer { name sla { name } } workAddresses { line1 } } }
      contractsDueForRenewal(from: $from, to: $to) { nodes { reference status sla { name } price { formatted } customer { jobs { nodes { priority sla { responseBreached } } } } } }
      slaBreaches(kind: RESPONSE) { nodes { description priority sla { sla { name } breachedAt responseBreached resolutionBreached } } }
    }`,
    { from: inDays(0), to: inDays(45) },
  );
  expect(data.servicePlansExpiring.nodes).toEqual([
    {
      plan: { name: 'Boiler care', tasks: expect.any(Array) },
      customer: { name: expect.any(String), sla: { name: 'Standard' } },
      workAddresses: [{ line1: expect.any(String) }],
    },
  ]);
  expect(data.contractsDueForRenewal.nodes).toEqual([
    {
      reference: 'MC-1001 Planned maintenance',
      status: 'ACTIVE',
      sla: { name: 'Gold' },
      price: { formatted: '£180.00' },
      customer: {
        jobs: {
          nodes: expect.arrayContaining([
            { priority: 'HIGH', sla: { responseBreached: false } },
            { priority: 'URGENT', sla: { responseBreached: true } },
          ]),
        },
      },
    },
  ]);
  expect(data.slaBreaches.nodes).toEqual([
    {
      description: 'No heating or hot water',
      priority: 'URGENT',
      sla: { sla: { name: 'Gold' }, breachedAt: expect.any(String), responseBreached: true, resolutionBreached: true },
    },
  ]);
});
