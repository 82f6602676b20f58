// The authenticated caller, resolved once per request from the bearer token: a user of the
// organisation, or a portal token bound to one of its customers.
import type { OrganisationRow, Role, UserRow } from '../tenancy/tables';

/** What a portal token may be granted (the portal area stores them: src/portal/tables.ts). */
export const portalPermissions = ['VIEW_INVOICES', 'VIEW_STATEMENTS', 'VIEW_JOBS', 'PAY', 'UPDATE_CONTACT_DETAILS'] as const;
export type PortalPermission = (typeof portalPermissions)[number];

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
