// The documents area: Documents attached to records, with their upload and download routes.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { documentsRouter } from './http';
import { documentsResolvers } from './resolvers';
import { documentsRules } from './rules';
import { removeStoredFiles } from './store';
import { documents } from './tables';

export const documentsArea = defineArea({
  name: 'documents',
  resolvers: [documentsResolvers],
  rules: documentsRules,
  nodes: {
    Document: { table: documents },
  },
  // A file may be anything about the person: anonymisation deletes the documents. Their stored
  // files go with the rows (after the commit for a folder store).
  children: [
    {
      recordType: 'Document',
      table: documents,
      customer: documents.customerId,
      lead: documents.leadId,
      onDelete: 'delete',
      anonymise: 'delete',
      trail: true,
      onRemove: {
        columns: { storageKey: documents.storageKey, deletedAt: documents.deletedAt },
        run: (tx, config, rows) => removeStoredFiles(config, tx, rows as Array<{ storageKey: string; deletedAt: Date | null }>),
      },
    },
  ],
  // Uploads and downloads of the files themselves.
  routes: { paths: ['/documents'], router: documentsRouter },
});
