// The invoices area: Invoices (read side).
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { invoices } from './tables';
import { invoiceResolvers } from './resolvers';

export const invoicesArea = defineArea({
  name: 'invoices',
  resolvers: [invoiceResolvers],
  nodes: {
    Invoice: { table: invoices, portal: (viewer) => viewer.permissions.has('VIEW_INVOICES') },
  },
});
