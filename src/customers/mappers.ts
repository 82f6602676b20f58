// The value each of this area's GraphQL types resolves from (`file#Type`, relative to this folder),
// read by codegen.ts so the generated resolver types know their parents. Connection and edge types of
// these are mapped there too.
export const mappers = {
  Customer: 'tables#CustomerRow',
  CustomerType: 'tables#CustomerTypeRow',
  CustomerStatus: 'tables#CustomerStatusRow',
  BusinessUnit: 'tables#BusinessUnitRow',
  MergedCustomer: 'tables#CustomerTombstoneRow',
  MergeCustomersPreview: 'merge#MergeCustomersPreviewValue',
};
