// The documents area: Documents attached to records, with their upload and download routes.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { documentsRouter } from './http';
import { documents } from './tables';
import { documentsResolvers } from './resolvers';
import { documentsRules } from './rules';

export const documentsArea = defineArea({
  name: 'documents',
  resolvers: [documentsResolvers],
  rules: documentsRules,
  nodes: {
    Document: { table: documents },
  },
  // Uploads and downloads of the files themselves.
  routes: { paths: ['/documents'], router: documentsRouter },
});
