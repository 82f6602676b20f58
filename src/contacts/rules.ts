// Who may do what with contacts, beyond the core tree's createContact/updateContact
// (src/auth/permissions.ts): merged into the one rule tree.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { hasRole } from '../auth/rules';

export const contactsRules: AreaRules = {
  // The roles that write contacts. Not portal tokens: UPDATE_CONTACT_DETAILS lets a customer correct
  // its details, not delete people from the record for good.
  Mutation: { deleteContact: hasRole('ADMIN', 'MANAGER', 'SALES', 'SERVICE') },
  // Reached only through a Contact or a payload whose root field was allowed.
  types: { CommunicationPreference: allow, DeleteContactPayload: allow },
};
