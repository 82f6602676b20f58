// Custom field definitions (issue item 6): listing, defining, changing and deactivating the
// organisation's own fields. Values are checked against them in validate.ts.
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { givenFields, lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  CreateCustomFieldDefinitionInput,
  CustomFieldEntity,
  DeactivateCustomFieldDefinitionInput,
  UpdateCustomFieldDefinitionInput,
} from '../generated/graphql';
import { optionalText, requiredText } from '../graph/text';
import { userError, validate } from '../graph/user-errors';
import { customFieldDefinitions, customFieldEntities, customFieldTypes, type CustomFieldDefinitionRow } from './tables';

const option = z.string().trim().min(1, { message: 'an option must not be blank' }).max(100, { message: 'an option is at most 100 characters' });
const options = z
  .array(option)
  .max(100, { message: 'at most 100 options' })
  .refine((list) => new Set(list).size === list.length, { message: 'must not repeat an option' });
const enabledFor = z
  .array(z.enum(customFieldEntities))
  .min(1, { message: 'must name at least one of LEAD, CUSTOMER, CONTACT' })
  .transform((list) => [...new Set(list)]);

const createSchema = z.object({
  key: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,49}$/, { message: 'must be a lower-case letter, then lower-case letters, digits or underscores (at most 50)' }),
  label: requiredText(100),
  type: z.enum(customFieldTypes),
  options: options.nullish(),
  groupName: optionalText(100),
  position: z.number().int().nullish(),
  enabledFor,
  required: z.boolean().nullish(),
  promoted: z.boolean().nullish(),
});

const updateSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  label: requiredText(100).optional(),
  options: options.optional(),
  groupName: optionalText(100),
  position: z.number().int().optional(),
  enabledFor: enabledFor.optional(),
  required: z.boolean().optional(),
  promoted: z.boolean().optional(),
  active: z.boolean().optional(),
});

const isSelect = (type: string) => type === 'SINGLE_SELECT' || type === 'MULTI_SELECT';

/** Select fields need options; other types take none. */
function checkOptions(type: string, list: string[] | null | undefined, field: string[]): void {
  if (isSelect(type) && (!list || list.length === 0)) {
    throw userError(field, `options: a ${type} field needs at least one option.`, 'REQUIRED');
  }
  if (!isSelect(type) && list && list.length > 0) {
    throw userError(field, `options: only SINGLE_SELECT and MULTI_SELECT fields have options.`, 'INVALID');
  }
}

export function listCustomFieldDefinitions(
  db: Db,
  organisationId: string,
  entity: CustomFieldEntity | null | undefined,
  includeInactive: boolean,
): Promise<CustomFieldDefinitionRow[]> {
  const conditions: (SQL | undefined)[] = [eq(customFieldDefinitions.organisationId, organisationId)];
  if (entity) conditions.push(sql`${entity} = any(${customFieldDefinitions.enabledFor})`);
  if (!includeInactive) conditions.push(eq(customFieldDefinitions.active, true));
  return db
    .select()
    .from(customFieldDefinitions)
    .where(and(...conditions))
    .orderBy(
      sql`${customFieldDefinitions.groupName} asc nulls first`,
      asc(customFieldDefinitions.position),
      asc(customFieldDefinitions.label),
      asc(customFieldDefinitions.id),
    );
}

export async function createCustomFieldDefinition(
  db: Db,
  actor: Actor,
  input: CreateCustomFieldDefinitionInput,
): Promise<{ customFieldDefinition: CustomFieldDefinitionRow }> {
  const fields = validate(createSchema, input);
  checkOptions(fields.type, fields.options, ['input', 'options']);
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: customFieldDefinitions.id })
      .from(customFieldDefinitions)
      .where(and(eq(customFieldDefinitions.organisationId, actor.organisationId), eq(customFieldDefinitions.key, fields.key)));
    if (existing) throw userError(['input', 'key'], `key: the organisation already has a custom field ${JSON.stringify(fields.key)}.`, 'DUPLICATE');
    const [row] = await tx
      .insert(customFieldDefinitions)
      .values({
        organisationId: actor.organisationId,
        key: fields.key,
        label: fields.label,
        type: fields.type,
        options: fields.options ?? [],
        groupName: fields.groupName ?? null,
        position: fields.position ?? 0,
        enabledFor: fields.enabledFor,
        required: fields.required ?? false,
        promoted: fields.promoted ?? false,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'customFieldDefinition.create', entityType: 'CustomFieldDefinition', entityId: row!.id, after: row });
    return { customFieldDefinition: row! };
  });
}

export async function updateCustomFieldDefinition(
  db: Db,
  actor: Actor,
  id: string,
  input: UpdateCustomFieldDefinitionInput,
): Promise<{ customFieldDefinition: CustomFieldDefinitionRow }> {
  const { expectedVersion, ...rest } = validate(updateSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, customFieldDefinitions, actor, id, expectedVersion, 'custom field');
    if (rest.options !== undefined) checkOptions(before.type, rest.options, ['input', 'options']);
    const changes = givenFields(rest, ['label', 'options', 'groupName', 'position', 'enabledFor', 'required', 'promoted', 'active'] as const);
    const after = await writeUpdate(tx, customFieldDefinitions, before.id, changes);
    await recordAudit(tx, actor, { action: 'customFieldDefinition.update', entityType: 'CustomFieldDefinition', entityId: after.id, before, after });
    return { customFieldDefinition: after };
  });
}

export async function deactivateCustomFieldDefinition(
  db: Db,
  actor: Actor,
  id: string,
  input: DeactivateCustomFieldDefinitionInput,
): Promise<{ customFieldDefinition: CustomFieldDefinitionRow }> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, customFieldDefinitions, actor, id, expectedVersion, 'custom field');
    if (!before.active) return { customFieldDefinition: before };
    const after = await writeUpdate(tx, customFieldDefinitions, before.id, { active: false });
    await recordAudit(tx, actor, {
      action: 'customFieldDefinition.deactivate',
      entityType: 'CustomFieldDefinition',
      entityId: after.id,
      before: { active: true },
      after: { active: false },
    });
    return { customFieldDefinition: after };
  });
}
