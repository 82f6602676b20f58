// Who may read All Works: merged into the one rule tree (src/auth/permissions.ts). Users only (the
// members are user types; portal tokens get no history yet); which entries follows the work address or
// customer, already read through the viewer's visibility.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { isUser } from '../auth/rules';

export const allWorksRules: AreaRules = {
  types: {
    WorkHistoryEntry: allow,
    WorkHistoryConnection: allow,
    WorkHistoryEdge: allow,
  },
  extend: { WorkAddress: { allWorks: isUser }, Customer: { allWorks: isUser } },
};
