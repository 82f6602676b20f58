// Who may change which of a customer's fields: one table, checked in one place by every path that
// writes them (updateCustomer, createCustomer, the customer import). The rule tree decides who may
// call updateCustomer at all (ADMIN, MANAGER, SALES, FINANCE); visibility decides which customers;
// this table decides which fields. A refusal is a FIELD_NOT_PERMITTED user error naming each field,
// and nothing is written.
//
// Ownership is the one field that widens access: a customer's owner sees it for ever, a grantee only
// until the grant lapses. So only admins, managers and the current owner change an owner, and a
// grantee never does (src/auth/ownership.ts holds that rule for leads too).
import type { Actor } from '../auth/actor';
import { mayChangeOwner } from '../auth/ownership';
import { creditControllers, customerEditors, sellers, type RoleSet } from '../auth/roles';
import { UserErrors, type UserError } from '../graph/user-errors';

type Group = {
  /** What the group is, for messages and the README. */
  label: string;
  fields: readonly string[];
  roles: RoleSet;
  /** Changing the owner: also the current-owner rule (src/auth/ownership.ts). */
  ownership?: true;
};

export const customerFieldGroups = {
  OWNER: { label: 'owner', fields: ['ownerId'], roles: sellers, ownership: true },
  NAME_AND_STRUCTURE: { label: 'name and structure', fields: ['name', 'parentCustomerId', 'businessUnitId'], roles: sellers },
  // Segregation of duties: the seller who earns on a customer does not set how much it may owe.
  CREDIT_TERMS: { label: 'credit terms', fields: ['creditLimit', 'creditorDays'], roles: creditControllers },
  BILLING_REFERENCES: {
    label: 'billing references',
    fields: ['vatNumber', 'thirdPartyReference', 'priceBook'],
    roles: customerEditors,
  },
  DETAILS: {
    label: 'details',
    fields: ['advertisingSource', 'buildingType', 'vacantProperty', 'afterSalesCommunication', 'customFields'],
    roles: sellers,
  },
} as const satisfies Record<string, Group>;

const groupOfField = new Map<string, Group>(
  Object.values(customerFieldGroups as Record<string, Group>).flatMap((group) => group.fields.map((field) => [field, group] as const)),
);

/** Who is changing the customer: a user, by role; the server's own jobs change anything (portal tokens reach no customer field through the rule tree). */
export type FieldChanger = Actor;

function refusal(changer: FieldChanger, field: string, group: Group | undefined): string | null {
  if (changer.kind !== 'user') return null;
  if (!group) return `${field}: no role may change this field.`;
  if (!group.roles.includes(changer.role)) {
    return `${field}: your role (${changer.role}) may not change a customer's ${group.label}; ${group.roles.join(', ')} may.`;
  }
  return null;
}

/**
 * Refuses, with one FIELD_NOT_PERMITTED user error per field, the fields `changed` that the changer
 * may not change. `changed` are input field names whose value differs from the customer's (a form
 * posted back whole is not refused for what it did not change). `currentOwnerId` is the owner before
 * the change; on create, the creator (who may give the new customer to someone else).
 */
export function assertCustomerFieldsPermitted(changer: FieldChanger, changed: Iterable<string>, currentOwnerId: string | null): void {
  const errors: UserError[] = [];
  for (const field of changed) {
    const group = groupOfField.get(field);
    let message = refusal(changer, field, group);
    if (!message && group?.ownership && !mayChangeOwner(changer, currentOwnerId)) {
      message = `${field}: only admins, managers and the current owner may change a customer's owner; access granted for a time does not.`;
    }
    if (message) errors.push({ field: ['input', field], message, code: 'FIELD_NOT_PERMITTED' });
  }
  if (errors.length) throw new UserErrors(errors);
}
