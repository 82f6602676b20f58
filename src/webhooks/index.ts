// The webhooks area: endpoints admins register, and the delivery of the organisation's events
// (src/events/) to them, signed, at least once, in order per resource (delivery.ts).
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { startWebhookDelivery } from './delivery';
import { webhooksResolvers } from './resolvers';
import { webhooksRules } from './rules';
import { webhookDeliveries, webhookEndpoints } from './tables';

export const webhooksArea = defineArea({
  name: 'webhooks',
  resolvers: [webhooksResolvers],
  rules: webhooksRules,
  nodes: { WebhookEndpoint: { table: webhookEndpoints }, WebhookDelivery: { table: webhookDeliveries } },
  // Every instance with WEBHOOK_DELIVERY on takes part in sending.
  start: async (services) => (services.config.webhookDelivery ? startWebhookDelivery(services) : { stop: () => undefined }),
});
