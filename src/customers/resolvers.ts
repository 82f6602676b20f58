// GraphQL resolvers for customers and their organisation-level lists: thin, over the service and loaders.
import { and, eq } from 'drizzle-orm';
import { customerStatusesFor } from '../access/status-group-resolvers';
import { addressesPage, addressesPageSpec, defaultAddress } from '../addresses/loaders';
import { actorOf } from '../audit/actor';
import { contactsPage, contactsPageSpec } from '../contacts/loaders';
import { contacts } from '../contacts/tables';
import type { Resolvers } from '../generated/graphql';
import { viewerOf } from '../graph/context';
import { globalIdField, moneyOf } from '../graph/fields';
import { keyedPayload } from '../graph/idempotency';
import { decodeIdArgument, toGlobalId } from '../graph/ids';
import { planNestedPages, type NestedList } from '../graph/nested-pages';
import { asksForTotalCount, columnsForConnection, type DerivedFields } from '../graph/selection';
import { inputId, payload } from '../graph/user-errors';
import { anonymiseCustomer, deleteCustomer } from './deletion';
import { customerById } from './loaders';
import { createCustomer, listBusinessUnits, listCustomers, listCustomerTypes, updateCustomer } from './service';
import { createCustomerStatus, reorderCustomerStatuses, updateCustomerStatus } from './statuses';
import { customers } from './tables';
import { changeCustomerStatus, changeCustomerType, deactivateCustomer, reactivateCustomer } from './workflows';

/** The columns this file's Customer resolvers read (src/graph/selection.ts): a list asking only for them reads no more. */
const listDerived: DerivedFields = {
  type: [customers.typeId],
  status: [customers.statusId],
  active: [customers.statusId],
  owner: [customers.ownerId],
  parentCustomer: [customers.parentCustomerId],
  businessUnit: [customers.businessUnitId],
  creditLimit: [customers.creditLimitMinor, customers.currency],
  contacts: [customers.id],
  primaryContact: [customers.id],
  addresses: [customers.id],
  defaultAddress: [customers.id],
};

/** A customer's nested lists that a page of customers reads in its own statement. */
const nestedLists: Record<string, NestedList> = {
  contacts: (ctx, args, info) => contactsPageSpec(ctx, 'customer', args, info),
  addresses: (ctx, args, info) => addressesPageSpec(ctx, 'customer', args, info),
};

export const customerResolvers: Resolvers = {
  Query: {
    customer: async (_p, { id }, ctx) => {
      const customer = await customerById(ctx, decodeIdArgument(id, ['Customer'], 'id').id);
      // A customer opened by id is a read for the read log (src/audit/read-log-plugin.ts).
      if (customer) ctx.customerReads.add(customer.id);
      return customer;
    },
    customers: (_p, args, ctx, info) =>
      listCustomers(ctx.db, ctx.visibility, args, ctx.config.maxPageSize, {
        columns: columnsForConnection(ctx.composition, info, 'Customer', customers, listDerived),
        // The page's contacts and addresses in the same statement (src/graph/nested-pages.ts).
        nested: planNestedPages(ctx, info, 'Customer', nestedLists, customers.id),
        total: asksForTotalCount(info),
      }),
    customerTypes: (_p, { includeArchived }, ctx) => listCustomerTypes(ctx.db, viewerOf(ctx).organisationId, includeArchived ?? true),
    customerStatuses: (_p, { assignableOnly }, ctx) => customerStatusesFor(ctx, assignableOnly),
    businessUnits: (_p, { includeArchived }, ctx) => listBusinessUnits(ctx.db, viewerOf(ctx).organisationId, includeArchived ?? true),
  },
  Mutation: {
    createCustomer: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createCustomer', input, (db) => createCustomer(db, actorOf(ctx), input), {
        customer: null,
        possibleDuplicates: null,
      }),
    changeCustomerStatus: (_p, { input }, ctx) =>
      payload(() => changeCustomerStatus(ctx.db, actorOf(ctx), inputId(input.id, ['Customer'], ['input', 'id']).id, input), {
        customer: null,
        note: null,
        followUpTask: null,
      }),
    deactivateCustomer: (_p, { input }, ctx) =>
      payload(() => deactivateCustomer(ctx.db, actorOf(ctx), inputId(input.id, ['Customer'], ['input', 'id']).id, input), { customer: null, note: null }),
    reactivateCustomer: (_p, { input }, ctx) =>
      payload(() => reactivateCustomer(ctx.db, actorOf(ctx), inputId(input.id, ['Customer'], ['input', 'id']).id, input), { customer: null }),
    changeCustomerType: (_p, { input }, ctx) =>
      payload(() => changeCustomerType(ctx.db, actorOf(ctx), inputId(input.id, ['Customer'], ['input', 'id']).id, input), { customer: null }),
    createCustomerStatus: (_p, { input }, ctx) =>
      keyedPayload(ctx, 'createCustomerStatus', input, (db) => createCustomerStatus(db, actorOf(ctx), input), { customerStatus: null }),
    updateCustomerStatus: (_p, { input }, ctx) =>
      payload(() => updateCustomerStatus(ctx.db, actorOf(ctx), inputId(input.id, ['CustomerStatus'], ['input', 'id']).id, input), { customerStatus: null }),
    reorderCustomerStatuses: (_p, { input }, ctx) => payload(() => reorderCustomerStatuses(ctx.db, actorOf(ctx), input), { customerStatuses: null }),
    deleteCustomer: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedCustomerId, deletedRecords } = await deleteCustomer(
            ctx.db,
            ctx.config,
            actorOf(ctx),
            inputId(input.id, ['Customer'], ['input', 'id']).id,
            input,
            ctx.composition.children,
          );
          return { deletedCustomerId: toGlobalId('Customer', deletedCustomerId), deletedRecords };
        },
        { deletedCustomerId: null, deletedRecords: null },
      ),
    anonymiseCustomer: (_p, { input }, ctx) =>
      payload(() => anonymiseCustomer(ctx.db, ctx.config, actorOf(ctx), inputId(input.id, ['Customer'], ['input', 'id']).id, input, ctx.composition.children), {
        customer: null,
        anonymisedRecords: null,
      }),
    updateCustomer: (_p, { input }, ctx) =>
      payload(() => updateCustomer(ctx.db, actorOf(ctx), inputId(input.id, ['Customer'], ['input', 'id']).id, input), { customer: null }),
  },
  Customer: {
    id: globalIdField('Customer'),
    type: async (c, _a, ctx) => (await ctx.loaders.byId('CustomerType').load(c.typeId))!,
    status: async (c, _a, ctx) => (await ctx.loaders.byId('CustomerStatus').load(c.statusId))!,
    active: async (c, _a, ctx) => (await ctx.loaders.byId('CustomerStatus').load(c.statusId))?.active ?? false,
    owner: (c, _a, ctx) => (c.ownerId ? ctx.loaders.byId('User').load(c.ownerId) : null),
    parentCustomer: (c, _a, ctx) => (c.parentCustomerId ? ctx.loaders.byId('Customer').load(c.parentCustomerId) : null),
    businessUnit: (c, _a, ctx) => (c.businessUnitId ? ctx.loaders.byId('BusinessUnit').load(c.businessUnitId) : null),
    creditLimit: (c, _a, ctx) => moneyOf(ctx, c.creditLimitMinor, c.currency),
    contacts: (c, args, ctx, info) => contactsPage(ctx, 'customer', c.id, args, info),
    primaryContact: (c, _a, ctx) =>
      ctx.loaders.oneByParent(contacts, contacts.customerId, and(eq(contacts.isPrimary, true))!, 'customer.primaryContact').load(c.id),
    addresses: (c, args, ctx, info) => addressesPage(ctx, 'customer', c.id, args, info),
    defaultAddress: (c, { type }, ctx) => defaultAddress(ctx, 'customer', c.id, type),
  },
  CustomerType: {
    id: globalIdField('CustomerType'),
    requiredFields: (t) => t.requiredFields as never,
  },
  CustomerStatus: { id: globalIdField('CustomerStatus') },
  BusinessUnit: { id: globalIdField('BusinessUnit') },
};
