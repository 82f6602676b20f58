// The subscriptions area: the schema's Subscription type (schema/subscriptions.graphql), served over
// WebSocket (src/http/websocket.ts) from the realtime hub (src/realtime/: the change feed from the
// event outbox, presence, and Redis fan-out between instances).
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { subscriptionsResolvers } from './resolvers';
import { subscriptionsRules } from './rules';

export const subscriptionsArea = defineArea({
  name: 'subscriptions',
  resolvers: [subscriptionsResolvers],
  rules: subscriptionsRules,
});
