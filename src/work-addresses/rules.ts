// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import type { AreaRules } from '../auth/area-rules';
import { isUser } from '../auth/rules';

export const workAddressesRules: AreaRules = {
  // Reached through the customer (whose visibility decides) or node(); portal tokens: see VIEW_JOBS later.
  types: { WorkAddress: { '*': isUser } },
};
