// Who may do what with contacts: merged into the one rule tree (src/auth/permissions.ts).
import { allow, or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers } from '../auth/roles';
import { hasRole, isPortalTokenWith, isUser } from '../auth/rules';

/** Those who keep a customer's details, and a portal token letting its customer correct them. */
const contactWriters = or(hasRole(fieldWorkers), isPortalTokenWith('UPDATE_CONTACT_DETAILS'));

export const contactsRules: AreaRules = {
  Mutation: {
    createContact: contactWriters,
    updateContact: contactWriters,
    // Not portal tokens: UPDATE_CONTACT_DETAILS lets a customer correct its details, not delete people
    // from the record for good.
    deleteContact: hasRole(fieldWorkers),
  },
  types: {
    // Rows under a customer: a portal token reaches them only through its customer, and sees them.
    Contact: { '*': allow, lead: isUser },
    // Reached only through a Contact or a payload whose root field was allowed.
    ContactEmail: allow,
    ContactPhone: allow,
    CommunicationPreference: allow,
  },
};
