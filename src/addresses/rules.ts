// Who may do what with addresses, beyond the core tree's createAddress/updateAddress
// (src/auth/permissions.ts): merged into the one rule tree.
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { hasRole } from '../auth/rules';

export const addressesRules: AreaRules = {
  // The roles that write addresses; not portal tokens (deleting is permanent).
  Mutation: { deleteAddress: hasRole('ADMIN', 'MANAGER', 'SALES', 'SERVICE') },
  types: { DeleteAddressPayload: allow },
};
