// The service-cases area: support tickets about a customer (and its assets and work addresses), with
// their notes and the organisation's SLA defaults. What it brings to the server (src/graph/area.ts);
// listed once in src/areas.ts.
import { REDACTED } from '../db/record-children';
import { defineArea } from '../graph/area';
import { serviceCasesResolvers } from './resolvers';
import { serviceCasesRules } from './rules';
import { serviceCaseNotes, serviceCases } from './tables';

export const serviceCasesArea = defineArea({
  name: 'service-cases',
  resolvers: [serviceCasesResolvers],
  rules: serviceCasesRules,
  nodes: {
    ServiceCase: { table: serviceCases },
  },
  // Cases and their notes sit under the customer: they move with a merge, are deleted with the
  // customer, and their free text is cleared when it is anonymised (the case stays, for the counts).
  children: [
    {
      recordType: 'ServiceCase',
      table: serviceCases,
      customer: serviceCases.customerId,
      onDelete: 'delete',
      anonymise: { set: { subject: REDACTED, description: null } },
      trail: true,
    },
    {
      recordType: 'ServiceCaseNote',
      entityType: 'ServiceCase',
      table: serviceCaseNotes,
      customer: serviceCaseNotes.customerId,
      onDelete: 'delete',
      anonymise: { set: { body: REDACTED } },
      trail: false,
    },
  ],
});
