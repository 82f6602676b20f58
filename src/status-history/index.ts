// The status-history area: every change of a customer's or a lead's status (who, when, a note), the
// statuses a viewer may move a record to, and the organisation's transition rules.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { redactedIfSet } from '../db/record-children';
import { defineArea } from '../graph/area';
import { statusHistoryResolvers } from './resolvers';
import { statusHistoryRules } from './rules';
import { customerStatusChanges, customerStatusTransitionRules, leadStatusChanges, leadStatusTransitionRules } from './tables';

export const statusHistoryArea = defineArea({
  name: 'status-history',
  resolvers: [statusHistoryResolvers],
  rules: statusHistoryRules,
  nodes: {
    CustomerStatusTransitionRule: { table: customerStatusTransitionRules },
    LeadStatusTransitionRule: { table: leadStatusTransitionRules },
  },
  children: [
    // A merged customer's history moves to the survivor (its `recordedForId` keeps whose it was);
    // it goes when the customer is deleted. Notes may name people: anonymising redacts them.
    // Not part of the audit trail: the changes' own audit entries are.
    {
      recordType: 'CustomerStatusChange',
      table: customerStatusChanges,
      customer: customerStatusChanges.customerId,
      onDelete: 'delete',
      anonymise: { set: { note: redactedIfSet(customerStatusChanges.note) } },
      trail: false,
    },
    // A lead's history stays with the lead (deleted with it by the foreign key's cascade); anonymising
    // the customer a lead became redacts its notes too.
    {
      recordType: 'LeadStatusChange',
      table: leadStatusChanges,
      lead: leadStatusChanges.leadId,
      onDelete: 'delete',
      anonymise: { set: { note: redactedIfSet(leadStatusChanges.note) } },
      trail: false,
    },
  ],
});
