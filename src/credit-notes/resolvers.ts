// GraphQL for credit notes: thin, over the service and the loaders.
import { asc } from 'drizzle-orm';
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import type { Context } from '../graph/context';
import { globalIdField, moneyOf } from '../graph/fields';
import { inputId, payload } from '../graph/user-errors';
import { customerDocumentsPage, pricedLineFields } from '../invoices/documents';
import { allocations } from '../payments/tables';
import { allocateCreditNote, createCreditNote, creditable, creditNoteReference, voidCreditNote } from './service';
import { creditNoteLines, creditNotes, type CreditNoteLineRow, type CreditNoteRow } from './tables';

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;

function linesOf(ctx: Context, note: CreditNoteRow) {
  return ctx.loaders.allByParent(creditNoteLines, creditNoteLines.creditNoteId, [creditNoteLines.position], 'creditNote.lines').load(note.id);
}

function againstInvoice(ctx: Context, invoiceId: string) {
  return ctx.loaders.allByParent(creditNotes, creditNotes.invoiceId, [asc(creditNotes.createdAt), asc(creditNotes.id)], 'invoice.creditNotes').load(invoiceId);
}

async function currencyOf(ctx: Context, creditNoteId: string): Promise<string> {
  return (await ctx.loaders.byId('CreditNote').load(creditNoteId))!.currency;
}

export const creditNotesResolvers: Resolvers = {
  CreditNote: {
    id: globalIdField('CreditNote'),
    reference: (c) => creditNoteReference(c),
    customer: async (c, _a, ctx) => (await ctx.loaders.byId('Customer').load(c.customerId))!,
    invoice: (c, _a, ctx) => (c.invoiceId ? ctx.loaders.byId('Invoice').load(c.invoiceId) : null),
    lines: (c, _a, ctx) => linesOf(ctx, c),
    categoryTotals: async (c, _a, ctx) => {
      const groups = new Map<string | null, { net: number; tax: number }>();
      for (const line of await linesOf(ctx, c)) {
        const group = groups.get(line.category) ?? { net: 0, tax: 0 };
        group.net += line.netMinor;
        group.tax += line.taxMinor;
        groups.set(line.category, group);
      }
      return [...groups].map(([category, g]) => ({
        category,
        net: money(ctx, g.net, c.currency),
        tax: money(ctx, g.tax, c.currency),
        total: money(ctx, g.net + g.tax, c.currency),
      }));
    },
    net: async (c, _a, ctx) =>
      money(
        ctx,
        (await linesOf(ctx, c)).reduce((sum, l) => sum + l.netMinor, 0),
        c.currency,
      ),
    tax: async (c, _a, ctx) =>
      money(
        ctx,
        (await linesOf(ctx, c)).reduce((sum, l) => sum + l.taxMinor, 0),
        c.currency,
      ),
    total: (c, _a, ctx) => money(ctx, c.totalMinor, c.currency),
    allocated: (c, _a, ctx) => money(ctx, c.allocatedMinor, c.currency),
    unallocated: (c, _a, ctx) => money(ctx, c.status === 'VOID' ? 0 : c.totalMinor - c.allocatedMinor, c.currency),
    allocations: (c, _a, ctx) =>
      ctx.loaders.allByParent(allocations, allocations.creditNoteId, [asc(allocations.createdAt), asc(allocations.id)], 'creditNote.allocations').load(c.id),
  },
  CreditNoteLine: {
    ...pricedLineFields<CreditNoteLineRow>((l, ctx) => currencyOf(ctx, l.creditNoteId)),
  },
  Customer: {
    creditNotes: (c, args, ctx) => customerDocumentsPage(ctx, c.id, { table: creditNotes, name: 'customer.creditNotes', statuses: args.statuses, args }),
  },
  Invoice: {
    creditNotes: (i, _a, ctx) => againstInvoice(ctx, i.id),
    creditable: async (i, _a, ctx) => {
      const standing = (await againstInvoice(ctx, i.id)).filter((c) => c.status !== 'VOID').reduce((sum, c) => sum + c.totalMinor, 0);
      return money(ctx, creditable(i, standing), i.currency);
    },
  },
  Allocation: {
    creditNote: (a, _x, ctx) => (a.creditNoteId ? ctx.loaders.byId('CreditNote').load(a.creditNoteId) : null),
  },
  Mutation: {
    createCreditNote: (_p, { input }, ctx) => payload(() => createCreditNote(ctx.db, actorOf(ctx), input), { creditNote: null }),
    allocateCreditNote: (_p, { input }, ctx) =>
      payload(() => allocateCreditNote(ctx.db, actorOf(ctx), inputId(input.creditNoteId, ['CreditNote'], ['input', 'creditNoteId']).id, input), {
        creditNote: null,
      }),
    voidCreditNote: (_p, { input }, ctx) =>
      payload(() => voidCreditNote(ctx.db, actorOf(ctx), inputId(input.id, ['CreditNote'], ['input', 'id']).id, input), { creditNote: null }),
  },
};
