// The activity area: Notes, tasks, communications and expiries on a record.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { REDACTED, redactedIfSet } from '../db/record-children';
import { defineArea } from '../graph/area';
import { activityResolvers } from './resolvers';
import { activityRules } from './rules';
import { communications, expiries, notes, tasks } from './tables';

export const activityArea = defineArea({
  name: 'activity',
  resolvers: [activityResolvers],
  rules: activityRules,
  nodes: {
    Note: { table: notes },
    Task: { table: tasks },
    Communication: { table: communications },
    Expiry: { table: expiries },
  },
  children: [
    {
      recordType: 'Note',
      table: notes,
      customer: notes.customerId,
      lead: notes.leadId,
      onDelete: 'delete',
      anonymise: { set: { body: REDACTED } },
      trail: true,
    },
    {
      recordType: 'Task',
      table: tasks,
      customer: tasks.customerId,
      lead: tasks.leadId,
      onDelete: 'delete',
      anonymise: { set: { subject: REDACTED, details: null } },
      trail: true,
    },
    {
      recordType: 'Communication',
      table: communications,
      customer: communications.customerId,
      lead: communications.leadId,
      onDelete: 'delete',
      anonymise: { set: { subject: redactedIfSet(communications.subject), summary: redactedIfSet(communications.summary) } },
      trail: true,
    },
    {
      recordType: 'Expiry',
      table: expiries,
      customer: expiries.customerId,
      lead: expiries.leadId,
      onDelete: 'delete',
      anonymise: { set: { description: REDACTED, notes: null } },
      trail: true,
    },
  ],
});
