// Which columns a list page must read: those of the fields the query selects on its nodes, not the
// whole row (issue 15: a contact row is 20 columns, five of them JSON, where a list screen shows four
// fields). A field is read from the row only when that is certain: a field named after a column that
// no area resolves itself and whose rule does not look at the row, or a field an area declares with
// the columns it reads (`derived`). Any other field selected, and the whole row is read, as before.
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Composition } from './area';

/** Columns to select, by the row's property names: what a page's rows will hold. */
export type ColumnSelection = Record<string, PgColumn>;

/** Fields whose resolvers read these columns of the row and nothing else (`fullName`: title, first name, surname). */
export type DerivedFields = Record<string, readonly PgColumn[]>;

/** What of a resolver's `info` the selection is read from. */
export type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/** graphql-shield's rule objects, as far as this module looks at them. */
type RuleLike = { cache?: unknown; getRules?: () => RuleLike[]; constructor: { name: string } };

/** Whether a rule may look at the parent row: only rules cached per request (`contextual`) and allow/deny never do. */
function readsParent(rule: RuleLike | undefined): boolean {
  if (rule === undefined) return true;
  const name = rule.constructor.name;
  if (name === 'RuleTrue' || name === 'RuleFalse') return false;
  if (typeof rule.getRules === 'function') return rule.getRules().some(readsParent);
  return rule.cache !== 'contextual';
}

type TypeFacts = { resolved: Set<string>; parentRules: Set<string>; allParentRules: boolean };

const factsByComposition = new WeakMap<Composition, Map<string, TypeFacts>>();

/** Which of a type's fields some area resolves itself, and which have a rule that may read the row. */
function typeFacts(composition: Composition, typeName: string): TypeFacts {
  let byType = factsByComposition.get(composition);
  if (!byType) {
    byType = new Map();
    factsByComposition.set(composition, byType);
  }
  let facts = byType.get(typeName);
  if (facts) return facts;
  const resolved = new Set<string>();
  for (const resolvers of composition.resolvers) {
    const own = (resolvers as Record<string, Record<string, unknown> | undefined>)[typeName];
    for (const field of Object.keys(own ?? {})) resolved.add(field);
  }
  const parentRules = new Set<string>();
  let allParentRules = false;
  let star: RuleLike | undefined;
  for (const area of composition.rules) {
    const rules = [area.types?.[typeName], area.extend?.[typeName]];
    for (const entry of rules) {
      if (entry === undefined) continue;
      if (Object.getPrototypeOf(entry) !== Object.prototype) {
        // One rule for the whole type.
        if (readsParent(entry as unknown as RuleLike)) allParentRules = true;
        continue;
      }
      for (const [field, rule] of Object.entries(entry as Record<string, unknown>)) {
        if (field === '*') star = rule as RuleLike;
        else if (readsParent(rule as RuleLike)) parentRules.add(field);
      }
    }
  }
  // Fields without a rule of their own fall under `*` (or the fallback, deny, which reads nothing).
  if (star !== undefined && readsParent(star)) allParentRules = true;
  facts = { resolved, parentRules, allParentRules };
  byType.set(typeName, facts);
  return facts;
}

/** The names of the fields selected on a connection itself (`totalCount`, `pageInfo`, …) and on its nodes (`nodes { … }` and `edges { node { … } }`), through fragments. */
type ConnectionFieldNames = { connection: Set<string>; node: Set<string> };

const fieldNamesByNodes = new WeakMap<readonly FieldNode[], ConnectionFieldNames>();

function connectionFieldNames(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>): ConnectionFieldNames {
  const known = fieldNamesByNodes.get(fieldNodes);
  if (known) return known;
  const names: ConnectionFieldNames = { connection: new Set(), node: new Set() };
  const visit = (set: SelectionSetNode | undefined, depth: 'connection' | 'edge' | 'node', seen: Set<string>) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, depth, seen);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (seen.has(name)) continue;
        visit(fragments[name]?.selectionSet, depth, new Set([...seen, name]));
      } else {
        const field = selection.name.value;
        if (depth === 'node') names.node.add(field);
        else if (depth === 'connection') {
          names.connection.add(field);
          if (field === 'nodes') visit(selection.selectionSet, 'node', seen);
          else if (field === 'edges') visit(selection.selectionSet, 'edge', seen);
        } else if (depth === 'edge' && field === 'node') visit(selection.selectionSet, 'node', seen);
      }
    }
  };
  for (const node of fieldNodes) visit(node.selectionSet, 'connection', new Set());
  fieldNamesByNodes.set(fieldNodes, names);
  return names;
}

/** Whether the query selects `totalCount` on this connection field (under @skip/@include too: it may be asked). */
export function asksForTotalCount(info: SelectionInfo): boolean {
  return connectionFieldNames(info.fieldNodes, info.fragments).connection.has('totalCount');
}

/**
 * Whether the query may ask for a cursor of this connection's rows: it selects `edges` or
 * `pageInfo` (under @skip/@include too).
 */
export function asksForCursors(info: SelectionInfo): boolean {
  const { connection } = connectionFieldNames(info.fieldNodes, info.fragments);
  return connection.has('edges') || connection.has('pageInfo');
}

const selections = new WeakMap<readonly FieldNode[], Map<string, ColumnSelection | null>>();

/**
 * The columns a connection field's nodes need, or null for the whole row. Always the id and the
 * organisation (loaders and rules rely on them). Worked out once per field of the operation: the
 * 50 calls of a nested list share `info.fieldNodes`.
 */
export function columnsForConnection(
  composition: Composition,
  info: SelectionInfo,
  typeName: string,
  table: PgTable,
  derived: DerivedFields = {},
): ColumnSelection | null {
  let byType = selections.get(info.fieldNodes);
  if (!byType) {
    byType = new Map();
    selections.set(info.fieldNodes, byType);
  }
  if (byType.has(typeName)) return byType.get(typeName)!;
  const result = workOutColumns(composition, info, typeName, table, derived);
  byType.set(typeName, result);
  return result;
}

function workOutColumns(composition: Composition, info: SelectionInfo, typeName: string, table: PgTable, derived: DerivedFields): ColumnSelection | null {
  const facts = typeFacts(composition, typeName);
  if (facts.allParentRules) return null;
  const all = getTableColumns(table) as Record<string, PgColumn>;
  const byColumn = new Map(Object.entries(all).map(([key, column]) => [column, key]));
  const chosen: ColumnSelection = {};
  const take = (column: PgColumn): boolean => {
    const key = byColumn.get(column);
    if (key === undefined) return false;
    chosen[key] = column;
    return true;
  };
  for (const required of ['id', 'organisationId']) if (all[required]) chosen[required] = all[required];
  for (const field of connectionFieldNames(info.fieldNodes, info.fragments).node) {
    if (field === '__typename') continue;
    if (facts.parentRules.has(field)) return null;
    // A node's global id is made from its row's id (src/graph/fields.ts), always read.
    if (field === 'id' && chosen.id) continue;
    const declared = derived[field];
    if (declared) {
      if (!declared.every(take)) return null;
    } else if (!facts.resolved.has(field) && all[field]) {
      chosen[field] = all[field];
    } else return null;
  }
  return chosen;
}

const keys = new WeakMap<ColumnSelection, string>();

/** A stable name for a column selection, to key loaders by (null: the whole row); worked out once per selection. */
export function selectionKey(columns: ColumnSelection | null): string {
  if (columns === null) return '*';
  let key = keys.get(columns);
  if (key === undefined) {
    key = Object.keys(columns).sort().join(',');
    keys.set(columns, key);
  }
  return key;
}
