// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
// Which documents a user sees is the record's visibility (src/auth/visibility.ts), applied in the
// data layer; the HTTP routes (src/documents/http.ts) apply the same roles: uploads and deletions by fieldWorkers (src/auth/roles.ts).
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

export const documentsRules: AreaRules = {
  Mutation: { deleteDocument: hasRole(fieldWorkers) },
  // Portal tokens do not see documents.
  extend: { Customer: { documents: isUser }, Lead: { documents: isUser } },
  types: {
    Document: { '*': isUser },
  },
};
