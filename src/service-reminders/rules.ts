// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import { allow, or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers, managers } from '../auth/roles';
import { hasRole, isPortalTokenWith, isUser } from '../auth/rules';
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
  // Every path to a reminder is for users or for portal tokens with VIEW_JOBS: WorkAddress.serviceReminders
  // (the work address's rule applied first), dueServiceReminders and the mutations (users), and node()
  // (portal tokens only with VIEW_JOBS: the node source says so). Which reminders a viewer sees
  // follows the customer (the visibility layer, through `customer_id`). So the types need no rule per field.
  types: {
    ServiceReminderType: allow,
    ServiceReminderTypeConnection: allow,
    ServiceReminderTypeEdge: allow,
    ServiceReminderTypePayload: allow,
    // The asset is equipment data and the decisions the office's, for users (a portal token reads the
    // reminder itself).
    ServiceReminder: { '*': allow, asset: isUser, decisions: isUser },
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
  extend: {
    // VIEW_JOBS portal tokens read their customer's reminders; decisions stay with users.
    WorkAddress: { serviceReminders: or(isUser, isPortalTokenWith('VIEW_JOBS')), serviceReminderDecisions: isUser },
    Customer: { serviceReminders: or(isUser, isPortalTokenWith('VIEW_JOBS')) },
  },
};
