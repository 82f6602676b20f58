// The map of who may do what: one graphql-shield rule tree over the whole schema. Anything not
// named here is denied (`fallbackRule: deny`), so a new field is unreachable until it gets a rule.
// Row-level visibility (owners, delegated access) is filtered in the data layer, not per field here.
import { allow, and, deny, shield } from 'graphql-shield';
import { GraphQLError } from 'graphql';
import { hasRole, isAuthenticated } from './rules';

/** Roles allowed to change each area. READ_ONLY changes nothing. */
export const writers = {
  customers: hasRole('ADMIN', 'MANAGER', 'SALES', 'FINANCE'),
  createCustomers: hasRole('ADMIN', 'MANAGER', 'SALES'),
  leads: hasRole('ADMIN', 'MANAGER', 'SALES'),
  contactsAndAddresses: hasRole('ADMIN', 'MANAGER', 'SALES', 'SERVICE'),
};

/** Types whose every field is harmless once the root field that led to them was allowed. */
const openTypes = [
  'Viewer',
  'User',
  'Organisation',
  'Customer',
  'CustomerType',
  'CustomerStatus',
  'BusinessUnit',
  'CustomerConnection',
  'CustomerEdge',
  'Lead',
  'LeadConnection',
  'LeadEdge',
  'Contact',
  'ContactEmail',
  'ContactPhone',
  'ContactConnection',
  'ContactEdge',
  'Address',
  'AddressConnection',
  'AddressEdge',
  'PageInfo',
  'Money',
  'UserError',
  'CreateCustomerPayload',
  'UpdateCustomerPayload',
  'CreateLeadPayload',
  'UpdateLeadPayload',
  'ChangeLeadStatusPayload',
  'CreateContactPayload',
  'UpdateContactPayload',
  'CreateAddressPayload',
  'UpdateAddressPayload',
] as const;

export const ruleTree = {
  Query: {
    node: isAuthenticated,
    nodes: isAuthenticated,
    viewer: isAuthenticated,
    customer: isAuthenticated,
    customers: isAuthenticated,
    customerTypes: isAuthenticated,
    customerStatuses: isAuthenticated,
    businessUnits: isAuthenticated,
    lead: isAuthenticated,
    leads: isAuthenticated,
  },
  Mutation: {
    createCustomer: and(isAuthenticated, writers.createCustomers),
    updateCustomer: and(isAuthenticated, writers.customers),
    createLead: and(isAuthenticated, writers.leads),
    updateLead: and(isAuthenticated, writers.leads),
    changeLeadStatus: and(isAuthenticated, writers.leads),
    createContact: and(isAuthenticated, writers.contactsAndAddresses),
    updateContact: and(isAuthenticated, writers.contactsAndAddresses),
    createAddress: and(isAuthenticated, writers.contactsAndAddresses),
    updateAddress: and(isAuthenticated, writers.contactsAndAddresses),
  },
  ...Object.fromEntries(openTypes.map((type) => [type, allow])),
};

export const permissions = shield(ruleTree, {
  fallbackRule: deny,
  // Without this, graphql-shield turns every error a resolver throws into "not authorised".
  allowExternalErrors: true,
  fallbackError: new GraphQLError('You are not allowed to do this.', { extensions: { code: 'FORBIDDEN' } }),
});
