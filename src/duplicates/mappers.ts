// The value each of this area's GraphQL types resolves from (`file#Type`, relative to this folder),
// read by codegen.ts so the generated resolver types know their parents.
export const mappers = {
  PossibleDuplicate: 'service#PossibleDuplicateValue',
  DuplicateMatch: 'service#DuplicateMatchValue',
};
