// GraphQL for a customer's finance tab: its balance (batched: a page of customers costs one query)
// and its ledger.
import type { Resolvers } from '../generated/graphql';
import { parsePageArgs } from '../graph/connection';
import { viewerOf, type Context } from '../graph/context';
import { badUserInput } from '../graph/errors';
import { moneyOf } from '../graph/fields';
import { today } from '../invoices/payer';
import { allocations } from '../payments/tables';
import { AGING_BUCKETS, balances, type Balance } from './balance';
import { ledgerPage, ledgerSort } from './ledger';

const money = (ctx: Context, amountMinor: number, currency: string) => moneyOf(ctx, amountMinor, currency)!;

/** A `Date` argument as given (the scalar checks its form); today when omitted. */
function asOfDate(asOf: string | null | undefined): string {
  return asOf ?? today();
}

function balanceOf(ctx: Context, customerId: string, asOf: string, currency: string | null): Promise<Balance> {
  const organisationId = viewerOf(ctx).organisationId;
  return ctx.loaders.batch(`finance.balance:${asOf}:${currency ?? ''}`, (ids) => balances(ctx.db, organisationId, ids, asOf, currency)).load(customerId);
}

export const financeResolvers: Resolvers = {
  Customer: {
    balance: (c, args, ctx) => balanceOf(ctx, c.id, asOfDate(args.asOf), args.currency ?? null),
    ledger: (c, args, ctx) => {
      const page = parsePageArgs(args, ledgerSort, ctx.config.maxPageSize);
      if (args.currency && !/^[A-Z]{3}$/.test(args.currency)) throw badUserInput('currency: must be an ISO 4217 code.', 'currency');
      return ledgerPage(ctx.db, viewerOf(ctx).organisationId, c.id, args.currency ?? c.currency, page);
    },
  },
  CustomerBalance: {
    outstanding: (b, _a, ctx) => money(ctx, b.outstandingMinor, b.currency),
    overdue: (b, _a, ctx) => money(ctx, b.overdueMinor, b.currency),
    accountCredit: (b, _a, ctx) => money(ctx, b.accountCreditMinor, b.currency),
    balance: (b, _a, ctx) => money(ctx, b.outstandingMinor - b.accountCreditMinor, b.currency),
    creditLimit: (b, _a, ctx) => (b.creditLimitMinor === null ? null : money(ctx, b.creditLimitMinor, b.currency)),
    creditLimitRemaining: (b, _a, ctx) =>
      b.creditLimitMinor === null ? null : money(ctx, b.creditLimitMinor - (b.outstandingMinor - b.accountCreditMinor), b.currency),
    aging: (b, _a, ctx) =>
      AGING_BUCKETS.map((bucket, i) => ({ label: bucket.label, fromDays: bucket.from, toDays: bucket.to, amount: money(ctx, b.agingMinor[i]!, b.currency) })),
    lastPayment: (b, _a, ctx) => (b.lastPayment ? { receivedOn: b.lastPayment.receivedOn, amount: money(ctx, b.lastPayment.amountMinor, b.currency) } : null),
    salesThisYear: (b, _a, ctx) => money(ctx, b.salesThisYearMinor, b.currency),
    salesLifetime: (b, _a, ctx) => money(ctx, b.salesLifetimeMinor, b.currency),
  },
  LedgerEntry: {
    amount: (e, _a, ctx) => money(ctx, e.amountMinor, e.currency),
    effect: (e, _a, ctx) => money(ctx, e.effectMinor, e.currency),
    balance: (e, _a, ctx) => money(ctx, e.balanceMinor, e.currency),
    invoice: (e, _a, ctx) => (e.invoiceId ? ctx.loaders.byId('Invoice').load(e.invoiceId) : null),
    creditNote: (e, _a, ctx) => (e.creditNoteId ? ctx.loaders.byId('CreditNote').load(e.creditNoteId) : null),
    payment: (e, _a, ctx) => (e.paymentId ? ctx.loaders.byId('Payment').load(e.paymentId) : null),
    // Allocations are not read by id through visibility (they have no customer column); this ledger's customer is visible.
    allocation: (e, _a, ctx) => (e.allocationId ? ctx.loaders.tableById(allocations, 'ledger.allocation').load(e.allocationId) : null),
  },
};
