// Service reminders (docs/domain.md#service-reminders): the organisation's reminder types, and the reminders at work addresses.
// Types: names unique per organisation ignoring case (checked first, and by the unique index when two
// people race), intervals of 1 to 120 months, archived rather than deleted. Reminders: at a work
// address the actor may see and that is active (a dormant property gets no new reminders), for an
// asset at that same work address if any, of a type that is not archived; the interval defaults to
// the type's. Every change is audited.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { assets } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { onUniqueViolation } from '../db/unique';
import { duplicateName, refuseDuplicateName } from '../db/unique-name';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  CreateServiceReminderInput,
  CreateServiceReminderTypeInput,
  DeleteServiceReminderInput,
  UpdateServiceReminderInput,
  UpdateServiceReminderTypeInput,
} from '../generated/graphql';
import { NAME_MAX, optionalText, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { workAddresses } from '../work-addresses/tables';

import { serviceReminders, serviceReminderTypes, type ServiceReminderRow, type ServiceReminderTypeRow } from './tables';

/** What the duplicate-name error calls a row of this table. */
const WHAT = 'a service reminder type';

export const MAX_INTERVAL_MONTHS = 120;

const intervalMonths = z
  .number()
  .int({ message: 'must be a whole number of months' })
  .min(1, { message: `must be from 1 to ${MAX_INTERVAL_MONTHS} months` })
  .max(MAX_INTERVAL_MONTHS, { message: `must be from 1 to ${MAX_INTERVAL_MONTHS} months` });
const expectedVersion = z.number().int().nullish();
const NOTES_MAX = 2000;

const newTypeSchema = z.object({ name: requiredText(NAME_MAX), defaultIntervalMonths: intervalMonths });
const typeChangesSchema = z.object({
  expectedVersion,
  name: requiredText(NAME_MAX).optional(),
  defaultIntervalMonths: intervalMonths.optional(),
  archived: z.boolean({ message: 'must be true or false' }).optional(),
});
const newReminderSchema = z.object({ intervalMonths: intervalMonths.nullish(), notes: optionalText(NOTES_MAX) });
const reminderChangesSchema = z.object({
  expectedVersion,
  dueDate: z.string({ message: 'must be a date' }).optional(),
  intervalMonths: intervalMonths.optional(),
  notes: optionalText(NOTES_MAX),
});

// --- Reminder types ---

const TYPE_NAME_KEY = 'service_reminder_types_name_key';

export async function createServiceReminderType(
  db: Db,
  actor: Actor,
  input: CreateServiceReminderTypeInput,
): Promise<{ serviceReminderType: ServiceReminderTypeRow }> {
  const fields = validate(newTypeSchema, input);
  return onUniqueViolation(
    TYPE_NAME_KEY,
    () => duplicateName(WHAT, fields.name),
    () =>
      db.transaction(async (tx) => {
        await refuseDuplicateName(tx, serviceReminderTypes, actor.organisationId, fields.name, null, WHAT);
        const [row] = await tx
          .insert(serviceReminderTypes)
          .values({ organisationId: actor.organisationId, ...fields })
          .returning();
        await recordAudit(tx, actor, { action: 'serviceReminderType.create', entityType: 'ServiceReminderType', entityId: row!.id, after: row });
        return { serviceReminderType: row! };
      }),
  );
}

export async function updateServiceReminderType(
  db: Db,
  actor: Actor,
  typeId: string,
  input: UpdateServiceReminderTypeInput,
): Promise<{ serviceReminderType: ServiceReminderTypeRow }> {
  const { id: _id, ...rest } = input;
  void _id;
  // Null for a field that cannot be cleared is refused by the schema (only omission keeps a value).
  const { expectedVersion: version, ...changes } = validate(typeChangesSchema, rest);
  const name = changes.name;
  return onUniqueViolation(
    TYPE_NAME_KEY,
    () => duplicateName(WHAT, name ?? ''),
    () =>
      db.transaction(async (tx) => {
        const before = await lockForUpdate(tx, serviceReminderTypes, actor, typeId, version, 'service reminder type');
        if (name !== undefined) await refuseDuplicateName(tx, serviceReminderTypes, actor.organisationId, name, before.id, WHAT);
        const after = await writeUpdate(tx, serviceReminderTypes, before.id, changes);
        await recordAudit(tx, actor, { action: 'serviceReminderType.update', entityType: 'ServiceReminderType', entityId: after.id, before, after });
        return { serviceReminderType: after };
      }),
  );
}

// --- Reminders ---

/** The type, in the actor's organisation, not archived; user errors naming `field` otherwise. */
async function usableType(tx: Db, actor: Actor, globalId: string, field: string[]): Promise<ServiceReminderTypeRow> {
  const { id } = inputId(globalId, ['ServiceReminderType'], field);
  const [type] = await tx
    .select()
    .from(serviceReminderTypes)
    .where(and(eq(serviceReminderTypes.id, id), eq(serviceReminderTypes.organisationId, actor.organisationId)));
  if (!type) throw notFound(field, 'service reminder type');
  if (type.archived) throw userError(field, `${field[field.length - 1]}: the type ${JSON.stringify(type.name)} is archived; choose another.`, 'INVALID_STATE');
  return type;
}

/** The asset, visible to the actor and at `workAddressId`; user errors naming `field` otherwise. */
async function assetAt(tx: Db, actor: Actor, globalId: string, workAddressId: string, field: string[]): Promise<string> {
  const { id } = inputId(globalId, ['Asset'], field);
  const [asset] = await tx
    .select({ id: assets.id, workAddressId: assets.workAddressId })
    .from(assets)
    .where(and(eq(assets.id, id), eq(assets.organisationId, actor.organisationId), actor.visibility?.rows(assets)));
  if (!asset) throw notFound(field, 'asset');
  if (asset.workAddressId !== workAddressId) {
    throw userError(field, `${field[field.length - 1]}: the asset is not at this work address; choose one of its assets.`, 'INVALID');
  }
  return asset.id;
}

export async function createServiceReminder(db: Db, actor: Actor, input: CreateServiceReminderInput): Promise<{ serviceReminder: ServiceReminderRow }> {
  const fields = validate(newReminderSchema, { intervalMonths: input.intervalMonths, notes: input.notes });
  const workAddressId = inputId(input.workAddressId, ['WorkAddress'], ['input', 'workAddressId']).id;
  return db.transaction(async (tx) => {
    // Locked so that the work address cannot turn dormant (or move) under the new reminder.
    const [address] = await tx
      .select({ id: workAddresses.id, customerId: workAddresses.customerId, status: workAddresses.status })
      .from(workAddresses)
      .where(and(eq(workAddresses.id, workAddressId), eq(workAddresses.organisationId, actor.organisationId), actor.visibility?.rows(workAddresses)))
      .for('share');
    if (!address) throw notFound(['input', 'workAddressId'], 'work address');
    if (address.status === 'DORMANT') {
      throw userError(
        ['input', 'workAddressId'],
        'workAddressId: the work address is dormant and gets no service reminders; make it active first.',
        'INVALID_STATE',
      );
    }
    const type = await usableType(tx, actor, input.typeId, ['input', 'typeId']);
    const assetId = input.assetId ? await assetAt(tx, actor, input.assetId, address.id, ['input', 'assetId']) : null;
    const [row] = await tx
      .insert(serviceReminders)
      .values({
        organisationId: actor.organisationId,
        customerId: address.customerId,
        workAddressId: address.id,
        assetId,
        typeId: type.id,
        dueDate: input.dueDate,
        intervalMonths: fields.intervalMonths ?? type.defaultIntervalMonths,
        notes: fields.notes ?? null,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'serviceReminder.create', entityType: 'ServiceReminder', entityId: row!.id, after: row });
    return { serviceReminder: row! };
  });
}

export async function updateServiceReminder(
  db: Db,
  actor: Actor,
  reminderId: string,
  input: UpdateServiceReminderInput,
): Promise<{ serviceReminder: ServiceReminderRow }> {
  const { expectedVersion: version, ...fields } = validate(reminderChangesSchema, {
    expectedVersion: input.expectedVersion,
    dueDate: input.dueDate,
    intervalMonths: input.intervalMonths,
    notes: input.notes,
  });
  const typeGlobalId = input.typeId;
  if (typeGlobalId === null) throw userError(['input', 'typeId'], 'typeId: a reminder needs a type.', 'REQUIRED');
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, serviceReminders, actor, reminderId, version, 'service reminder');
    const changes: Partial<Pick<ServiceReminderRow, 'assetId' | 'typeId' | 'dueDate' | 'intervalMonths' | 'notes'>> = {};
    if (fields.dueDate !== undefined) changes.dueDate = fields.dueDate;
    if (fields.intervalMonths !== undefined) changes.intervalMonths = fields.intervalMonths;
    if (fields.notes !== undefined) changes.notes = fields.notes;
    if (typeGlobalId !== undefined) {
      const { id } = inputId(typeGlobalId, ['ServiceReminderType'], ['input', 'typeId']);
      // Keeping the current type is fine even once it is archived; choosing one is not.
      changes.typeId = id === before.typeId ? id : (await usableType(tx, actor, typeGlobalId, ['input', 'typeId'])).id;
    }
    if (input.assetId !== undefined) {
      changes.assetId = input.assetId === null ? null : await assetAt(tx, actor, input.assetId, before.workAddressId, ['input', 'assetId']);
    }
    const after = await writeUpdate(tx, serviceReminders, before.id, changes);
    await recordAudit(tx, actor, { action: 'serviceReminder.update', entityType: 'ServiceReminder', entityId: after.id, before, after });
    return { serviceReminder: after };
  });
}

export async function deleteServiceReminder(
  db: Db,
  actor: Actor,
  reminderId: string,
  input: DeleteServiceReminderInput,
): Promise<{ deletedServiceReminderId: string }> {
  const { expectedVersion: version } = validate(z.object({ expectedVersion }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, serviceReminders, actor, reminderId, version, 'service reminder');
    await tx.delete(serviceReminders).where(eq(serviceReminders.id, before.id));
    await recordAudit(tx, actor, { action: 'serviceReminder.delete', entityType: 'ServiceReminder', entityId: before.id, before });
    return { deletedServiceReminderId: before.id };
  });
}
