// The demo organisation's work lifecycle (src/pipeline/demo.ts): a few customers have a property with
// a job in every state, so each move can be tried in GraphiQL on real rows.
import { createDemoOrganisation, issueDemoTokens } from '../../src/demo/demo-organisation';
import { flows } from '../helpers/flows';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  await createDemoOrganisation(server.database.db, { customers: 8, leads: 3 });
  token = (await issueDemoTokens(server.database.db)).find((d) => d.role === 'ADMIN')!.token;
});
afterAll(() => server.close());

const { gql } = flows(() => ({ server, token }));

it('gives a few customers jobs that are open, scheduled, completed and aborted', async () => {
  const { customers } = await gql(`{ customers(first: 50) { nodes { jobs { nodes { status outcome abortReason scheduledFor workAddress { line1 } } } } } }`);
  const jobs = customers.nodes.flatMap((c: { jobs: { nodes: Array<{ status: string }> } }) => c.jobs.nodes);
  const statuses = new Set(jobs.map((j: { status: string }) => j.status));
  expect([...statuses].sort()).toEqual(['ABORTED', 'COMPLETED', 'OPEN', 'SCHEDULED']);
  expect(jobs.find((j: { status: string }) => j.status === 'COMPLETED')).toMatchObject({
    outcome: expect.any(String),
    workAddress: { line1: expect.stringMatching(/Orchard Row/) },
  });
});
