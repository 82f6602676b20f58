// Who may look for possible duplicates: merged into the one rule tree (src/auth/permissions.ts).
// Every user (visibility decides which records they are found among, src/auth/visibility.ts);
// portal tokens never. The creations' payloads carry them under the creations' own rules.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { isUser } from '../auth/rules';

export const duplicatesRules: AreaRules = {
  Query: { possibleDuplicates: isUser },
  types: {
    // Reached only through a root field or a payload that was allowed; the record has its own rules.
    PossibleDuplicate: allow,
    DuplicateMatch: allow,
  },
};
