// The leads area: Leads and prospects, before they become customers.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { namedByCode } from '../db/record-children';
import { defineArea } from '../graph/area';
import { leadResolvers } from './resolvers';
import { leadsRules } from './rules';
import { leads } from './tables';

export const leadsArea = defineArea({
  name: 'leads',
  resolvers: [leadResolvers],
  rules: leadsRules,
  nodes: {
    Lead: { table: leads },
  },
  // A lead converted into a customer points at it: merged along, detached when the customer is
  // deleted, anonymised with it (and the rows under the lead with it, through their `lead` column).
  children: [
    {
      recordType: 'Lead (converted into)',
      entityType: 'Lead',
      table: leads,
      customer: leads.convertedCustomerId,
      onDelete: { detach: 'detachedLeadIds' },
      anonymise: {
        set: { name: namedByCode('Anonymised lead', leads.id), vatNumber: null, website: null, leadSource: null, lostReason: null, customFields: {} },
        countAs: 'Lead',
      },
      trail: false,
    },
  ],
});
