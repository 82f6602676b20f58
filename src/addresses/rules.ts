// Who may do what with addresses: merged into the one rule tree (src/auth/permissions.ts).
import { allow, or } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { fieldWorkers } from '../auth/roles';
import { hasRole, isPortalTokenWith, isUser } from '../auth/rules';

/** Those who keep a customer's details, and a portal token letting its customer correct them. */
const addressWriters = or(hasRole(fieldWorkers), isPortalTokenWith('UPDATE_CONTACT_DETAILS'));

export const addressesRules: AreaRules = {
  Mutation: {
    createAddress: addressWriters,
    updateAddress: addressWriters,
    // Not portal tokens (deleting is permanent).
    deleteAddress: hasRole(fieldWorkers),
  },
  // Rows under a customer: a portal token reaches them only through its customer, and sees them.
  types: { Address: { '*': allow, lead: isUser } },
};
