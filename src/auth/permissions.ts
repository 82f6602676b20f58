// The map of who may do what: one graphql-shield rule tree over the whole schema. Anything not
// named here is denied (`fallbackRule: deny`), and test/auth/rule-tree.test.ts fails for any field
// without a rule, so a new field is unreachable, and the build red, until it gets one here.
//
// Rules sit on root fields and on the few sensitive fields; which rows a viewer sees (owners,
// delegated access, a portal token's one customer) is filtered in the data layer
// (src/auth/visibility.ts), so lists never fetch what they would then hide.
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { allow, deny, or, shield } from 'graphql-shield';
import { applyMiddleware, type IMiddleware } from 'graphql-middleware';
import { hasRole, isAuthenticated, isPortalTokenWith, isUser } from './rules';
import type { AreaRules } from './area-rules';


const anyUser = isUser;
const admins = hasRole('ADMIN');
const adminsAndManagers = hasRole('ADMIN', 'MANAGER');
/** Invoices: users who see the customer (visibility decides which), and portal tokens with VIEW_INVOICES. */
const seesInvoices = or(isUser, isPortalTokenWith('VIEW_INVOICES'));

/** Roles allowed to change each area. READ_ONLY changes nothing. */
export const writers = {
  customers: hasRole('ADMIN', 'MANAGER', 'SALES', 'FINANCE'),
  createCustomers: hasRole('ADMIN', 'MANAGER', 'SALES'),
  leads: hasRole('ADMIN', 'MANAGER', 'SALES'),
  contactsAndAddresses: or(hasRole('ADMIN', 'MANAGER', 'SALES', 'SERVICE'), isPortalTokenWith('UPDATE_CONTACT_DETAILS')),
  /** Granting access to a record: these roles, and the service checks they manage or own the record. */
  recordAccess: hasRole('ADMIN', 'MANAGER', 'SALES', 'SERVICE', 'FINANCE'),
};

/** Types with nothing sensitive in them: reachable only through a root field that was allowed. */
const harmless = [
  'PageInfo',
  'Money',
  'UserError',
  'ContactEmail',
  'ContactPhone',
  'CustomerConnection',
  'CustomerEdge',
  'LeadConnection',
  'LeadEdge',
  'ContactConnection',
  'ContactEdge',
  'AddressConnection',
  'AddressEdge',
  'UserConnection',
  'UserEdge',
  'AuditEntryConnection',
  'AuditEntryEdge',
  'RecordReadConnection',
  'RecordReadEdge',
  'InvoiceConnection',
  'InvoiceEdge',
  'CreateCustomerPayload',
  'UpdateCustomerPayload',
  'ChangeCustomerStatusPayload',
  'CreateLeadPayload',
  'UpdateLeadPayload',
  'ChangeLeadStatusPayload',
  'CreateContactPayload',
  'UpdateContactPayload',
  'CreateAddressPayload',
  'UpdateAddressPayload',
  'GrantRecordAccessPayload',
  'RevokeRecordAccessPayload',
  'StatusGroupPayload',
  'UserPayload',
  'CreateApiTokenPayload',
  'RevokeApiTokenPayload',
  'CreatePortalTokenPayload',
  'RevokePortalTokenPayload',
] as const;

const coreTree = {
  Query: {
    node: isAuthenticated,
    nodes: isAuthenticated,
    viewer: isAuthenticated,
    customer: isAuthenticated,
    customers: anyUser,
    customerTypes: anyUser,
    customerStatuses: anyUser,
    businessUnits: anyUser,
    lead: anyUser,
    leads: anyUser,
    statusGroups: anyUser,
    users: anyUser,
  },
  Mutation: {
    createCustomer: writers.createCustomers,
    updateCustomer: writers.customers,
    changeCustomerStatus: writers.customers,
    createLead: writers.leads,
    updateLead: writers.leads,
    changeLeadStatus: writers.leads,
    createContact: writers.contactsAndAddresses,
    updateContact: writers.contactsAndAddresses,
    createAddress: writers.contactsAndAddresses,
    updateAddress: writers.contactsAndAddresses,
    grantRecordAccess: writers.recordAccess,
    revokeRecordAccess: writers.recordAccess,
    createStatusGroup: admins,
    updateStatusGroup: admins,
    deleteStatusGroup: admins,
    createUser: admins,
    updateUser: admins,
    // Any user for themself; the service lets only admins act for others.
    createApiToken: anyUser,
    revokeApiToken: anyUser,
    createPortalToken: adminsAndManagers,
    revokePortalToken: adminsAndManagers,
  },
  // Reached only through root fields that already required a token.
  Viewer: allow,
  Organisation: allow,
  // A portal token reaches its customer's name, contacts and addresses; the rest is for users.
  Customer: {
    '*': anyUser,
    id: isAuthenticated,
    name: isAuthenticated,
    contacts: isAuthenticated,
    addresses: isAuthenticated,
    creditLimit: anyUser,
    auditTrail: adminsAndManagers,
    readLog: adminsAndManagers,
    // The service also requires admin, manager or the record's owner.
    accessGrants: anyUser,
    portalTokens: adminsAndManagers,
    invoices: seesInvoices,
  },
  Invoice: { '*': seesInvoices },
  InvoiceLine: { '*': seesInvoices },
  Lead: { '*': anyUser, auditTrail: adminsAndManagers, accessGrants: anyUser },
  // Rows under a customer: a portal token reaches them only through its customer, and sees them.
  Contact: { '*': allow, lead: anyUser },
  Address: { '*': allow, lead: anyUser },
  // Reference lists and people: every path to them is for users only (`node` serves a portal token
  // only its customer, contacts, addresses and its own token), so their fields need no rule of their own.
  CustomerType: allow,
  CustomerStatus: allow,
  BusinessUnit: allow,
  User: { '*': allow, apiTokens: anyUser },
  StatusGroup: allow,
  AccessGrant: { '*': anyUser },
  // The resolvers also limit a token's details to its owner and admins.
  ApiToken: { '*': anyUser },
  AuditEntry: { '*': adminsAndManagers },
  RecordRead: { '*': adminsAndManagers },
  PortalToken: { '*': allow, createdBy: anyUser },
  ...Object.fromEntries(harmless.map((type) => [type, allow])),
};

function mergeAreas(core: Record<string, unknown>, areas: readonly AreaRules[]): Record<string, unknown> {
  const tree: Record<string, unknown> = { ...core, Query: { ...(core.Query as object) }, Mutation: { ...(core.Mutation as object) } };
  const addFields = (typeName: string, fields: Record<string, unknown>) => {
    const existing = tree[typeName];
    if (existing !== undefined && (typeof existing !== 'object' || Object.getPrototypeOf(existing) !== Object.prototype)) {
      throw new Error(`rule tree: ${typeName} has one rule for the whole type; it cannot take field rules`);
    }
    for (const field of Object.keys(fields)) {
      if (existing && field in (existing as object)) throw new Error(`rule tree: ${typeName}.${field} has two rules`);
    }
    tree[typeName] = { ...(existing as object | undefined), ...fields };
  };
  for (const area of areas) {
    if (area.Query) addFields('Query', area.Query);
    if (area.Mutation) addFields('Mutation', area.Mutation);
    for (const [typeName, fields] of Object.entries(area.extend ?? {})) addFields(typeName, fields);
    for (const [typeName, rules] of Object.entries(area.types ?? {})) {
      if (typeName in tree) throw new Error(`rule tree: ${typeName} is given rules twice`);
      tree[typeName] = rules;
    }
  }
  return tree;
}

/** The whole map: the core tree plus every area's rules (src/<area>/rules.ts, listed by the areas' manifests). */
export function buildRuleTree(areaRules: readonly AreaRules[]): Record<string, unknown> {
  return mergeAreas(coreTree, areaRules);
}

/** The rule that applies to a field: its own, its type's `*`, its type's single rule, or the fallback (deny). */
function ruleFor(ruleTree: Record<string, unknown>, typeName: string, fieldName: string): unknown {
  const rules = ruleTree[typeName];
  if (rules === undefined) return deny;
  if (typeof rules !== 'object' || rules === null || Object.getPrototypeOf(rules) !== Object.prototype) return rules;
  const map = rules as Record<string, unknown>;
  return map[fieldName] ?? map['*'] ?? deny;
}

/**
 * The schema with the rule tree around it. graphql-shield wraps every field it covers in an async
 * function; a field whose rule is `allow` would only pass through that wrapper, so it is left
 * unwrapped: the same decisions, without a promise per field of every item of every list.
 */
export function authorise(schema: GraphQLSchema, areaRules: readonly AreaRules[]): GraphQLSchema {
  const ruleTree = buildRuleTree(areaRules);
  const permissions = shieldOf(ruleTree);
  const generated = (permissions as unknown as { generate(schema: GraphQLSchema): IMiddleware }).generate(schema) as Record<
    string,
    Record<string, unknown>
  >;
  const needed: Record<string, Record<string, unknown>> = {};
  for (const [typeName, fields] of Object.entries(generated)) {
    for (const [fieldName, wrapper] of Object.entries(fields)) {
      if (ruleFor(ruleTree, typeName, fieldName) === allow) continue;
      (needed[typeName] ??= {})[fieldName] = wrapper;
    }
  }
  return applyMiddleware(schema, needed as IMiddleware);
}

function shieldOf(ruleTree: Record<string, unknown>) {
  return shield(ruleTree as Parameters<typeof shield>[0], {
  fallbackRule: deny,
  // Without this, graphql-shield turns every error a resolver throws into "not authorised".
  allowExternalErrors: true,
  fallbackError: new GraphQLError('You are not allowed to do this.', { extensions: { code: 'FORBIDDEN' } }),
});
}
