// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts). Uploads
// and downloads are HTTP endpoints that check the same roles themselves (src/import-export/http.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { isUser } from '../auth/rules';

export const importExportRules: AreaRules = {
  // Which jobs: those under a customer the viewer sees (the data layer decides).
  Query: { importJob: isUser },
  types: {
    ImportJob: { '*': isUser },
    ImportRowError: allow,
  },
};
