// Who may change a record's owner (a lead's or a customer's). The owner sees the record for good; a
// delegated grant (src/access/grants.ts) opens it only for a time. So an owner is changed by admins,
// managers and the current owner only: a grantee never widens its own access by taking ownership,
// or by clearing the owner so that no one else holds it.
import type { Actor } from './actor';
import { inRoleSet, managers } from './roles';

/** Any owner for the server's own work (imports run as the importer are the user's); portal tokens change no owner through the rule tree. */
export function mayChangeOwner(changer: Actor, currentOwnerId: string | null): boolean {
  if (changer.kind !== 'user') return true;
  // Managers reassign any record they see.
  if (inRoleSet(managers, changer.role)) return true;
  return currentOwnerId !== null && currentOwnerId === changer.userId;
}
