// The payments area: payment methods, payments and their allocations to invoices.
// What it brings to the server (src/graph/area.ts); listed once in src/areas.ts.
import { and, eq } from 'drizzle-orm';
import { defineArea } from '../graph/area';
import { invoices } from '../invoices/tables';
import { paymentsResolvers } from './resolvers';
import { paymentsRules } from './rules';
import { allocations, paymentMethods, payments } from './tables';

export const paymentsArea = defineArea({
  name: 'payments',
  resolvers: [paymentsResolvers],
  rules: paymentsRules,
  // Money: no mutation here accepts a card number or a security code anywhere in its input.
  refusesCardData: true,
  nodes: {
    PaymentMethod: { table: paymentMethods },
    Payment: { table: payments },
    // An allocation has no customer of its own: it is seen by whoever sees its invoice's customer.
    Allocation: {
      load: async (ctx, id) => {
        const [row] = await ctx.db
          .select({ allocation: allocations })
          .from(allocations)
          .innerJoin(invoices, eq(invoices.id, allocations.invoiceId))
          .where(and(eq(allocations.id, id), eq(allocations.organisationId, ctx.viewer?.organisationId ?? ''), ctx.visibility.rows(invoices)));
        return row?.allocation ?? null;
      },
    },
  },
  // The ledger: payments move with a merge, refuse the customer's deletion (money received is kept),
  // and anonymisation leaves them as they were.
  children: [
    {
      recordType: 'Payment',
      table: payments,
      customer: payments.customerId,
      onDelete: 'delete',
      refuseDeletion: {
        code: 'HAS_FINANCIAL_RECORDS',
        message: (n) =>
          `id: the customer has ${n} ${n === 1 ? 'payment' : 'payments'}; financial records are kept, so it cannot be deleted. Use anonymiseCustomer to remove its personal data instead.`,
      },
      trail: true,
    },
  ],
});
