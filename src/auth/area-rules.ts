// How an area contributes to the rule tree: its root fields and its types, in its own `rules.ts`,
// merged into the one tree in permissions.ts. The tree stays one map; areas do not edit each other.
import type { allow, or, rule } from 'graphql-shield';

/** A graphql-shield rule (a rule, `allow`/`deny`, or `and`/`or`/… of rules). */
export type ShieldRule = typeof allow | ReturnType<typeof or> | ReturnType<ReturnType<typeof rule>>;

export type FieldRules = Record<string, ShieldRule>;

export type AreaRules = {
  Query?: FieldRules;
  Mutation?: FieldRules;
  Subscription?: FieldRules;
  /** The area's own types: one rule for every field, or a map of field rules (with `*` for the rest). */
  types?: Record<string, ShieldRule | FieldRules>;
  /** Fields the area adds to types another area owns (e.g. `Customer.branches`). */
  extend?: Record<string, FieldRules>;
};
