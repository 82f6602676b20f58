// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers, managers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';
import { workAddressesRules } from '../work-addresses/rules';

/** The organisation's reminder types are configuration: admins and managers. */
const typeEditors = hasRole(managers);
/** Whoever may change a work address may change the reminders at it: the work-addresses area's own rule. */
const reminderWriters = workAddressesRules.Mutation!.updateWorkAddress!;
/** Deciding may raise jobs: those who raise jobs (createJob's roles). */
const deciders = hasRole(fieldWorkers);

export const serviceRemindersRules: AreaRules = {
  Query: { serviceReminderTypes: isUser, dueServiceReminders: isUser },
  Mutation: {
    decideServiceReminders: deciders,
    createServiceReminderType: typeEditors,
    updateServiceReminderType: typeEditors,
    createServiceReminder: reminderWriters,
    updateServiceReminder: reminderWriters,
    deleteServiceReminder: reminderWriters,
  },
  // Every path to a reminder is for users: WorkAddress.serviceReminders (the work address's rule
  // applied first), dueServiceReminders, the mutations, and node(), which refuses portal tokens the
  // type (not declared `portal`). Which reminders a user sees follows the customer (the visibility
  // layer, through `customer_id`). So the types need no rule per field.
  types: {
    ServiceReminderType: allow,
    ServiceReminderTypeConnection: allow,
    ServiceReminderTypeEdge: allow,
    ServiceReminderTypePayload: allow,
    ServiceReminder: allow,
    ServiceReminderConnection: allow,
    ServiceReminderEdge: allow,
    CreateServiceReminderPayload: allow,
    UpdateServiceReminderPayload: allow,
    DeleteServiceReminderPayload: allow,
    ServiceReminderDecision: allow,
    ServiceReminderDecisionConnection: allow,
    ServiceReminderDecisionEdge: allow,
    ServiceReminderDecisionResult: allow,
    DecideServiceRemindersPayload: allow,
  },
  extend: { WorkAddress: { serviceReminders: isUser, serviceReminderDecisions: isUser }, Customer: { serviceReminders: isUser } },
};
