// The one check of custom field values (issue item 6), used by every create and update of leads,
// customers and contacts: each key must be an active field enabled for the record's kind, each value
// of the field's type, and (on create) every required field present.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { UserErrors, type UserError } from '../graph/user-errors';
import { customFieldDefinitions, type CustomFieldDefinitionRow, type CustomFieldEntity } from './tables';

export const TEXT_VALUE_MAX = 1000;

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date as `YYYY-MM-DD` (rejects 2026-02-30). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = datePattern.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** Why `value` is not a valid value of `definition`, or null when it is. */
export function valueProblem(definition: CustomFieldDefinitionRow, value: unknown): string | null {
  switch (definition.type) {
    case 'TEXT':
      if (typeof value !== 'string') return 'must be text';
      return value.length > TEXT_VALUE_MAX ? `must be at most ${TEXT_VALUE_MAX} characters` : null;
    case 'NUMBER':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'DATE':
      return isIsoDate(value) ? null : 'must be a date as YYYY-MM-DD';
    case 'BOOLEAN':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'SINGLE_SELECT':
      if (typeof value !== 'string') return 'must be one of the options, as text';
      return definition.options.includes(value) ? null : `must be one of: ${definition.options.join(', ')}`;
    case 'MULTI_SELECT': {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be a list of options';
      const unknown = value.filter((v) => !definition.options.includes(v));
      if (unknown.length > 0) return `${JSON.stringify(unknown[0])} is not one of: ${definition.options.join(', ')}`;
      return new Set(value).size === value.length ? null : 'must not repeat an option';
    }
  }
}

function isEmpty(value: unknown): boolean {
  return value == null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

/** The organisation's custom fields enabled for `entity` (active or not), keyed by key. */
export async function definitionsFor(db: Db, organisationId: string, entity: CustomFieldEntity): Promise<Map<string, CustomFieldDefinitionRow>> {
  const rows = await db
    .select()
    .from(customFieldDefinitions)
    .where(and(eq(customFieldDefinitions.organisationId, organisationId), sql`${entity} = any(${customFieldDefinitions.enabledFor})`));
  return new Map(rows.map((r) => [r.key, r]));
}

/**
 * Definitions read once per transaction and kind: a customer created with 20 contacts checks them
 * all against one read, not 20.
 */
const perTransaction = new WeakMap<Db, Map<string, Promise<Map<string, CustomFieldDefinitionRow>>>>();

function definitionsInTransaction(tx: Db, organisationId: string, entity: CustomFieldEntity) {
  let cache = perTransaction.get(tx);
  if (!cache) perTransaction.set(tx, (cache = new Map()));
  const key = `${organisationId}:${entity}`;
  let found = cache.get(key);
  if (!found) cache.set(key, (found = definitionsFor(tx, organisationId, entity)));
  return found;
}

/**
 * Checks custom field values for a lead, customer or contact, inside the caller's transaction, and
 * returns them. Throws user errors naming `[...fieldPath, key]`: INVALID for an unknown or inactive
 * key or a value of the wrong type, REQUIRED for a required field left out on create
 * (`requireAll`) or removed (null) on update. A null value means "remove" and is otherwise allowed.
 */
export async function validateCustomFields(
  tx: Db,
  organisationId: string,
  entity: CustomFieldEntity,
  values: Record<string, unknown>,
  fieldPath: (string | number)[],
  { requireAll }: { requireAll: boolean },
): Promise<Record<string, unknown>> {
  const keys = Object.keys(values);
  if (keys.length === 0 && !requireAll) return values;
  const definitions = await definitionsInTransaction(tx, organisationId, entity);
  const errors: UserError[] = [];
  const fail = (key: string, message: string, code: UserError['code']) =>
    errors.push({ field: [...fieldPath, key].map(String), message: `${key}: ${message}`, code });
  const entityName = entity.toLowerCase();
  for (const key of keys) {
    const definition = definitions.get(key);
    const value = values[key];
    if (!definition) fail(key, `is not a custom field of ${entityName}s.`, 'INVALID');
    else if (value === null) {
      if (definition.required && definition.active) fail(key, 'is required and cannot be removed.', 'REQUIRED');
    } else if (!definition.active) fail(key, 'this custom field has been deactivated and takes no new values.', 'INVALID');
    else if (definition.required && isEmpty(value)) fail(key, 'is required.', 'REQUIRED');
    else {
      const problem = valueProblem(definition, value);
      if (problem) fail(key, `${problem}.`, 'INVALID');
    }
  }
  if (requireAll) {
    for (const definition of definitions.values()) {
      if (definition.active && definition.required && !(definition.key in values)) fail(definition.key, 'is required.', 'REQUIRED');
    }
  }
  if (errors.length > 0) throw new UserErrors(errors);
  // On create a null has nothing to remove: leave it out rather than store it.
  return requireAll ? Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null)) : values;
}
