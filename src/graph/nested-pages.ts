// A page of records and the nested pages the query asks of each (a customer's contacts and
// addresses) in one SQL statement (issue 15). The list's resolver reads, from the query, which nested
// lists its nodes select and with what arguments; the statement over the parents then carries each
// parent's nested page as JSON, and the nested lists' loaders are primed with them, so their
// resolvers (unchanged) find their pages without a query of their own. Rows, order, cursors and
// visibility are those of the loaders' own queries (src/graph/loaders.ts `childPage`). Whatever the
// plan does not understand (fragments, directives, arguments in error) is left to the loaders.
import type { SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { getArgumentValues, Kind, type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { ChildPageJson } from './connection';
import type { Context } from './context';
import type { ChildPageSpec } from './loaders';
import type { SelectionInfo } from './selection';

/** A nested list of a parent type: from the field's arguments and selection, the page its resolver loads. */
export type NestedList = (ctx: Context, args: Record<string, unknown>, info: SelectionInfo) => ChildPageSpec;

/** What a list's statement adds to read its nodes' nested pages, and what to do with them. */
export type NestedPages = {
  values: Record<string, SQL>;
  use: (rows: Array<{ id: string; values: Record<string, unknown> }>) => void;
};

/**
 * The field nodes of the connection's nodes (`nodes { … }` or `edges { node { … } }`), grouped by
 * response name as graphql-js groups them; null when a fragment or a directive makes that less
 * than plain.
 */
function nodeFields(fieldNodes: readonly FieldNode[]): Map<string, FieldNode[]> | null {
  const groups = new Map<string, FieldNode[]>();
  const plain = (set: SelectionSetNode | undefined): readonly FieldNode[] | null => {
    const fields: FieldNode[] = [];
    for (const selection of set?.selections ?? []) {
      if (selection.kind !== Kind.FIELD || (selection.directives?.length ?? 0) > 0) return null;
      fields.push(selection);
    }
    return fields;
  };
  for (const connection of fieldNodes) {
    const top = plain(connection.selectionSet);
    if (!top) return null;
    for (const field of top) {
      let nodes: readonly FieldNode[] | null = [];
      if (field.name.value === 'nodes') nodes = plain(field.selectionSet);
      else if (field.name.value === 'edges') {
        const edge = plain(field.selectionSet);
        if (!edge) return null;
        for (const e of edge) {
          if (e.name.value !== 'node') continue;
          const inner = plain(e.selectionSet);
          if (!inner) return null;
          nodes = [...nodes, ...inner];
        }
      }
      if (!nodes) return null;
      for (const node of nodes) {
        const key = node.alias?.value ?? node.name.value;
        const group = groups.get(key);
        if (group) group.push(node);
        else groups.set(key, [node]);
      }
    }
  }
  return groups;
}

/**
 * The nested pages to read with a page of `typeName` records, for the nested lists among `lists`
 * that the query selects on its nodes; null when there are none (or the selection is not plain).
 * `parentId` is the id column of the list's own statement.
 */
export function planNestedPages(
  ctx: Context,
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema' | 'variableValues'>,
  typeName: string,
  lists: Record<string, NestedList>,
  parentId: PgColumn,
): NestedPages | null {
  const groups = nodeFields(info.fieldNodes);
  if (!groups) return null;
  const type = info.schema.getType(typeName) as GraphQLObjectType | undefined;
  const values: Record<string, SQL> = {};
  const planned: Array<{ key: string; spec: ChildPageSpec; json: ChildPageJson }> = [];
  for (const [key, fieldNodes] of groups) {
    const list = lists[fieldNodes[0]!.name.value];
    const definition = type?.getFields()[fieldNodes[0]!.name.value];
    if (!list || !definition || fieldNodes.some((f) => f.name.value !== fieldNodes[0]!.name.value)) continue;
    let spec: ChildPageSpec;
    try {
      const args = getArgumentValues(definition, fieldNodes[0]!, info.variableValues);
      spec = list(ctx, args, { fieldNodes, fragments: info.fragments });
    } catch {
      // Arguments in error: the field's resolver reports them, as without the plan.
      continue;
    }
    const json = ctx.loaders.childPageJson(spec, parentId);
    if (!json) continue;
    values[`n${planned.length}`] = json.sql;
    planned.push({ key, spec, json });
  }
  if (planned.length === 0) return null;
  return {
    values,
    use: (rows) => {
      const primers = planned.map(({ spec, json }, i) => ({ prime: ctx.loaders.childPagePrimer(spec, json), value: `n${i}` }));
      for (const row of rows) for (const { prime, value } of primers) prime(row.id, row.values[value]);
    },
  };
}
