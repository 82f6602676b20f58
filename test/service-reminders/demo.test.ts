// The demo organisation (what `npm start` creates on an empty database) has reminders due this month,
// some overdue, at work addresses of customers that may be reminded: the due list shows a page, and a
// batch decision can be tried on it straight away.
import { createDemoOrganisation, issueDemoTokens } from '../../src/demo/demo-organisation';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  await createDemoOrganisation(server.database.db, { customers: 20, leads: 5 });
  token = (await issueDemoTokens(server.database.db)).find((t) => t.role === 'ADMIN')!.token;
}, 120_000);
afterAll(() => server.close());

it("lists this month's due reminders, overdue ones among them, and decides a batch of them", async () => {
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  const today = now.toISOString().slice(0, 10);
  const due = await server.graphql(
    `query($from: Date!, $to: Date!) { dueServiceReminders(from: $from, to: $to, first: 50) { totalCount nodes { id dueDate type { name } workAddress { line1 } } } }`,
    { from, to },
    token,
  );
  expect(due.errors).toBeUndefined();
  const nodes = due.data!.dueServiceReminders.nodes as Array<{ id: string; dueDate: string }>;
  expect(nodes.length).toBeGreaterThanOrEqual(8);
  expect(nodes.some((n) => n.dueDate <= today)).toBe(true);
  const decided = await server.graphql(
    `mutation($input: DecideServiceRemindersInput!) { decideServiceReminders(input: $input) { results { decided job { id } } userErrors { field code message } } }`,
    {
      input: {
        items: [
          { reminderId: nodes[0]!.id, decision: 'AUTHORISE', accessMethod: 'OCCUPIER' },
          { reminderId: nodes[1]!.id, decision: 'CANCEL_ONCE' },
        ],
      },
    },
    token,
  );
  expect(decided.data!.decideServiceReminders.userErrors).toEqual([]);
  expect(decided.data!.decideServiceReminders.results.map((r: { decided: boolean }) => r.decided)).toEqual([true, true]);
});
