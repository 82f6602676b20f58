// The value each of this area's GraphQL types resolves from (`file#Type`, relative to this folder),
// read by codegen.ts so the generated resolver types know their parents. Connection and edge types of
// these are mapped there too.
export const mappers = {
  CustomerStatusChange: 'tables#CustomerStatusChangeRow',
  LeadStatusChange: 'tables#LeadStatusChangeRow',
  CustomerStatusTransitionRule: 'tables#CustomerStatusTransitionRuleRow',
  LeadStatusTransitionRule: 'tables#LeadStatusTransitionRuleRow',
};
