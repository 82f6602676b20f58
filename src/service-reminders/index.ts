// The service-reminders area: reminder types and the service reminders due at work addresses.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { defineArea } from '../graph/area';
import { serviceRemindersResolvers } from './resolvers';
import { serviceRemindersRules } from './rules';
import { serviceReminderDecisions, serviceReminders, serviceReminderTypes } from './tables';

export const serviceRemindersArea = defineArea({
  name: 'service-reminders',
  resolvers: [serviceRemindersResolvers],
  rules: serviceRemindersRules,
  nodes: {
    ServiceReminderType: { table: serviceReminderTypes },
    // A portal token with VIEW_JOBS reads its customer's reminders (visibility keeps it to them).
    ServiceReminder: { table: serviceReminders, portal: (viewer) => viewer.permissions.has('VIEW_JOBS') },
    ServiceReminderDecision: { table: serviceReminderDecisions },
  },
  // Reminders sit under their work address's customer: they move with a merge, are deleted with the
  // customer, and their free-text notes are cleared when it is anonymised.
  children: [
    {
      recordType: 'ServiceReminder',
      table: serviceReminders,
      customer: serviceReminders.customerId,
      onDelete: 'delete',
      anonymise: { set: { notes: null } },
      trail: true,
    },
    // Decisions likewise: they go with the customer, and their free text is cleared on anonymising.
    {
      recordType: 'ServiceReminderDecision',
      table: serviceReminderDecisions,
      customer: serviceReminderDecisions.customerId,
      onDelete: 'delete',
      anonymise: { set: { notes: null, accessNotes: null } },
      trail: true,
    },
  ],
});
