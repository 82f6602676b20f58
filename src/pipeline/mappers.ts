// The value each of this area's GraphQL types resolves from (`file#Type`, relative to this folder),
// read by codegen.ts so the generated resolver types know their parents. Connection and edge types of
// these are mapped there too.
export const mappers = {
  Opportunity: 'tables#OpportunityRow',
  Quote: 'tables#QuoteRow',
  QuoteLine: 'tables#QuoteLineView',
  SalesOrder: 'tables#SalesOrderRow',
  SalesOrderLine: 'tables#SalesOrderLineView',
  Job: 'tables#JobRow',
  Estimate: 'tables#EstimateRow',
};
