// Who may do what with payments: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { admins, bookkeepers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

const keepsBooks = hasRole(bookkeepers);

export const paymentsRules: AreaRules = {
  Query: { paymentMethods: isUser },
  Mutation: {
    recordPayment: keepsBooks,
    allocatePayment: keepsBooks,
    reversePayment: keepsBooks,
    undoAllocation: keepsBooks,
    createPaymentMethod: hasRole(admins),
    updatePaymentMethod: hasRole(admins),
  },
  // Payments and allocations are reached by users only: Customer.payments and Invoice.allocations
  // (ruled below), the mutations, and node(), which refuses portal tokens these types. Which rows a
  // user sees follows the customer (the visibility layer, through `customer_id`).
  types: {
    PaymentMethod: allow,
    Payment: allow,
    PaymentConnection: allow,
    PaymentEdge: allow,
    Allocation: allow,
    PaymentPayload: allow,
    AllocationPayload: allow,
    PaymentMethodPayload: allow,
  },
  extend: { Customer: { payments: isUser }, Invoice: { allocations: isUser } },
};
