// The customer search filter (docs/domain.md#search) compiled to ONE parameterised SQL condition: the
// basic parts (name, id, active, include departments) and nested `all`/`any`/`not` groups of field
// rules. Every value reaches PostgreSQL as a bound parameter, never as SQL text. The same code checks a
// filter given to `searchCustomers`, one being saved, and one read back from a saved search, so a
// problem is reported with its path (`all[1].not.rule.value`) whichever way it came in.
//
// Two-valued logic throughout: a rule on a missing value (no credit limit, no custom field value) is
// false, never NULL, so `not` of it is true, as people expect.
import { and, not, or, sql, type SQL } from 'drizzle-orm';
import type { CustomFieldDefinitionRow } from '../custom-fields/tables';
import { definitionsFor, isIsoDate } from '../custom-fields/validate';
import { containsPattern, escapeLike, nameContains } from '../customers/service';
import { customers, customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { uuidArray } from '../graph/connection';
import { parseGlobalId, type NodeType } from '../graph/ids';

export const MAX_DEPTH = 6;
export const MAX_RULES = 50;
/** Conditions of any kind (rules, and the basic parts name, id, active, includeDepartments) in one filter. */
export const MAX_CONDITIONS = 50;
/** Filter objects in one filter, empty ones included: bounds the work before any SQL is built. */
export const MAX_FILTERS = 200;
/** Longest text a filter compares with (a name, a rule's value, a custom field key). */
export const MAX_TEXT = 200;
const MAX_LIST = 100;

export type FilterPath = (string | number)[];

/** A filter that cannot run, with where in the filter the problem is. */
export class FilterProblem extends Error {
  constructor(
    readonly path: FilterPath,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** `['all', 1, 'not', 'rule', 'value']` under `filter` → `filter.all[1].not.rule.value`. */
export function formatPath(root: string, path: FilterPath): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : `${out}.${part}`), root);
}

const nodeKeys = new Set(['name', 'id', 'active', 'includeDepartments', 'all', 'any', 'not', 'rule']);
const ruleKeys = new Set(['field', 'customFieldKey', 'operator', 'value']);
const fields = ['NAME', 'STATUS', 'ACTIVE', 'TYPE', 'CREATED_AT', 'CREDIT_LIMIT', 'CUSTOM_FIELD'] as const;
type Field = (typeof fields)[number];

type Definitions = Map<string, CustomFieldDefinitionRow>;

const TRUE = sql`true`;
const FALSE = sql`false`;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Custom field rules anywhere in the filter (bounded by the depth limit, checked again later). */
function usesCustomFields(node: unknown, depth = 1): boolean {
  if (!isObject(node) || depth > MAX_DEPTH) return false;
  if (isObject(node.rule) && node.rule.field === 'CUSTOM_FIELD') return true;
  const children = [...(Array.isArray(node.all) ? node.all : []), ...(Array.isArray(node.any) ? node.any : []), node.not];
  return children.some((child) => usesCustomFields(child, depth + 1));
}

/**
 * The SQL condition for `filter` over `customers`, or undefined for "every customer". Throws a
 * FilterProblem for a filter that is malformed, too deep, has too many rules, names an unknown field
 * or gives a value of the wrong kind. Reads the organisation's custom fields only when a rule uses one.
 */
export async function compileCustomerFilter(db: Db, organisationId: string, filter: unknown): Promise<SQL | undefined> {
  if (filter == null) return undefined;
  const definitions: Definitions = usesCustomFields(filter) ? await definitionsFor(db, organisationId, 'CUSTOMER') : new Map();
  const compiler = new Compiler(definitions);
  const condition = compiler.node(filter, [], 1);
  return condition === TRUE ? undefined : condition;
}

class Compiler {
  private rules = 0;
  private conditions = 0;
  private filters = 0;

  /** Counts one more basic part or rule; too many make a statement PostgreSQL cannot even plan. */
  private condition(path: FilterPath): void {
    this.conditions += 1;
    if (this.conditions > MAX_CONDITIONS)
      throw new FilterProblem(path, `a filter has at most ${MAX_CONDITIONS} conditions (rules and name, id, active or includeDepartments parts).`);
  }

  constructor(private readonly definitions: Definitions) {}

  node(node: unknown, path: FilterPath, depth: number): SQL {
    if (depth > MAX_DEPTH) throw new FilterProblem(path, `filters nest at most ${MAX_DEPTH} levels deep.`);
    if (!isObject(node)) throw new FilterProblem(path, 'must be a filter object.');
    this.filters += 1;
    if (this.filters > MAX_FILTERS) throw new FilterProblem(path, `a filter holds at most ${MAX_FILTERS} nested filters.`);
    for (const key of Object.keys(node)) if (!nodeKeys.has(key)) throw new FilterProblem([...path, key], 'is not a part of a customer filter.');
    const parts: SQL[] = [];
    const { name, id, active, includeDepartments } = node;
    if (name != null) {
      if (typeof name !== 'string') throw new FilterProblem([...path, 'name'], 'must be text.');
      checkLength(name, [...path, 'name']);
      this.condition([...path, 'name']);
      if (name.trim() !== '') parts.push(sql`lower(${customers.name}) like ${containsPattern(name.trim().toLowerCase())}`);
    }
    if (id != null) this.condition([...path, 'id']);
    if (active != null && active !== 'ANY') this.condition([...path, 'active']);
    if (includeDepartments === false) this.condition([...path, 'includeDepartments']);
    if (id != null) parts.push(sql`${customers.id} = ${this.globalId(id, 'Customer', [...path, 'id'])}::uuid`);
    if (active != null && active !== 'ANY') {
      if (active !== 'YES' && active !== 'NO') throw new FilterProblem([...path, 'active'], 'must be YES, NO or ANY.');
      parts.push(statusActive(active === 'YES'));
    }
    if (includeDepartments != null) {
      if (typeof includeDepartments !== 'boolean') throw new FilterProblem([...path, 'includeDepartments'], 'must be true or false.');
      if (!includeDepartments) parts.push(sql`${customers.parentCustomerId} is null`);
    }
    for (const group of ['all', 'any'] as const) {
      const list = node[group];
      if (list == null) continue;
      if (!Array.isArray(list)) throw new FilterProblem([...path, group], 'must be a list of filters.');
      if (list.length > MAX_FILTERS) throw new FilterProblem([...path, group], `holds at most ${MAX_FILTERS} filters (got ${list.length}).`);
      const children = list.map((child, i) => this.node(child, [...path, group, i], depth + 1));
      if (group === 'all') parts.push(children.length === 0 ? TRUE : and(...children)!);
      else parts.push(children.length === 0 ? FALSE : or(...children)!);
    }
    if (node.not != null) parts.push(not(this.node(node.not, [...path, 'not'], depth + 1)));
    if (node.rule != null) parts.push(this.rule(node.rule, [...path, 'rule']));
    const meaningful = parts.filter((p) => p !== TRUE);
    if (meaningful.length === 0) return TRUE;
    return meaningful.length === 1 ? sql`(${meaningful[0]})` : and(...meaningful)!;
  }

  private rule(rule: unknown, path: FilterPath): SQL {
    this.rules += 1;
    if (this.rules > MAX_RULES) throw new FilterProblem(path, `a filter has at most ${MAX_RULES} rules.`);
    this.condition(path);
    if (!isObject(rule)) throw new FilterProblem(path, 'must be a rule object.');
    if (typeof rule.customFieldKey === 'string') checkLength(rule.customFieldKey, [...path, 'customFieldKey']);
    if (typeof rule.value === 'string') checkLength(rule.value, [...path, 'value']);
    if (Array.isArray(rule.value)) rule.value.forEach((v, i) => typeof v === 'string' && checkLength(v, [...path, 'value', i]));
    for (const key of Object.keys(rule)) if (!ruleKeys.has(key)) throw new FilterProblem([...path, key], 'is not a part of a rule.');
    const field = rule.field as Field;
    if (!(fields as readonly unknown[]).includes(field))
      throw new FilterProblem([...path, 'field'], `${JSON.stringify(rule.field)} is not a field customers can be searched by (${fields.join(', ')}).`);
    if (field !== 'CUSTOM_FIELD' && rule.customFieldKey != null) {
      throw new FilterProblem([...path, 'customFieldKey'], 'is only for rules with field CUSTOM_FIELD.');
    }
    const operator = rule.operator;
    const value = rule.value;
    const at = (part: string): FilterPath => [...path, part];
    const refuseOperator = (allowed: string[], what = field): never => {
      throw new FilterProblem(at('operator'), `${JSON.stringify(operator)} does not apply to ${what}; use ${allowed.join(' or ')}.`);
    };
    const expect = <T>(ok: (v: unknown) => v is T, kind: string): T => {
      if (!ok(value)) throw new FilterProblem(at('value'), `must be ${kind} for ${field} ${String(operator)}.`);
      return value;
    };
    const noValue = () => {
      if (value != null) throw new FilterProblem(at('value'), `takes no value with ${String(operator)}.`);
    };
    let condition: SQL;
    // Whether the condition can be NULL (a nullable column, a custom field that is absent): only then
    // is it wrapped in coalesce(…, false), which would hide it from an index (the name's trigram index).
    let nullable = true;
    switch (field) {
      case 'NAME': {
        nullable = false; // name is NOT NULL
        const text = expect(isText, 'non-blank text').trim().toLowerCase();
        const nameLower = sql`lower(${customers.name})`;
        if (operator === 'CONTAINS') condition = nameContains(text);
        else if (operator === 'STARTS_WITH') condition = sql`${nameLower} like ${`${escapeLike(text)}%`}`;
        else if (operator === 'EQUALS') condition = sql`${nameLower} = ${text}`;
        else return refuseOperator(['CONTAINS', 'EQUALS', 'STARTS_WITH']);
        break;
      }
      case 'STATUS':
        if (operator === 'EQUALS') condition = sql`${customers.statusId} = ${this.globalId(value, 'CustomerStatus', at('value'))}::uuid`;
        else if (operator === 'IN') {
          const list = expect(isNonEmptyList, `a list of 1 to ${MAX_LIST} CustomerStatus IDs`);
          condition = sql`${customers.statusId} = any(${uuidArray(list.map((v, i) => this.globalId(v, 'CustomerStatus', [...at('value'), i])))})`;
        } else return refuseOperator(['EQUALS', 'IN']);
        break;
      case 'ACTIVE':
        if (operator !== 'IS_TRUE' && operator !== 'IS_FALSE') return refuseOperator(['IS_TRUE', 'IS_FALSE']);
        noValue();
        condition = statusActive(operator === 'IS_TRUE');
        break;
      case 'TYPE':
        if (operator !== 'EQUALS') return refuseOperator(['EQUALS']);
        condition = sql`${customers.typeId} = ${this.globalId(value, 'CustomerType', at('value'))}::uuid`;
        break;
      case 'CREATED_AT': {
        if (operator !== 'AFTER' && operator !== 'BEFORE') return refuseOperator(['AFTER', 'BEFORE']);
        const when = expect(isInstant, 'a DateTime or a date as YYYY-MM-DD');
        const iso = new Date(when).toISOString();
        condition = operator === 'AFTER' ? sql`${customers.createdAt} > ${iso}::timestamptz` : sql`${customers.createdAt} < ${iso}::timestamptz`;
        break;
      }
      case 'CREDIT_LIMIT': {
        if (operator !== 'GREATER_THAN' && operator !== 'LESS_THAN') return refuseOperator(['GREATER_THAN', 'LESS_THAN']);
        const amount = expect(Number.isSafeInteger as (v: unknown) => v is number, 'a whole number of minor units');
        const op = sql.raw(operator === 'GREATER_THAN' ? '>' : '<');
        condition = sql`${customers.creditLimitMinor} ${op} ${amount}::bigint`;
        break;
      }
      case 'CUSTOM_FIELD':
        condition = this.customFieldRule(rule, path);
        break;
    }
    // A missing value makes the comparison NULL; count that as "does not match".
    return nullable ? sql`coalesce(${condition}, false)` : condition;
  }

  private customFieldRule(rule: Record<string, unknown>, path: FilterPath): SQL {
    const at = (part: string): FilterPath => [...path, part];
    const key = rule.customFieldKey;
    if (typeof key !== 'string' || key === '')
      throw new FilterProblem(at('customFieldKey'), 'names the custom field to test; it is required with CUSTOM_FIELD.');
    const definition = this.definitions.get(key);
    if (!definition) throw new FilterProblem(at('customFieldKey'), `${JSON.stringify(key)} is not a custom field of customers.`);
    const { operator, value } = rule;
    const allowed: Record<CustomFieldDefinitionRow['type'], string[]> = {
      TEXT: ['EQUALS', 'CONTAINS'],
      NUMBER: ['EQUALS', 'GREATER_THAN', 'LESS_THAN'],
      DATE: ['EQUALS', 'GREATER_THAN', 'LESS_THAN'],
      BOOLEAN: ['EQUALS', 'IS_TRUE', 'IS_FALSE'],
      SINGLE_SELECT: ['EQUALS', 'IN'],
      MULTI_SELECT: ['CONTAINS'],
    };
    if (!allowed[definition.type].includes(operator as string)) {
      throw new FilterProblem(
        at('operator'),
        `${JSON.stringify(operator)} does not apply to ${definition.type} custom fields; use ${allowed[definition.type].join(' or ')}.`,
      );
    }
    const wrong = (kind: string): never => {
      throw new FilterProblem(at('value'), `must be ${kind} for the ${definition.type} custom field ${JSON.stringify(key)}.`);
    };
    const json = sql`(${customers.customFields} -> ${key}::text)`;
    const text = sql`(${customers.customFields} ->> ${key}::text)`;
    const compare = sql.raw(operator === 'GREATER_THAN' ? '>' : operator === 'LESS_THAN' ? '<' : '=');
    switch (definition.type) {
      case 'TEXT': {
        if (!isText(value)) return wrong('non-blank text');
        const lowered = value.trim().toLowerCase();
        return operator === 'CONTAINS' ? sql`lower(${text}) like ${containsPattern(lowered)}` : sql`lower(${text}) = ${lowered}`;
      }
      case 'NUMBER':
        if (typeof value !== 'number' || !Number.isFinite(value)) return wrong('a number');
        return sql`(case when jsonb_typeof(${json}) = 'number' then ${text}::numeric end) ${compare} ${String(value)}::numeric`;
      case 'DATE':
        if (!isIsoDate(value)) return wrong('a date as YYYY-MM-DD');
        return sql`(case when jsonb_typeof(${json}) = 'string' then ${text} end) collate "C" ${compare} ${value}::text`;
      case 'BOOLEAN': {
        if (operator === 'EQUALS' && typeof value !== 'boolean') return wrong('true or false');
        if (operator !== 'EQUALS' && value != null) throw new FilterProblem(at('value'), `takes no value with ${String(operator)}.`);
        const wanted = operator === 'EQUALS' ? (value as boolean) : operator === 'IS_TRUE';
        return sql`${json} = ${JSON.stringify(wanted)}::jsonb`;
      }
      case 'SINGLE_SELECT':
        if (operator === 'IN') {
          if (!isNonEmptyList(value) || !value.every(isText)) return wrong(`a list of 1 to ${MAX_LIST} options`);
          return sql`${text} in (select jsonb_array_elements_text(${JSON.stringify(value)}::jsonb))`;
        }
        if (!isText(value)) return wrong('an option');
        return sql`${text} = ${value}::text`;
      case 'MULTI_SELECT':
        if (!isText(value)) return wrong('an option');
        return sql`${json} @> ${JSON.stringify([value])}::jsonb`;
    }
  }

  private globalId(value: unknown, type: NodeType, path: FilterPath): string {
    const parsed = typeof value === 'string' ? parseGlobalId(value) : null;
    if (!parsed || parsed.type !== type) throw new FilterProblem(path, `must be a ${type} ID.`);
    return parsed.id;
  }
}

function checkLength(text: string, path: FilterPath): void {
  if (text.length > MAX_TEXT) throw new FilterProblem(path, `is at most ${MAX_TEXT} characters long (got ${text.length}).`);
}

function statusActive(active: boolean): SQL {
  return sql`exists (select 1 from ${customerStatuses} where ${customerStatuses.id} = ${customers.statusId} and ${customerStatuses.active} = ${active})`;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isNonEmptyList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && value.length <= MAX_LIST;
}

function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (isIsoDate(value)) return true;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}
