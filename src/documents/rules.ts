// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
// Which documents a user sees is the record's visibility (src/auth/visibility.ts), applied in the
// data layer; the HTTP routes (src/documents/http.ts) apply the same roles: uploads by UPLOADER_ROLES.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { hasRole, isUser } from '../auth/rules';
import { UPLOADER_ROLES } from './service';

export const documentsRules: AreaRules = {
  Mutation: { deleteDocument: hasRole(...UPLOADER_ROLES) },
  // Portal tokens do not see documents.
  extend: { Customer: { documents: isUser }, Lead: { documents: isUser } },
  types: {
    Document: { '*': isUser },
    DocumentConnection: allow,
    DocumentEdge: allow,
    DeleteDocumentPayload: allow,
  },
};
