// The events area: the transactional outbox (an event per audited change, written by `recordAudit`)
// and the stream integrators poll (Query.events). Webhooks (src/webhooks/) deliver the same events.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { eventChangeStream } from './change-stream';
import { eventsResolvers } from './resolvers';
import { eventsRules } from './rules';

export const eventsArea = defineArea({
  name: 'events',
  resolvers: [eventsResolvers],
  rules: eventsRules,
  // Subscriptions relay the same events (src/realtime/changes.ts).
  changeStream: eventChangeStream,
});
