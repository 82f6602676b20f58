// Who may do what with customers, their statuses and workflows: merged into the one rule tree
// (src/auth/permissions.ts). Which customers a user reaches is the data layer's job (lockForUpdate
// applies visibility), which fields they may change is src/customers/field-permissions.ts's, and which
// statuses they may set is their status security groups' (assertStatusPermitted).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins, customerEditors, managers, sellers } from '../auth/roles';
import { hasRole, isAuthenticated, isUser } from '../auth/rules';

const editors = hasRole(customerEditors);

export const customersRules: AreaRules = {
  Query: {
    // A portal token reaches its one customer (visibility).
    customer: isAuthenticated,
    customers: isUser,
    customerTypes: isUser,
    customerStatuses: isUser,
    businessUnits: isUser,
  },
  Mutation: {
    createCustomer: hasRole(sellers),
    updateCustomer: editors,
    changeCustomerStatus: editors,
    createCustomerStatus: hasRole(admins),
    updateCustomerStatus: hasRole(admins),
    reorderCustomerStatuses: hasRole(admins),
    // The organisation's reference lists (docs/domain.md#managing-customer-types-and-business-units): admins.
    createCustomerType: hasRole(admins),
    updateCustomerType: hasRole(admins),
    deleteCustomerType: hasRole(admins),
    createBusinessUnit: hasRole(admins),
    updateBusinessUnit: hasRole(admins),
    deleteBusinessUnit: hasRole(admins),
    deactivateCustomer: editors,
    reactivateCustomer: editors,
    changeCustomerType: editors,
    // Permanent loss of records or personal data: for those who manage the whole book (the service checks too).
    deleteCustomer: hasRole(managers),
    anonymiseCustomer: hasRole(managers),
    // Merging deletes records (they become tombstones): for those who manage the whole book.
    mergeCustomers: hasRole(managers),
  },
  types: {
    // A portal token reaches its customer's name, contacts and addresses; the rest is for users
    // (other areas add their fields' rules: auditTrail, accessGrants, invoices, portalTokens…).
    Customer: {
      '*': isUser,
      id: isAuthenticated,
      name: isAuthenticated,
      contacts: isAuthenticated,
      addresses: isAuthenticated,
      creditLimit: isUser,
    },
    // Reference lists: every path to them is for users only, so their fields need no rule of their own.
    CustomerType: allow,
    CustomerStatus: allow,
    BusinessUnit: allow,
    // Reached only through a root field that was allowed.
    AffectedRecordCount: allow,
    MergedCustomer: allow,
    MergeCustomersPreview: allow,
  },
};
