// Who may manage webhooks: merged into the one rule tree (src/auth/permissions.ts). An endpoint
// receives every customer's records: admins only, and every path to one is under these root fields
// (or node(), which refuses portal tokens the types: not declared `portal`).
import type { AreaRules } from '../auth/area-rules';
import { admins } from '../auth/roles';
import { hasRole } from '../auth/rules';

const webhookAdmins = hasRole(admins);

export const webhooksRules: AreaRules = {
  Query: { webhookEndpoints: webhookAdmins },
  Mutation: {
    createWebhookEndpoint: webhookAdmins,
    updateWebhookEndpoint: webhookAdmins,
    rotateWebhookSecret: webhookAdmins,
    deleteWebhookEndpoint: webhookAdmins,
    redeliverWebhook: webhookAdmins,
  },
  types: { WebhookEndpoint: webhookAdmins, WebhookDelivery: webhookAdmins },
};
