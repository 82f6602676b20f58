// Who may read the event stream: merged into the one rule tree (src/auth/permissions.ts). Events carry
// whole records (before and after), of every customer: admins, whose tokens integrators use.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins } from '../auth/roles';
import { hasRole } from '../auth/rules';

export const eventsRules: AreaRules = {
  Query: { events: hasRole(admins) },
  types: { Event: allow },
};
