// The query limits as Apollo Server sees them: the document limits (depth, aliases, directives as
// validation rules; tokens as a parse option), the query cost refused before execution when over
// MAX_QUERY_COST, and `extensions.cost` on every response. The requested cost is kept on the
// request's context (`contextValue.cost`) for whatever spends it, e.g. a rate limit.
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type DocumentNode, type GraphQLFormattedError, type ValidationContext, type ValidationRule } from 'graphql';
import type { Config } from '../config';
import type { Context } from '../graph/context';
import { actualQueryCost, CostNotComputable, requestedQueryCost, type RequestCost } from './cost';

export type QueryLimits = Pick<Config, 'maxQueryDepth' | 'maxQueryAliases' | 'maxQueryTokens' | 'maxQueryDirectives' | 'maxQueryCost' | 'maxPageSize'>;

/** Which limit a refused document broke: its code, and what the client reads. */
function limitRule(
  code: string,
  what: string,
  maximum: number,
  build: (onReject: (ctx: ValidationContext | null, err: GraphQLError) => void) => ValidationRule,
): ValidationRule {
  return build((ctx, err) => {
    const found = /found (\d+)/.exec(err.message)?.[1];
    ctx?.reportError(
      new GraphQLError(`The query has ${found ? `${found} ${what}` : `too many ${what}`}; at most ${maximum} are allowed.`, {
        extensions: { limitCode: code, maximum, ...(found ? { found: Number(found) } : {}) },
      }),
    );
  });
}

/** graphql-armor's rules, reporting errors (instead of throwing) with the limit's own code. */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [
    limitRule('MAX_DEPTH_EXCEEDED', 'levels of nesting', limits.maxQueryDepth, (onReject) =>
      maxDepthRule({ n: limits.maxQueryDepth, flattenFragments: true, propagateOnRejection: false, onReject: [onReject] }),
    ),
    limitRule('MAX_ALIASES_EXCEEDED', 'aliases', limits.maxQueryAliases, (onReject) =>
      maxAliasesRule({ n: limits.maxQueryAliases, propagateOnRejection: false, onReject: [onReject] }),
    ),
    limitRule('MAX_DIRECTIVES_EXCEEDED', 'directives', limits.maxQueryDirectives, (onReject) =>
      maxDirectivesRule({ n: limits.maxQueryDirectives, propagateOnRejection: false, onReject: [onReject] }),
    ),
  ];
}

/** graphql-js stops parsing after this many tokens, before the document is built. */
export function queryParseOptions(limits: QueryLimits) {
  return { maxTokens: limits.maxQueryTokens };
}

/** Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED; a broken limit gets its own code. */
function withLimitCodes(errors: readonly GraphQLFormattedError[], limits: QueryLimits): GraphQLFormattedError[] {
  return errors.map((error) => {
    const extensions = error.extensions ?? {};
    if (typeof extensions.limitCode === 'string') {
      const { limitCode, ...rest } = extensions;
      return { ...error, extensions: { ...rest, code: limitCode } };
    }
    if (extensions.code === 'GRAPHQL_PARSE_FAILED' && /contains more th[ae]t? \d+ tokens/.test(error.message)) {
      return {
        message: `The query has more than ${limits.maxQueryTokens} tokens (names, punctuation, values); send a smaller query or pass values as variables.`,
        extensions: { ...extensions, code: 'MAX_TOKENS_EXCEEDED', maximum: limits.maxQueryTokens },
      };
    }
    return error;
  });
}

/** Longest list and deepest nesting accepted in a request's variables, whatever the argument. */
export const MAX_VARIABLE_LIST_ITEMS = 1000;
export const MAX_VARIABLE_DEPTH = 32;

/**
 * Where the variables hold a list longer than MAX_VARIABLE_LIST_ITEMS or nest deeper than
 * MAX_VARIABLE_DEPTH (e.g. `filter.any`), or null. Walked without recursion, before GraphQL
 * coerces them: coercing 70,000 search filters costs seconds of the event loop before any check.
 */
export function oversizedVariable(variables: Record<string, unknown> | undefined): { path: string; problem: string } | null {
  if (!variables) return null;
  const stack: Array<{ value: unknown; path: string; depth: number }> = Object.entries(variables).map(([name, value]) => ({ value, path: name, depth: 1 }));
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_VARIABLE_DEPTH) return { path, problem: `nests more than ${MAX_VARIABLE_DEPTH} levels deep` };
    if (Array.isArray(value)) {
      if (value.length > MAX_VARIABLE_LIST_ITEMS) return { path, problem: `holds ${value.length} items; a list holds at most ${MAX_VARIABLE_LIST_ITEMS}` };
      value.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
    } else {
      for (const [key, item] of Object.entries(value)) stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * Requested costs by document (Apollo hands the same parsed document to every request with the same
 * query text) and by operation name and variables: a list screen sends one query over and over.
 * Small variables only, and a bounded number of them per document.
 */
const costs = new WeakMap<DocumentNode, Map<string, number>>();
const MAX_COSTS_PER_DOCUMENT = 200;
const MAX_CACHED_VARIABLES_LENGTH = 2000;

function cachedCost(
  document: DocumentNode,
  key: { operationName: string | null; variables: Record<string, unknown>; maxPageSize: number },
  compute: () => number,
): number {
  const json = JSON.stringify(key.variables);
  if (json.length > MAX_CACHED_VARIABLES_LENGTH) return compute();
  const text = `${key.maxPageSize}\u0000${key.operationName ?? ''}\u0000${json}`;
  let byKey = costs.get(document);
  const known = byKey?.get(text);
  if (known !== undefined) return known;
  const cost = compute();
  if (!byKey) costs.set(document, (byKey = new Map()));
  if (byKey.size >= MAX_COSTS_PER_DOCUMENT) byKey.clear();
  byKey.set(text, cost);
  return cost;
}

/** The requested cost of this request, computed once and kept on its context. Null before an operation is resolved. */
export function requestCost(requestContext: GraphQLRequestContext<Context>, limits: Pick<QueryLimits, 'maxPageSize'>): RequestCost | null {
  const context = requestContext.contextValue;
  if (context.cost) return context.cost;
  const { document, operation } = requestContext;
  if (!document || !operation) return null;
  let requested: number;
  try {
    const variables = requestContext.request.variables ?? {};
    const compute = () =>
      requestedQueryCost({ schema: requestContext.schema, document, operationName: requestContext.operationName, variables, maxPageSize: limits.maxPageSize });
    // Queries are kept (a list screen's, sent over and over); a mutation's input may be large and is seldom repeated.
    requested =
      operation.operation === 'query'
        ? cachedCost(document, { operationName: requestContext.operationName ?? null, variables, maxPageSize: limits.maxPageSize }, compute)
        : compute();
  } catch (error) {
    // Variables that do not fit the query: execution refuses them before any resolver runs.
    if (error instanceof CostNotComputable) requested = 0;
    else throw error;
  }
  context.cost = { requested, actual: null };
  return context.cost;
}

export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const oversized = oversizedVariable(requestContext.request.variables);
          if (oversized) {
            requestContext.contextValue.cost = { requested: 0, actual: 0 };
            throw new GraphQLError(`Variable $${oversized.path} ${oversized.problem}.`, {
              extensions: { code: 'BAD_USER_INPUT', argument: oversized.path, http: { status: 400 } },
            });
          }
          const cost = requestCost(requestContext, limits);
          if (cost && cost.requested > limits.maxQueryCost) {
            cost.actual = 0;
            throw new GraphQLError(
              `The query would cost ${cost.requested} points; at most ${limits.maxQueryCost} are allowed per request. Ask for smaller pages (first/last) or fewer nested lists.`,
              { extensions: { code: 'MAX_COST_EXCEEDED', cost: cost.requested, maxCost: limits.maxQueryCost, http: { status: 400 } } },
            );
          }
        },
        async willSendResponse(requestContext) {
          const { response } = requestContext;
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.errors) result.errors = withLimitCodes(result.errors, limits);
          const context = requestContext.contextValue as Context | undefined;
          const cost = context?.cost;
          let requested = 0;
          let actual = 0;
          if (cost) {
            requested = cost.requested;
            if (cost.actual === null && requestContext.document && requestContext.operation) {
              cost.actual = actualQueryCost({
                schema: requestContext.schema,
                document: requestContext.document,
                operation: requestContext.operation,
                data: result.data,
              });
            }
            actual = cost.actual ?? 0;
          }
          const previous = (result.extensions?.cost ?? {}) as Record<string, unknown>;
          result.extensions = { ...result.extensions, cost: { ...previous, requestedQueryCost: requested, actualQueryCost: actual } };
        },
      };
    },
  };
}
