// Who may change a record's owner (a lead's or a customer's). The owner sees the record for good; a
// delegated grant (src/access/grants.ts) opens it only for a time. So an owner is changed by admins,
// managers and the current owner only: a grantee never widens its own access by taking ownership,
// or by clearing the owner so that no one else holds it.
import { inRoleSet, managers, type Role } from './roles';

/** `role` absent: the server's own jobs (imports run as the importer still carry a role). */
export function mayChangeOwner(changer: { userId: string | null; role?: Role | null }, currentOwnerId: string | null): boolean {
  if (!changer.role) return true;
  // Managers reassign any record they see.
  if (inRoleSet(managers, changer.role)) return true;
  return currentOwnerId !== null && currentOwnerId === changer.userId;
}
