// The import-export area: CSV import and export of customers and work addresses.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { importExportRouter } from './http';
import { watchImportJobs } from './job-watch';
import { importExportResolvers } from './resolvers';
import { importExportRules } from './rules';
import { importJobs } from './tables';

export const importExportArea = defineArea({
  name: 'import-export',
  resolvers: [importExportResolvers],
  rules: importExportRules,
  nodes: {
    ImportJob: { table: importJobs },
  },
  // Import logs quote the CSV: anonymisation deletes them.
  children: [{ recordType: 'ImportJob', table: importJobs, customer: importJobs.customerId, onDelete: 'delete', anonymise: 'delete', trail: true }],
  // CSV uploads and export downloads.
  routes: { paths: ['/imports', '/exports'], router: importExportRouter },
  // Import jobs left RUNNING by a process that died are failed at start, and (PostgreSQL) swept for later.
  start: watchImportJobs,
});
