// Who may do what with credit notes: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { bookkeepers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';

const keepsBooks = hasRole(bookkeepers);

export const creditNotesRules: AreaRules = {
  Mutation: { createCreditNote: keepsBooks, allocateCreditNote: keepsBooks, voidCreditNote: keepsBooks },
  // Reached by users only: Customer.creditNotes, Invoice.creditNotes, Allocation.creditNote (ruled
  // below), the mutations, and node(), which refuses portal tokens the type. Which rows a user sees
  // follows the customer (the visibility layer, through `customer_id`).
  types: {
    CreditNote: allow,
    CreditNoteLine: allow,
    CreditNoteCategoryTotal: allow,
    CreditNoteConnection: allow,
    CreditNoteEdge: allow,
    CreditNotePayload: allow,
  },
  extend: { Customer: { creditNotes: isUser }, Invoice: { creditNotes: isUser, creditable: isUser } },
};
