// Who may do what with customer statuses and customer workflows, beyond the core tree's
// createCustomer/updateCustomer/changeCustomerStatus (src/auth/permissions.ts): merged into the one
// rule tree. Which customers a user reaches is the data layer's job (lockForUpdate applies visibility),
// and which statuses they may set is their status security groups' (assertStatusPermitted).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { hasRole } from '../auth/rules';

const admins = hasRole('ADMIN');
/** The roles that change customers (permissions.ts `writers.customers`; not imported, to avoid an import cycle). */
const customerWriters = hasRole('ADMIN', 'MANAGER', 'SALES', 'FINANCE');

export const customersRules: AreaRules = {
  Mutation: {
    createCustomerStatus: admins,
    updateCustomerStatus: admins,
    reorderCustomerStatuses: admins,
    deactivateCustomer: customerWriters,
    reactivateCustomer: customerWriters,
    changeCustomerType: customerWriters,
    // Permanent loss of records or personal data: for those who manage the whole book (the service checks too).
    deleteCustomer: hasRole('ADMIN', 'MANAGER'),
    anonymiseCustomer: hasRole('ADMIN', 'MANAGER'),
    // Merging deletes records (they become tombstones): for those who manage the whole book.
    mergeCustomers: hasRole('ADMIN', 'MANAGER'),
  },
  // Payloads: reached only through a root field that was allowed.
  types: {
    CreateCustomerStatusPayload: allow,
    UpdateCustomerStatusPayload: allow,
    ReorderCustomerStatusesPayload: allow,
    DeactivateCustomerPayload: allow,
    ReactivateCustomerPayload: allow,
    ChangeCustomerTypePayload: allow,
    DeleteCustomerPayload: allow,
    AnonymiseCustomerPayload: allow,
    AffectedRecordCount: allow,
    MergeCustomersPayload: allow,
    MergedCustomer: allow,
  },
};
