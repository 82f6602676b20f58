// Who may manage portal tokens: merged into the one rule tree (src/auth/permissions.ts). What a
// portal token itself reaches is decided by each area's rules (isPortalTokenWith) and visibility.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { managers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

export const portalRules: AreaRules = {
  Mutation: { createPortalToken: hasRole(managers), revokePortalToken: hasRole(managers) },
  extend: { Customer: { portalTokens: hasRole(managers) } },
  // A portal token reaches its own token through node(); who created it is for users.
  types: { PortalToken: { '*': allow, createdBy: isUser } },
};
