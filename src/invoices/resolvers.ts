// GraphQL for invoices: a customer's invoices (paged, newest first), each invoice's lines and
// derived totals (lines for a whole page of invoices load in one query), and the write side.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { globalIdField, moneyOf } from '../graph/fields';
import { toGlobalId } from '../graph/ids';
import { inputId, payload } from '../graph/user-errors';
import { customerDocumentsPage, pricedLineFields } from './documents';
import { invoiceReference } from './service';
import { invoiceLines, invoices, type InvoiceLineRow, type InvoiceRow } from './tables';
import { createInvoice, deleteInvoice, issueInvoice, updateInvoice, voidInvoice } from './write';

function linesOf(ctx: Context, invoice: InvoiceRow) {
  return ctx.loaders.allByParent(invoiceLines, invoiceLines.invoiceId, [invoiceLines.position], 'invoice.lines').load(invoice.id);
}

/** Net and tax: sums of the lines' generated columns (the total is the invoice's own column). */
async function totals(ctx: Context, invoice: InvoiceRow) {
  const lines = await linesOf(ctx, invoice);
  return { netMinor: lines.reduce((sum, l) => sum + l.netMinor, 0), taxMinor: lines.reduce((sum, l) => sum + l.taxMinor, 0) };
}

const invoiceId = (id: string) => inputId(id, ['Invoice'], ['input', 'id']).id;

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;

export const invoiceResolvers: Resolvers = {
  Customer: {
    invoices: (c, args, ctx) => customerDocumentsPage(ctx, c.id, { table: invoices, name: 'customer.invoices', statuses: args.statuses, args }),
  },
  Invoice: {
    id: globalIdField('Invoice'),
    reference: (i) => invoiceReference(i),
    customer: async (i, _a, ctx) => (await ctx.loaders.byId('Customer').load(i.customerId))!,
    contact: (i, _a, ctx) => (i.contactId ? ctx.loaders.byId('Contact').load(i.contactId) : null),
    lines: (i, _a, ctx) => linesOf(ctx, i),
    // The jobs its lines bill, in line order; a void invoice has freed them.
    jobs: async (i, _a, ctx) => {
      if (i.status === 'VOID') return [];
      const ids = [...new Set((await linesOf(ctx, i)).flatMap((l) => (l.jobId ? [l.jobId] : [])))];
      const found = await Promise.all(ids.map((id) => ctx.loaders.byId('Job').load(id)));
      return found.filter((job) => job !== null);
    },
    net: async (i, _a, ctx) => money(ctx, (await totals(ctx, i)).netMinor, i.currency),
    tax: async (i, _a, ctx) => money(ctx, (await totals(ctx, i)).taxMinor, i.currency),
    total: (i, _a, ctx) => money(ctx, i.totalMinor, i.currency),
    paid: (i, _a, ctx) => money(ctx, i.paidMinor, i.currency),
    credited: (i, _a, ctx) => money(ctx, i.creditedMinor, i.currency),
    outstanding: (i, _a, ctx) => money(ctx, i.status === 'VOID' ? 0 : i.totalMinor - i.paidMinor - i.creditedMinor, i.currency),
  },
  InvoiceLine: {
    job: (l, _a, ctx) => (l.jobId ? ctx.loaders.byId('Job').load(l.jobId) : null),
    ...pricedLineFields<InvoiceLineRow>((l, ctx) => currencyOf(ctx, l.invoiceId)),
  },
  Mutation: {
    createInvoice: (_p, { input }, ctx) => payload(() => createInvoice(ctx.db, actorOf(ctx), input), { invoice: null }),
    updateInvoice: (_p, { input }, ctx) => payload(() => updateInvoice(ctx.db, actorOf(ctx), invoiceId(input.id), input), { invoice: null }),
    issueInvoice: (_p, { input }, ctx) => payload(() => issueInvoice(ctx.db, actorOf(ctx), invoiceId(input.id), input), { invoice: null }),
    voidInvoice: (_p, { input }, ctx) => payload(() => voidInvoice(ctx.db, actorOf(ctx), invoiceId(input.id), input), { invoice: null }),
    deleteInvoice: (_p, { input }, ctx) =>
      payload(
        async () => {
          const { deletedInvoiceId } = await deleteInvoice(ctx.db, actorOf(ctx), invoiceId(input.id), input);
          return { deletedInvoiceId: toGlobalId('Invoice', deletedInvoiceId) };
        },
        { deletedInvoiceId: null },
      ),
  },
};

/** A line's currency is its invoice's (already loaded for the page, so no extra query). */
async function currencyOf(ctx: Context, invoiceId: string): Promise<string> {
  return (await ctx.loaders.byId('Invoice').load(invoiceId))!.currency;
}
