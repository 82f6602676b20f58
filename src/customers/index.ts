// The customers area: Customers: the record itself, its statuses, types and business units, merging and deletion.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { anonymiseTombstones } from './deletion';
import { customerById } from './loaders';
import { customerMergeResolvers } from './merge-resolvers';
import { referenceListResolvers } from './reference-list-resolvers';
import { customerResolvers } from './resolvers';
import { customersRules } from './rules';
import { businessUnits, customers, customerStatuses, customerTombstones, customerTypes } from './tables';

export const customersArea = defineArea({
  name: 'customers',
  resolvers: [customerResolvers, customerMergeResolvers, referenceListResolvers],
  rules: customersRules,
  nodes: {
    Customer: {
      table: customers,
      // A merged customer's id resolves to its survivor; a customer opened by id is a read for the
      // read log (src/audit/read-log-plugin.ts).
      load: async (ctx, id) => {
        const row = await customerById(ctx, id);
        if (row) ctx.customerReads.add(row.id);
        return row;
      },
      portal: true,
    },
    CustomerType: { table: customerTypes },
    CustomerStatus: { table: customerStatuses },
    BusinessUnit: { table: businessUnits },
  },
  children: [
    // Departments point at their parent customer: merged along, detached when it is deleted.
    {
      recordType: 'Customer (department)',
      entityType: 'Customer',
      table: customers,
      customer: customers.parentCustomerId,
      onDelete: { detach: 'detachedDepartmentIds' },
      trail: false,
    },
    // Customers merged into this one (their ids live on as tombstones): their history is part of
    // its trail; their names and snapshots are anonymised with it.
    {
      recordType: 'MergedCustomer',
      entityType: 'Customer',
      table: customerTombstones,
      customer: customerTombstones.survivorId,
      onDelete: 'delete',
      anonymise: { run: anonymiseTombstones },
      trail: true,
    },
  ],
});
