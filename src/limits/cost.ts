// Query cost: what a request may cost before it runs, and what it cost once it ran. The model is
// Shopify's and GitHub's: a scalar or enum costs 0, an object 1, a mutation 10; a connection costs
// 1 plus its page size (`first`/`last`, the default page size when absent, at most MAX_PAGE_SIZE)
// times the cost of one item, so nested lists multiply; other lists count an estimate of
// LIST_ESTIMATE items (`nodes(ids:)`: the number of ids). The requested cost is computed from the
// document before anything runs (graphql-query-complexity walks it, with fragments, variables and
// @skip/@include); the actual cost walks the data really returned with the same prices, so a page
// of 3 contacts where 20 were asked for costs 3.
import {
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../graph/connection';

/** Items assumed for a list that is not a paged connection (a contact's emails, a group's statuses). */
export const LIST_ESTIMATE = 5;
/** What a mutation's root field costs by itself: writes are dearer than reads. */
export const MUTATION_COST = 10;

/** The cost of one request, as `extensions.cost` reports it and the rate limit spends it. */
export type RequestCost = {
  /** Computed before execution from the query, its variables and the page sizes asked for. */
  requested: number;
  /** Computed from the data returned; 0 when nothing ran. Null until the response is ready. */
  actual: number | null;
};

function isConnection(type: GraphQLNamedType): boolean {
  return isObjectType(type) && type.name.endsWith('Connection') && 'pageInfo' in type.getFields();
}

function isEdge(type: GraphQLNamedType): boolean {
  return isObjectType(type) && type.name.endsWith('Edge') && 'cursor' in type.getFields() && 'node' in type.getFields();
}

/** What a field costs by itself, before what it contains. */
function unitCost(schema: GraphQLSchema, parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>): number {
  const named = getNamedType(field.type);
  // Paging facts and a payload's userErrors come with the result, at no cost of their own.
  if (isLeafType(named) || named.name === 'PageInfo' || named.name === 'UserError') return 0;
  // A connection's `edges` and `nodes` are its items, priced by the connection; an edge is a wrapper.
  if (isConnection(parent) && (field.name === 'edges' || field.name === 'nodes')) return isEdge(named) ? 0 : 1;
  if (parent === schema.getMutationType()) return MUTATION_COST;
  return 1;
}

/** The page size a connection field will return at most. */
function pageSize(args: Record<string, unknown>, maxPageSize: number): number {
  const asked = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE_SIZE;
  return Math.max(0, Math.min(asked, maxPageSize));
}

function estimators(schema: GraphQLSchema, maxPageSize: number): ComplexityEstimator[] {
  return [
    ({ type, field, args, childComplexity }) => {
      const named = getNamedType(field.type);
      const unit = unitCost(schema, type, field);
      if (isLeafType(named) || (unit === 0 && !isConnection(type))) return childComplexity;
      if (isConnection(named)) return unit + pageSize(args, maxPageSize) * childComplexity;
      if (isConnection(type) && (field.name === 'edges' || field.name === 'nodes')) return unit + childComplexity;
      if (isListType(getNullableType(field.type))) {
        const items = Array.isArray(args.ids) ? args.ids.length : LIST_ESTIMATE;
        return items * (unit + childComplexity);
      }
      return unit + childComplexity;
    },
  ];
}

/** Thrown when the cost cannot be computed (e.g. variables of the wrong type): execution reports those. */
export class CostNotComputable extends Error {}

/** The cost of running `operationName` of `document` with `variables`, before it runs. */
export function requestedQueryCost(options: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown>;
  maxPageSize: number;
}): number {
  try {
    return getComplexity({
      schema: options.schema,
      query: options.document,
      operationName: options.operationName ?? undefined,
      variables: options.variables ?? {},
      estimators: estimators(options.schema, options.maxPageSize),
      // The token and depth limits bound the document already; this only guards the walk itself.
      maxQueryNodes: 100_000,
    });
  } catch (error) {
    throw new CostNotComputable(error instanceof Error ? error.message : String(error));
  }
}

type PlanEntry = { key: string; unit: number; type: GraphQLCompositeType; selectionSet: SelectionSetNode };
/** The fields to price under one selection set, fragments flattened; keys may repeat across fragments. */
type Plan = { entries: PlanEntry[]; repeats: boolean };

/** The cost of what `data` holds: the same prices, with lists counted as they came back. */
export function actualQueryCost(options: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  data: Record<string, unknown> | null | undefined;
}): number {
  const { schema, document, operation, data } = options;
  if (!data) return 0;
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  // Planned once per selection set, then applied to every object of a list: a page of 50 customers
  // with their contacts is priced without walking the document 50 times.
  const plans = new Map<SelectionSetNode, Plan>();
  // The lookup is kept apart from the planning: a function that makes a closure (visit) gets a fresh
  // context object on every call, and this one is called for every object of the answer.
  const planFor = (type: GraphQLCompositeType, selectionSet: SelectionSetNode): Plan => plans.get(selectionSet) ?? makePlan(type, selectionSet);
  const makePlan = (type: GraphQLCompositeType, selectionSet: SelectionSetNode): Plan => {
    const entries: PlanEntry[] = [];
    const visit = (current: GraphQLCompositeType, selections: SelectionSetNode) => {
      for (const selection of selections.selections) {
        if (selection.kind === Kind.FIELD) {
          if (!selection.selectionSet || selection.name.value.startsWith('__') || !('getFields' in current)) continue;
          const field = current.getFields()[selection.name.value];
          if (!field) continue;
          entries.push({
            key: selection.alias?.value ?? selection.name.value,
            unit: unitCost(schema, current, field),
            type: getNamedType(field.type) as GraphQLCompositeType,
            selectionSet: selection.selectionSet,
          });
        } else {
          const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
          if (!fragment) continue;
          const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : current;
          visit((condition ?? current) as GraphQLCompositeType, fragment.selectionSet);
        }
      }
    };
    visit(type, selectionSet);
    const planned = { entries, repeats: new Set(entries.map((e) => e.key)).size !== entries.length };
    plans.set(selectionSet, planned);
    return planned;
  };

  const objectCost = (type: GraphQLCompositeType, selectionSet: SelectionSetNode, value: Record<string, unknown>): number => {
    const plan = planFor(type, selectionSet);
    const seen = plan.repeats ? new Set<string>() : null;
    let total = 0;
    for (const entry of plan.entries) {
      const item = value[entry.key];
      if (item == null) continue;
      if (seen) {
        if (seen.has(entry.key)) continue;
        seen.add(entry.key);
      }
      total += valueCost(entry, item);
    }
    return total;
  };

  const valueCost = (entry: PlanEntry, value: unknown): number => {
    if (Array.isArray(value)) {
      let total = 0;
      for (const item of value) if (item != null) total += valueCost(entry, item);
      return total;
    }
    return typeof value === 'object' ? entry.unit + objectCost(entry.type, entry.selectionSet, value as Record<string, unknown>) : 0;
  };

  return objectCost(root, operation.selectionSet, data);
}
