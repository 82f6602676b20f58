// The webhooks area's twin records for test/auth/cross-organisation.test.ts: an endpoint and a
// delivery queued to it. The test server does not deliver (WEBHOOK_DELIVERY is off in tests), so the
// twin's rows stay as they are while the other organisation's calls are tried against them.
import { dispatchEvents } from '../../src/webhooks/delivery';
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

export async function populate({ make, server, customerId }: FixtureRecords): Promise<void> {
  await make(
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } userErrors { code field message } } }`,
    { url: 'https://hooks.example.com/twin', eventTypes: ['customer.*'] },
  );
  await make(`mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { id } userErrors { code field message } } }`, {
    id: customerId,
    name: 'Twin customer, renamed for a webhook',
  });
  // What the delivery loop's first step does: the rename becomes a delivery to the endpoint. An event
  // is read once every older transaction on the server has ended (other test files' too): a few tries.
  for (let tries = 0; tries < 100 && (await dispatchEvents(server.database.db)) === 0; tries++) await new Promise((r) => setTimeout(r, 100));
}
