// The roles a user holds, and the named sets of them that every rule is written with: the rule
// tree (src/*/rules.ts), the data layer (visibility, ownership, field permissions, erasure) and the
// HTTP routes. A set is named after what its members do in the domain, and defined here only, so
// "who may do X" is read in one place and never drifts between two copies of the same list.
//
// The list of roles is the pg enum's (src/organisations/tables.ts builds `user_role` from it) and
// the GraphQL `Role` enum's; portal permissions likewise (src/portal/tables.ts).

export const roles = ['ADMIN', 'MANAGER', 'SALES', 'SERVICE', 'FINANCE', 'READ_ONLY'] as const;
export type Role = (typeof roles)[number];

export const portalPermissions = ['VIEW_INVOICES', 'VIEW_STATEMENTS', 'VIEW_JOBS', 'PAY', 'UPDATE_CONTACT_DETAILS'] as const;
export type PortalPermission = (typeof portalPermissions)[number];

declare const named: unique symbol;
/** A named set of roles: built here only, so every rule names what its roles mean. */
export type RoleSet = readonly Role[] & { readonly [named]: true };

function roleSet(...members: Role[]): RoleSet {
  return Object.freeze(members) as unknown as RoleSet;
}

/** True when `role` is one of `set` (false for no role: portal tokens, the server's own jobs). */
export function inRoleSet(set: RoleSet, role: Role | null | undefined): boolean {
  return role != null && set.includes(role);
}

/** Every role: any user of the organisation. */
export const everyone = roleSet(...roles);

/** Administrators: the organisation's settings, users, reference lists, custom fields, status groups. */
export const admins = roleSet('ADMIN');

/**
 * Those who manage the whole book: audit trails and read logs, portal tokens, reassigning any record,
 * managing anyone's access grants, bulk exports, and losing data for good (delete, anonymise, merge).
 */
export const managers = roleSet('ADMIN', 'MANAGER');

/** Those who sell: leads, opportunities, quotes, conversions, creating and importing customers, owners. */
export const sellers = roleSet('ADMIN', 'MANAGER', 'SALES');

/**
 * Those who sell and those who serve: they keep a customer's contacts, addresses, branches, work
 * addresses, equipment, documents, expiries, jobs and estimates. Not FINANCE, not READ_ONLY.
 */
export const fieldWorkers = roleSet('ADMIN', 'MANAGER', 'SALES', 'SERVICE');

/** Those who change a customer record itself (its status, type, billing references): sellers and finance. */
export const customerEditors = roleSet('ADMIN', 'MANAGER', 'SALES', 'FINANCE');

/** Those who set what a customer may owe (credit terms): not the seller who earns on it (segregation of duties). */
export const creditControllers = roleSet('ADMIN', 'MANAGER', 'FINANCE');

/** Those who keep the books: invoices, credit notes, payments and their allocations. */
export const bookkeepers = roleSet('ADMIN', 'MANAGER', 'FINANCE');

/** Every role that changes anything: all but READ_ONLY (activity, saved searches, access grants). */
export const writers = roleSet('ADMIN', 'MANAGER', 'SALES', 'SERVICE', 'FINANCE');

/** Those who see every customer without owning it or holding a grant: all but SALES (docs/domain.md#access-and-visibility). */
export const seeAllCustomers = roleSet('ADMIN', 'MANAGER', 'READ_ONLY', 'SERVICE', 'FINANCE');

/** Those who see every lead without owning it or holding a grant (docs/domain.md#access-and-visibility). */
export const seeAllLeads = roleSet('ADMIN', 'MANAGER', 'READ_ONLY');
