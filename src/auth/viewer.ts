// The authenticated caller, resolved once per request from the bearer token: a user of the
// organisation, or a portal token bound to one of its customers.
import type { OrganisationRow, UserRow } from '../tenancy/tables';
import type { PortalPermission, Role } from './roles';

/** The portal token behind a portal viewer, as far as authorisation needs it. */
export type PortalGrant = { id: string; customerId: string };

type ViewerBase = { organisation: OrganisationRow; organisationId: string };

export type UserViewer = ViewerBase & {
  kind: 'user';
  user: UserRow;
  role: Role;
  userId: string;
  portal: null;
};

export type PortalViewer = ViewerBase & {
  kind: 'portal';
  /** The token; `customerId` is the one customer it may see. */
  portal: PortalGrant;
  permissions: ReadonlySet<PortalPermission>;
  user: null;
  role: null;
  userId: null;
};

export type Viewer = UserViewer | PortalViewer;
