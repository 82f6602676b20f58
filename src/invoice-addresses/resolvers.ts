// GraphQL for invoice addresses: a customer's list (paged, oldest first), each address with its
// rendered lines, an invoice's recipient and `addressedTo`, the organisation's format, and the writes.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { parsePageArgs, type SortSpec } from '../graph/connection';
import { globalIdField } from '../graph/fields';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { addressLines, addressedTo } from './addressed-to';
import { ADDRESS_TAGS, DEFAULT_INVOICE_ADDRESS_FORMAT } from './format';
import { createInvoiceAddress, deleteInvoiceAddress, setInvoiceAddressFormat, updateInvoiceAddress } from './service';
import { invoiceAddresses } from './tables';

const sort: SortSpec = { name: 'CREATED_AT', expr: invoiceAddresses.createdAt, cast: 'timestamptz', direction: 'ASC' };

const addressId = (id: string) => inputId(id, ['InvoiceAddress'], ['input', 'id']).id;

const tags = Object.entries(ADDRESS_TAGS).map(([tag, { description }]) => ({ tag: `[${tag}]`, description }));

export const invoiceAddressesResolvers: Resolvers = {
  Customer: {
    invoiceAddresses: (c, args, ctx) =>
      ctx.loaders
        .childPage({
          table: invoiceAddresses,
          parentColumn: invoiceAddresses.customerId,
          where: undefined,
          name: 'customer.invoiceAddresses',
          sort,
          page: parsePageArgs(args, sort, ctx.config.maxPageSize),
        })
        .load(c.id),
  },
  InvoiceAddress: {
    id: globalIdField('InvoiceAddress'),
    customer: async (a, _a, ctx) => (await ctx.loaders.byId('Customer').load(a.customerId))!,
    // Through the visibility-filtered loader: null when the viewer may not see the landlord.
    landlord: (a, _a, ctx) => (a.landlordCustomerId ? ctx.loaders.byId('Customer').load(a.landlordCustomerId) : null),
    addressedTo: (a, _a, ctx) => addressLines(ctx, a.customerId, a),
  },
  Invoice: {
    invoiceAddress: (i, _a, ctx) => (i.invoiceAddressId ? ctx.loaders.byId('InvoiceAddress').load(i.invoiceAddressId) : null),
    addressedTo: (i, _a, ctx) => addressedTo(ctx, i),
  },
  Organisation: {
    invoiceAddressFormat: (o) => o.invoiceAddressFormat ?? DEFAULT_INVOICE_ADDRESS_FORMAT,
    invoiceAddressFormatIsDefault: (o) => o.invoiceAddressFormat == null,
    invoiceAddressTags: () => tags,
  },
  Mutation: {
    createInvoiceAddress: (_p, { input }, ctx) => payload(() => createInvoiceAddress(ctx.db, actorOf(ctx), input), { invoiceAddress: null }),
    updateInvoiceAddress: (_p, { input }, ctx) =>
      payload(() => updateInvoiceAddress(ctx.db, actorOf(ctx), addressId(input.id), input), { invoiceAddress: null }),
    deleteInvoiceAddress: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedInvoiceAddressId } = await deleteInvoiceAddress(ctx.db, actorOf(ctx), addressId(input.id), input);
          return { deletedInvoiceAddressId: toGlobalId('InvoiceAddress', deletedInvoiceAddressId) };
        },
        { deletedInvoiceAddressId: null },
      ),
    setInvoiceAddressFormat: (_p, { input }, ctx) => payload(() => setInvoiceAddressFormat(ctx.db, actorOf(ctx), input), { organisation: null }),
  },
};
