// The authenticated caller, resolved once per request from the bearer token.
import type { OrganisationRow, Role, UserRow } from '../organisations/tables';

export type Viewer = {
  user: UserRow;
  organisation: OrganisationRow;
  role: Role;
  organisationId: string;
  userId: string;
};
