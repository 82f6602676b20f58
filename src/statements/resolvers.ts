// GraphQL for statements, and the PDF links of invoices and credit notes.
import type { Resolvers } from '../generated/graphql';
import { viewerOf, type Context } from '../graph/context';
import { badUserInput } from '../graph/errors';
import { moneyOf } from '../graph/fields';
import { toGlobalId } from '../graph/ids';
import { today } from '../invoices/payer';
import { statementPdfUrl } from './http';
import { groupByContact, statementOf, type Statement, type StatementLine } from './statement';

export type StatementView = Statement & { grouped: boolean };
export type StatementLineView = StatementLine & { currency: string };
export type StatementGroupView = { contactId: string | null; lines: StatementLineView[]; currency: string };

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;
const withCurrency = (s: Statement): StatementLineView[] => s.lines.map((line) => ({ ...line, currency: s.currency }));

export const statementsResolvers: Resolvers = {
  Customer: {
    statement: async (c, args, ctx) => {
      if (args.currency && !/^[A-Z]{3}$/.test(args.currency)) throw badUserInput('currency: must be an ISO 4217 code.', 'currency');
      const statement = await statementOf(ctx.db, viewerOf(ctx).organisationId, c.id, args.asOf ?? today(), args.currency ?? null);
      return { ...statement, grouped: args.groupByContact ?? false };
    },
  },
  Statement: {
    customer: async (s, _a, ctx) => (await ctx.loaders.byId('Customer').load(s.customerId))!,
    lines: (s) => withCurrency(s),
    groups: (s) =>
      s.grouped
        ? groupByContact(withCurrency(s)).map((g) => ({ contactId: g.contactId, lines: g.lines as StatementLineView[], currency: s.currency }))
        : [{ contactId: null, lines: withCurrency(s), currency: s.currency }],
    balance: (s) => s.balance,
    pdfUrl: (s) => statementPdfUrl(s.customerId, s.asOf, s.currency, s.grouped),
  },
  StatementGroup: {
    contact: (g, _a, ctx) => (g.contactId ? ctx.loaders.byId('Contact').load(g.contactId) : null),
    open: (g, _a, ctx) =>
      money(
        ctx,
        g.lines.reduce((sum, l) => sum + l.openMinor, 0),
        g.currency,
      ),
  },
  StatementLine: {
    total: (l, _a, ctx) => money(ctx, l.totalMinor, l.currency),
    open: (l, _a, ctx) => money(ctx, l.openMinor, l.currency),
    invoice: (l, _a, ctx) => (l.kind === 'INVOICE' ? ctx.loaders.byId('Invoice').load(l.id) : null),
    creditNote: (l, _a, ctx) => (l.kind === 'CREDIT_NOTE' ? ctx.loaders.byId('CreditNote').load(l.id) : null),
    payment: (l, _a, ctx) => (l.kind === 'PAYMENT' ? ctx.loaders.byId('Payment').load(l.id) : null),
    contact: (l, _a, ctx) => (l.contactId ? ctx.loaders.byId('Contact').load(l.contactId) : null),
  },
  Invoice: {
    pdfUrl: (i) => `/pdf/invoices/${toGlobalId('Invoice', i.id)}`,
  },
  CreditNote: {
    pdfUrl: (c) => `/pdf/credit-notes/${toGlobalId('CreditNote', c.id)}`,
  },
};
