// The value each of this area's GraphQL types resolves from (`file#Type`, relative to this folder),
// read by codegen.ts so the generated resolver types know their parents.
export const mappers = {
  Event: 'tables#EventRow',
  // Events page by stream position and have no count (src/events/stream.ts).
  EventConnection: 'stream#StreamPage',
  EventEdge: 'stream#StreamEdge',
};
