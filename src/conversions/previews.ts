// What the previews of convertLead and signQuote (`dryRun: true`, src/graph/previews.ts) say about
// the records, read from the rows the rolled-back run returned: the customer's stage and status, the
// lead's, the quote's and the sales order's status afterwards.
import type { CustomerRow } from '../customers/tables';
import type { ConvertLeadInput } from '../generated/graphql';
import type { PreviewValue } from '../graph/previews';
import type { LeadRow } from '../leads/tables';
import type { ConversionResult, SignResult } from './service';

type CustomerOutcome = { customerStage: CustomerRow['stage']; customerStatusId: string };

export type ConvertLeadOutcome = CustomerOutcome & { intoExistingCustomer: boolean; leadStatus: LeadRow['status'] };
export type ConvertLeadPreviewValue = PreviewValue<ConvertLeadOutcome>;

export type SignQuoteOutcome = CustomerOutcome & {
  quoteStatus: SignResult['quote']['status'];
  leadStatus: LeadRow['status'] | null;
  salesOrderStatus: SignResult['salesOrder']['status'];
};
export type SignQuotePreviewValue = PreviewValue<SignQuoteOutcome>;

export const blockedConversion = { customerStage: null, customerStatusId: null, intoExistingCustomer: null, leadStatus: null } as const;
export const blockedSigning = { customerStage: null, customerStatusId: null, quoteStatus: null, leadStatus: null, salesOrderStatus: null } as const;

export function describeConversion(result: ConversionResult, input: Pick<ConvertLeadInput, 'intoCustomerId'>): ConvertLeadOutcome {
  return {
    customerStage: result.customer.stage,
    customerStatusId: result.customer.statusId,
    // The run succeeded: with `intoCustomerId` the lead went into that customer, without it into a new one.
    intoExistingCustomer: input.intoCustomerId != null,
    leadStatus: result.lead.status,
  };
}

export function describeSigning(result: SignResult): SignQuoteOutcome {
  return {
    customerStage: result.customer.stage,
    customerStatusId: result.customer.statusId,
    quoteStatus: result.quote.status,
    leadStatus: result.lead?.status ?? null,
    salesOrderStatus: result.salesOrder.status,
  };
}
