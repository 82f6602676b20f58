// Who may subscribe: users of the organisation (not portal tokens). Which records they may follow is
// the visibility layer's decision, checked at subscribe and again before every message
// (src/subscriptions/resolvers.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { isUser } from '../auth/rules';

export const subscriptionsRules: AreaRules = {
  Subscription: { recordChanged: isUser, customerRecordChanged: isUser, presence: isUser },
  // Reached only through the subscriptions above; `record` is a Node, whose own type's rules apply.
  types: { RecordChange: allow, Presence: allow, PresenceViewer: allow },
};
