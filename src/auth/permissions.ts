// The map of who may do what: one graphql-shield rule tree over the whole schema, merged from every
// area's rules (src/<area>/rules.ts, an AreaRules each), which the composition root passes in. This
// module imports no area. Anything not named is denied (`fallbackRule: deny`), and
// test/auth/rule-tree.test.ts fails for any field without a rule, so a new field is unreachable, and
// the build red, until its area gives it one.
//
// Rules sit on root fields and on the few sensitive fields; which rows a viewer sees (owners,
// delegated access, a portal token's one customer) is filtered in the data layer
// (src/auth/visibility.ts), so lists never fetch what they would then hide.
import { defaultFieldResolver, getNamedType, GraphQLError, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddleware } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import type { AreaRules, FieldRules, ShieldRule } from './area-rules';
import { isAuthenticated } from './rules';

export type RuleTree = Record<string, ShieldRule | FieldRules>;

/** The root fields no area owns: a global id serves any type, and each type's visibility decides. */
const sharedRules: AreaRules = {
  Query: { node: isAuthenticated, nodes: isAuthenticated },
};

/** Shared types with nothing sensitive in them (graph/): a user error, an amount, a page's position, a preview's count of rows. */
const SHARED_HARMLESS = new Set(['PageInfo', 'Money', 'UserError', 'PreviewChange']);

/**
 * Pages, edges and mutation payloads: wrappers reached only through a field with its own rule (a
 * root field, or a list field such as `Customer.notes`), whose contents (the nodes) have theirs.
 */
const HARMLESS_SHAPE = /(Connection|Edge|Payload)$/;

function isFieldMap(value: unknown): value is FieldRules {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * The whole map: every area's rules, and `allow` for each harmless type of the schema (pages, edges,
 * payloads and the shared PageInfo/Money/UserError) that no area gave a rule. A type is declared by one
 * area (`types`); others add fields to it (`extend`); two rules for one field are an error.
 */
export function buildRuleTree(areaRules: readonly AreaRules[], schema: GraphQLSchema): RuleTree {
  const areas = [sharedRules, ...areaRules];
  const tree: RuleTree = { Query: {}, Mutation: {}, Subscription: {} };
  // Types first, so that an area may extend a type whatever the order of the list.
  for (const area of areas) {
    for (const [typeName, rules] of Object.entries(area.types ?? {})) {
      if (typeName in tree) throw new Error(`rule tree: ${typeName} is given rules twice`);
      tree[typeName] = isFieldMap(rules) ? { ...rules } : rules;
    }
  }
  const addFields = (typeName: string, fields: FieldRules) => {
    const existing = tree[typeName];
    if (existing === undefined) throw new Error(`rule tree: fields added to ${typeName}, which no area gives rules`);
    if (!isFieldMap(existing)) throw new Error(`rule tree: ${typeName} has one rule for the whole type; it cannot take field rules`);
    for (const field of Object.keys(fields)) {
      if (field in existing) throw new Error(`rule tree: ${typeName}.${field} has two rules`);
    }
    Object.assign(existing, fields);
  };
  for (const area of areas) {
    if (area.Query) addFields('Query', area.Query);
    if (area.Mutation) addFields('Mutation', area.Mutation);
    if (area.Subscription) addFields('Subscription', area.Subscription);
    for (const [typeName, fields] of Object.entries(area.extend ?? {})) addFields(typeName, fields);
  }
  for (const typeName of harmlessTypes(schema, tree)) tree[typeName] = allow;
  return tree;
}

/**
 * The schema's pages, edges and payloads (and the shared harmless types) that no area gave a rule,
 * and that are reached only through fields with a rule of their own (not a bare `allow`) or through
 * one another (a page's edges). One reached otherwise is left out: the rule-tree test then names it,
 * and its area gives it a rule.
 */
function harmlessTypes(schema: GraphQLSchema, tree: RuleTree): Set<string> {
  const objects = Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((t) => !t.name.startsWith('__'));
  const harmless = new Set(objects.filter((t) => !(t.name in tree) && (SHARED_HARMLESS.has(t.name) || HARMLESS_SHAPE.test(t.name))).map((t) => t.name));
  for (let changed = true; changed;) {
    changed = false;
    for (const parent of objects) {
      if (harmless.has(parent.name)) continue;
      for (const [fieldName, field] of Object.entries(parent.getFields())) {
        const target = getNamedType(field.type).name;
        if (!harmless.has(target) || SHARED_HARMLESS.has(target) || ruleFor(tree, parent.name, fieldName) !== allow) continue;
        harmless.delete(target);
        changed = true;
      }
    }
  }
  return harmless;
}

/** The rule that applies to a field: its own, its type's `*`, its type's single rule, or the fallback (deny). */
function ruleFor(tree: RuleTree, typeName: string, fieldName: string): unknown {
  const rules = tree[typeName];
  if (rules === undefined) return deny;
  if (!isFieldMap(rules)) return rules;
  return rules[fieldName] ?? rules['*'] ?? deny;
}

/** The shield over a rule tree: anything not named is denied. */
export function permissionsOf(tree: RuleTree) {
  return shield(tree as Parameters<typeof shield>[0], {
    fallbackRule: deny,
    // Without this, graphql-shield turns every error a resolver throws into "not authorised".
    allowExternalErrors: true,
    fallbackError: new GraphQLError('You are not allowed to do this.', { extensions: { code: 'FORBIDDEN' } }),
  });
}

/** A rule of `rule(name, { cache: 'contextual' })(fn)`: its answer depends on the request alone (the viewer). */
type ContextualRule = { cache: 'contextual'; func: (parent: unknown, args: unknown, ctx: unknown, info: unknown) => unknown };

function isContextualRule(rule: unknown): rule is ContextualRule {
  const candidate = rule as Partial<ContextualRule> & { rules?: unknown };
  return typeof candidate?.func === 'function' && candidate.cache === 'contextual' && candidate.rules === undefined;
}

type FieldMiddleware = (resolve: (...a: unknown[]) => unknown, parent: unknown, args: unknown, ctx: unknown, info: unknown) => unknown;

/** Per request (its context object): the contextual rules that said yes. */
const passedByRequest = new WeakMap<object, Set<ContextualRule>>();
/** Contextual rules whose function answered with a promise: always left to graphql-shield. */
const asyncRules = new WeakSet<ContextualRule>();

/**
 * A field under a contextual rule (isAuthenticated, a role check) is asked for once per item of a
 * list, and graphql-shield's wrapper is async: a promise per field per item, though the answer is
 * the same for the whole request. Here the rule's own function is asked once per request; while it
 * says yes, the field resolves at once, as graphql-shield would after the same yes. Any other answer
 * (no, an error, a message, a promise) goes to graphql-shield's wrapper, which decides and words the
 * refusal exactly as it always does. The field's resolver is wrapped directly, not through
 * graphql-middleware, whose wrapper makes a closure on every call (every field of every item).
 */
function contextualResolver(
  rule: ContextualRule,
  shielded: FieldMiddleware,
  resolve: GraphQLFieldResolver<unknown, unknown>,
): GraphQLFieldResolver<unknown, unknown> {
  const original = resolve as (parent: unknown, args: unknown, ctx: unknown, info: unknown) => unknown;
  return (parent, args, ctx, info) => {
    if (ctx !== null && typeof ctx === 'object' && !asyncRules.has(rule)) {
      let passed = passedByRequest.get(ctx);
      if (passed?.has(rule)) return original(parent, args, ctx, info);
      let answer: unknown;
      try {
        answer = rule.func(parent, args, ctx, info);
      } catch {
        answer = undefined;
      }
      if (answer === true) {
        if (!passed) passedByRequest.set(ctx, (passed = new Set()));
        passed.add(rule);
        return original(parent, args, ctx, info);
      }
      if (answer !== null && typeof (answer as Promise<unknown>)?.then === 'function') {
        asyncRules.add(rule);
        (answer as Promise<unknown>).then(undefined, () => undefined);
      }
    }
    return shielded(original, parent, args, ctx, info);
  };
}

/**
 * The schema with the rule tree around it. graphql-shield wraps every field it covers in an async
 * function; a field whose rule is `allow` would only pass through that wrapper, so it is left
 * unwrapped: the same decisions, without a promise per field of every item of every list. A field
 * under a contextual rule takes the fast path above once its rule has said yes in the request.
 */
export function authorise(schema: GraphQLSchema, areaRules: readonly AreaRules[]): GraphQLSchema {
  const tree = buildRuleTree(areaRules, schema);
  const permissions = permissionsOf(tree);
  const generated = (permissions as unknown as { generate(schema: GraphQLSchema): IMiddleware }).generate(schema) as Record<string, Record<string, unknown>>;
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  const needed: Record<string, Record<string, unknown>> = {};
  const direct: Array<{ typeName: string; fieldName: string; rule: ContextualRule; wrapper: FieldMiddleware }> = [];
  for (const [typeName, fields] of Object.entries(generated)) {
    for (const [fieldName, wrapper] of Object.entries(fields)) {
      const rule = ruleFor(tree, typeName, fieldName);
      if (rule === allow) continue;
      // Fields of records (not root fields, whose subscriptions graphql-middleware wraps its own way).
      if (isContextualRule(rule) && typeof wrapper === 'function' && !roots.has(typeName)) {
        direct.push({ typeName, fieldName, rule, wrapper: wrapper as FieldMiddleware });
      } else (needed[typeName] ??= {})[fieldName] = wrapper;
    }
  }
  const authorised = applyMiddleware(schema, needed as IMiddleware);
  for (const { typeName, fieldName, rule, wrapper } of direct) {
    const type = authorised.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (!field) throw new Error(`rule tree: ${typeName}.${fieldName} is not a field of the schema`);
    field.resolve = contextualResolver(rule, wrapper, field.resolve ?? defaultFieldResolver);
  }
  return authorised;
}
