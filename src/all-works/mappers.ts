// The value each of this area's GraphQL types resolves from (`file#Type`, relative to this folder),
// read by codegen.ts. The union's members are mapped by their own areas. The connection is named after
// the history, not the entry, so it is mapped here rather than derived.
export const mappers = {
  WorkHistoryEntry: 'loaders#WorkHistoryEntryValue',
  WorkHistoryConnection: '../graph/connection#Connection<WorkHistoryEntryValue>',
  WorkHistoryEdge: '../graph/connection#Edge<WorkHistoryEntryValue>',
};
