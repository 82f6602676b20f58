// Who may do what with leads: merged into the one rule tree (src/auth/permissions.ts). Which leads a
// user sees (owners, delegated access) is the data layer's job (src/auth/visibility.ts).
import type { AreaRules } from '../auth/area-rules';
import { sellers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

export const leadsRules: AreaRules = {
  Query: { lead: isUser, leads: isUser },
  Mutation: { createLead: hasRole(sellers), updateLead: hasRole(sellers), changeLeadStatus: hasRole(sellers) },
  // Portal tokens see no leads.
  types: { Lead: { '*': isUser } },
};
