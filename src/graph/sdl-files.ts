// The SDL files in schema/, in the order that reads well: merged in this order, the root fields of
// Query and Mutation (spread over `extend type` in every file) come out grouped by area — `node`,
// `nodes` and `viewer` first, then the organisation's users and access, leads and customers and what
// hangs off them, the pipeline, money, the portal — and so do the types.
//
// The server (src/graph/schema.ts) and the printed schema (schema.graphql, scripts/schema-sdl.ts) use
// this order. A file not in the list (a new area's) follows, alphabetically: an area needs no edit here.
import fs from 'node:fs';
import path from 'node:path';
import { schemaDir } from '../paths';

/** schema/<name>.graphql, in reading order. */
export const sdlAreaOrder: readonly string[] = [
  'common', // Node, connections, Money, UserError; Query.node, Query.nodes
  'organisation', // Query.viewer
  'users',
  'access',
  'audit',
  'lead',
  'customer',
  'customer-status',
  'customer-workflows',
  'customer-merge',
  'customer-deletion',
  'contact',
  'address',
  'branch',
  'work-address',
  'asset',
  'activity',
  'document',
  'custom-fields',
  'search',
  'import-export',
  'pipeline',
  'conversions',
  'invoice',
  'invoice-address',
  'credit-notes',
  'payments',
  'finance',
  'statements',
  'stored-cards',
  'portal',
];

/** The SDL files' paths in reading order, and the names `sdlAreaOrder` does not place yet. */
export function sdlFiles(dir: string = schemaDir): { files: string[]; unplaced: string[] } {
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => f.slice(0, -'.graphql'.length));
  const placed = sdlAreaOrder.filter((name) => names.includes(name));
  const unplaced = names.filter((name) => !sdlAreaOrder.includes(name)).sort();
  return { files: [...placed, ...unplaced].map((name) => path.join(dir, `${name}.graphql`)), unplaced };
}

/** The SDL's text, file by file, in reading order (what makeExecutableSchema takes as typeDefs). */
export function loadSdlInOrder(dir: string = schemaDir): string[] {
  return sdlFiles(dir).files.map((file) => fs.readFileSync(file, 'utf8'));
}
