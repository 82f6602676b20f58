// Activity on leads and customers (docs/domain.md#activity) and their expiries
// (docs/domain.md#expiries): validation, the checks that tie a row to its record (work address,
// contact, assignee in the same organisation and record), and the writes, each in one transaction with
// its audit entry.
import { and, eq } from 'drizzle-orm';
import type SanitizeHtml from 'sanitize-html';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { refuseConvertedLead } from '../contacts/service';
import { contacts } from '../contacts/tables';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  CompleteTaskInput,
  CreateExpiryInput,
  CreateNoteInput,
  CreateTaskInput,
  LogCommunicationInput,
  UpdateExpiryInput,
  UpdateNoteInput,
  UpdateTaskInput,
} from '../generated/graphql';
import { isoDate, NAME_MAX, optionalText, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { lazyModule } from '../lazy-module';
import { opportunities } from '../pipeline/tables';
import { resolveRecordOwner, type RecordOwner } from '../records/owner';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';
import { communications, expiries, notes, tasks, type CommunicationRow, type ExpiryRow, type NoteRow, type TaskRow } from './tables';

type Field = (string | number)[];

// ---------------------------------------------------------------------------------------------
// Shared checks

/** Owner columns for a new row. */
function ownerColumns(owner: RecordOwner) {
  return { customerId: owner.kind === 'customer' ? owner.id : null, leadId: owner.kind === 'lead' ? owner.id : null };
}

function ownerOf(row: { customerId: string | null; leadId: string | null }): RecordOwner {
  return row.customerId ? { kind: 'customer', id: row.customerId } : { kind: 'lead', id: row.leadId! };
}

/** A work address of the record's customer; leads have none. */
async function workAddressOf(tx: Db, actor: Actor, owner: RecordOwner, globalId: string, field: Field): Promise<string> {
  const { id } = inputId(globalId, ['WorkAddress'], field);
  if (owner.kind !== 'customer') throw userError(field, `${field[field.length - 1]}: only a customer's notes and tasks can name a work address.`, 'INVALID');
  const [row] = await tx
    .select({ id: workAddresses.id, customerId: workAddresses.customerId })
    .from(workAddresses)
    .where(and(eq(workAddresses.id, id), eq(workAddresses.organisationId, actor.organisationId)));
  if (!row) throw notFound(field, 'work address');
  if (row.customerId !== owner.id) throw userError(field, `${field[field.length - 1]}: the work address belongs to another customer.`, 'INVALID');
  return row.id;
}

/**
 * The opportunity an appointment is about (docs/domain.md#renewals-and-upgrades): of the same lead
 * or customer, and only for an appointment.
 */
async function opportunityOf(tx: Db, actor: Actor, owner: RecordOwner, type: TaskRow['type'], globalId: string, field: Field): Promise<string> {
  const { id } = inputId(globalId, ['Opportunity'], field);
  if (type !== 'APPOINTMENT') throw userError(field, `${field[field.length - 1]}: only an appointment can be linked to an opportunity.`, 'INVALID');
  const [row] = await tx
    .select({ id: opportunities.id, customerId: opportunities.customerId, leadId: opportunities.leadId })
    .from(opportunities)
    .where(and(eq(opportunities.id, id), eq(opportunities.organisationId, actor.organisationId)));
  if (!row) throw notFound(field, 'opportunity');
  if ((owner.kind === 'customer' ? row.customerId : row.leadId) !== owner.id) {
    throw userError(field, `${field[field.length - 1]}: the opportunity belongs to another lead or customer.`, 'INVALID');
  }
  return row.id;
}

/** An active user of the actor's organisation (an assignee). */
export async function userOf(tx: Db, actor: Actor, globalId: string, field: Field): Promise<string> {
  const { id } = inputId(globalId, ['User'], field);
  const [row] = await tx
    .select({ id: users.id, deactivatedAt: users.deactivatedAt })
    .from(users)
    .where(and(eq(users.id, id), eq(users.organisationId, actor.organisationId)));
  if (!row) throw notFound(field, 'user');
  if (row.deactivatedAt) throw userError(field, `${field[field.length - 1]}: this user has been deactivated.`, 'INVALID_STATE');
  return row.id;
}

/** A contact of the same lead or customer. */
async function contactOf(tx: Db, actor: Actor, owner: RecordOwner, globalId: string, field: Field): Promise<string> {
  const { id } = inputId(globalId, ['Contact'], field);
  const [row] = await tx
    .select({ id: contacts.id, customerId: contacts.customerId, leadId: contacts.leadId })
    .from(contacts)
    .where(and(eq(contacts.id, id), eq(contacts.organisationId, actor.organisationId)));
  if (!row) throw notFound(field, 'contact');
  const ownerId = owner.kind === 'customer' ? row.customerId : row.leadId;
  if (ownerId !== owner.id) throw userError(field, `${field[field.length - 1]}: the contact belongs to another ${owner.kind}.`, 'INVALID');
  return row.id;
}

const notInFuture = (what: string) => z.date().refine((d) => d.getTime() <= Date.now() + 60_000, { message: `${what} cannot be in the future` });

// ---------------------------------------------------------------------------------------------
// Notes

/**
 * Basic formatting and links only. Everything else is removed: `<script>` and `<style>` with their
 * content, other tags leaving their text, every attribute but a link's `href`, and links whose
 * scheme is not http, https or mailto (so `javascript:` and `data:` links lose their href).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sanitizeHtml = lazyModule(() => require('sanitize-html') as typeof SanitizeHtml);

const noteHtml: SanitizeHtml.IOptions = {
  allowedTags: ['b', 'i', 'em', 'strong', 'u', 'p', 'br', 'ul', 'ol', 'li', 'a'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
};

export function sanitizeNoteBody(html: string): string {
  return sanitizeHtml()(html, noteHtml).trim();
}

export const NOTE_BODY_MAX = 20_000;

const noteBody = z
  .string()
  .max(NOTE_BODY_MAX, { message: `must be at most ${NOTE_BODY_MAX} characters` })
  .transform((html, ctx) => {
    const clean = sanitizeNoteBody(html);
    if (sanitizeHtml()(clean, { allowedTags: [], allowedAttributes: {} }).trim() === '') {
      ctx.addIssue({ code: 'too_small', origin: 'string', minimum: 1, inclusive: true, message: 'must not be blank (after unsafe markup is removed)' });
      return z.NEVER;
    }
    return clean;
  });

const actionCode = optionalText(20);

const createNoteSchema = z.object({
  body: noteBody,
  important: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  doNotWorkWithAgain: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  actionCode,
});

const updateNoteSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  body: noteBody.optional(),
  important: z.boolean().optional(),
  doNotWorkWithAgain: z.boolean().optional(),
  actionCode,
});

function refuseNull(input: object, keys: string[]): void {
  for (const key of keys) {
    if ((input as Record<string, unknown>)[key] === null) throw userError(['input', key], `${key}: cannot be cleared.`, 'REQUIRED');
  }
}

export async function createNote(db: Db, actor: Actor, input: CreateNoteInput): Promise<{ note: NoteRow }> {
  const fields = validate(createNoteSchema, input);
  return db.transaction(async (tx) => {
    // Notes are the one thing a converted lead still takes (docs/domain.md#converted-leads).
    const owner = await resolveRecordOwner(tx, actor, input.ownerId, ['input', 'ownerId']);
    const workAddressId = input.workAddressId ? await workAddressOf(tx, actor, owner, input.workAddressId, ['input', 'workAddressId']) : null;
    const [note] = await tx
      .insert(notes)
      .values({ ...fields, ...ownerColumns(owner), workAddressId, organisationId: actor.organisationId, authorUserId: actor.userId })
      .returning();
    await recordAudit(tx, actor, { action: 'note.create', entityType: 'Note', entityId: note!.id, after: note });
    return { note: note! };
  });
}

export async function updateNote(db: Db, actor: Actor, noteId: string, input: UpdateNoteInput): Promise<{ note: NoteRow }> {
  refuseNull(input, ['body', 'important', 'doNotWorkWithAgain']);
  const { expectedVersion, ...changes } = validate(updateNoteSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, notes, actor, noteId, expectedVersion, 'note');
    const workAddressId =
      input.workAddressId === undefined
        ? {}
        : {
            workAddressId:
              input.workAddressId === null ? null : await workAddressOf(tx, actor, ownerOf(before), input.workAddressId, ['input', 'workAddressId']),
          };
    const after = await writeUpdate(tx, notes, before.id, { ...changes, ...workAddressId });
    await recordAudit(tx, actor, { action: 'note.update', entityType: 'Note', entityId: after.id, before, after });
    return { note: after };
  });
}

export async function deleteNote(db: Db, actor: Actor, noteId: string, expectedVersion: number | null | undefined): Promise<{ deletedNoteId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, notes, actor, noteId, expectedVersion, 'note');
    await tx.delete(notes).where(eq(notes.id, before.id));
    await recordAudit(tx, actor, { action: 'note.delete', entityType: 'Note', entityId: before.id, before });
    return { deletedNoteId: before.id };
  });
}

// ---------------------------------------------------------------------------------------------
// Tasks

const taskType = z.enum(['APPOINTMENT', 'PHONE_CALL', 'REMINDER', 'EMAIL', 'SMS']);
const taskPriority = z.enum(['LOW', 'NORMAL', 'HIGH']);
const subject = requiredText(NAME_MAX);
const details = optionalText(5000);

const createTaskSchema = z.object({
  type: taskType,
  subject,
  details,
  dueAt: z.date(),
  priority: taskPriority.nullish().transform((v) => v ?? 'NORMAL'),
});

const updateTaskSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  type: taskType.optional(),
  subject: subject.optional(),
  details,
  dueAt: z.date().optional(),
  priority: taskPriority.optional(),
});

/**
 * Tasks (and expiries and the log) of a converted lead are read-only (docs/domain.md#converted-leads:
 * only notes change).
 */
async function refuseConverted(tx: Db, owner: RecordOwner): Promise<void> {
  if (owner.kind === 'lead') await refuseConvertedLead(tx, owner.id);
}

export async function createTask(db: Db, actor: Actor, input: CreateTaskInput): Promise<{ task: TaskRow }> {
  const fields = validate(createTaskSchema, input);
  return db.transaction(async (tx) => {
    const owner = await resolveRecordOwner(tx, actor, input.ownerId, ['input', 'ownerId']);
    await refuseConverted(tx, owner);
    const workAddressId = input.workAddressId ? await workAddressOf(tx, actor, owner, input.workAddressId, ['input', 'workAddressId']) : null;
    const assigneeUserId = input.assigneeId ? await userOf(tx, actor, input.assigneeId, ['input', 'assigneeId']) : actor.userId;
    const opportunityId = input.opportunityId ? await opportunityOf(tx, actor, owner, fields.type, input.opportunityId, ['input', 'opportunityId']) : null;
    const [task] = await tx
      .insert(tasks)
      .values({
        ...fields,
        ...ownerColumns(owner),
        workAddressId,
        opportunityId,
        assigneeUserId,
        createdByUserId: actor.userId,
        organisationId: actor.organisationId,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'task.create', entityType: 'Task', entityId: task!.id, after: task });
    return { task: task! };
  });
}

export async function updateTask(db: Db, actor: Actor, taskId: string, input: UpdateTaskInput): Promise<{ task: TaskRow }> {
  refuseNull(input, ['type', 'subject', 'dueAt', 'priority']);
  const { expectedVersion, ...changes } = validate(updateTaskSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, tasks, actor, taskId, expectedVersion, 'task');
    await refuseConverted(tx, ownerOf(before));
    if (before.completedAt) throw userError(['input', 'id'], 'id: the task is completed and can no longer be changed.', 'INVALID_STATE');
    const type = changes.type ?? before.type;
    const extra: Partial<TaskRow> = {};
    if (input.opportunityId != null) {
      extra.opportunityId = await opportunityOf(tx, actor, ownerOf(before), type, input.opportunityId, ['input', 'opportunityId']);
    } else if (input.opportunityId === null || (type !== 'APPOINTMENT' && before.opportunityId)) extra.opportunityId = null;
    if (input.workAddressId !== undefined) {
      extra.workAddressId =
        input.workAddressId === null ? null : await workAddressOf(tx, actor, ownerOf(before), input.workAddressId, ['input', 'workAddressId']);
    }
    if (input.assigneeId !== undefined) {
      extra.assigneeUserId = input.assigneeId === null ? null : await userOf(tx, actor, input.assigneeId, ['input', 'assigneeId']);
    }
    const after = await writeUpdate(tx, tasks, before.id, { ...changes, ...extra });
    await recordAudit(tx, actor, { action: 'task.update', entityType: 'Task', entityId: after.id, before, after });
    return { task: after };
  });
}

const completeTaskSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  completedAt: notInFuture('completedAt').nullish(),
});

export async function completeTask(db: Db, actor: Actor, taskId: string, input: CompleteTaskInput): Promise<{ task: TaskRow }> {
  const { expectedVersion, completedAt } = validate(completeTaskSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, tasks, actor, taskId, expectedVersion, 'task');
    await refuseConverted(tx, ownerOf(before));
    if (before.completedAt) throw userError(['input', 'id'], 'id: the task is already completed.', 'INVALID_STATE');
    const after = await writeUpdate(tx, tasks, before.id, { completedAt: completedAt ?? new Date(), completedByUserId: actor.userId });
    await recordAudit(tx, actor, { action: 'task.complete', entityType: 'Task', entityId: after.id, before, after });
    return { task: after };
  });
}

export async function deleteTask(db: Db, actor: Actor, taskId: string, expectedVersion: number | null | undefined): Promise<{ deletedTaskId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, tasks, actor, taskId, expectedVersion, 'task');
    await refuseConverted(tx, ownerOf(before));
    await tx.delete(tasks).where(eq(tasks.id, before.id));
    await recordAudit(tx, actor, { action: 'task.delete', entityType: 'Task', entityId: before.id, before });
    return { deletedTaskId: before.id };
  });
}

// ---------------------------------------------------------------------------------------------
// Communications log

const logCommunicationSchema = z.object({
  channel: z.enum(['EMAIL', 'PHONE_CALL', 'SMS']),
  direction: z
    .enum(['OUTBOUND', 'INBOUND'])
    .nullish()
    .transform((v) => v ?? 'OUTBOUND'),
  subject: optionalText(NAME_MAX),
  summary: optionalText(2000),
  sentAt: notInFuture('sentAt').nullish(),
});

export async function logCommunication(db: Db, actor: Actor, input: LogCommunicationInput): Promise<{ communication: CommunicationRow }> {
  const { sentAt, ...fields } = validate(logCommunicationSchema, input);
  return db.transaction(async (tx) => {
    const owner = await resolveRecordOwner(tx, actor, input.ownerId, ['input', 'ownerId']);
    await refuseConverted(tx, owner);
    const contactId = input.contactId ? await contactOf(tx, actor, owner, input.contactId, ['input', 'contactId']) : null;
    const [communication] = await tx
      .insert(communications)
      .values({
        ...fields,
        ...ownerColumns(owner),
        contactId,
        sentAt: sentAt ?? new Date(),
        sentByUserId: actor.userId,
        organisationId: actor.organisationId,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'communication.log', entityType: 'Communication', entityId: communication!.id, after: communication });
    return { communication: communication! };
  });
}

// ---------------------------------------------------------------------------------------------
// Expiries

const createExpirySchema = z.object({
  supplier: requiredText(NAME_MAX),
  description: requiredText(NAME_MAX),
  endsOn: isoDate,
  notes: optionalText(2000),
});

const updateExpirySchema = z.object({
  expectedVersion: z.number().int().nullish(),
  supplier: requiredText(NAME_MAX).optional(),
  description: requiredText(NAME_MAX).optional(),
  endsOn: isoDate.optional(),
  notes: optionalText(2000),
});

export async function createExpiry(db: Db, actor: Actor, input: CreateExpiryInput): Promise<{ expiry: ExpiryRow }> {
  const fields = validate(createExpirySchema, input);
  return db.transaction(async (tx) => {
    const owner = await resolveRecordOwner(tx, actor, input.ownerId, ['input', 'ownerId']);
    await refuseConverted(tx, owner);
    const [expiry] = await tx
      .insert(expiries)
      .values({ ...fields, ...ownerColumns(owner), organisationId: actor.organisationId })
      .returning();
    await recordAudit(tx, actor, { action: 'expiry.create', entityType: 'Expiry', entityId: expiry!.id, after: expiry });
    return { expiry: expiry! };
  });
}

export async function updateExpiry(db: Db, actor: Actor, expiryId: string, input: UpdateExpiryInput): Promise<{ expiry: ExpiryRow }> {
  refuseNull(input, ['supplier', 'description', 'endsOn']);
  const { expectedVersion, ...changes } = validate(updateExpirySchema, input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, expiries, actor, expiryId, expectedVersion, 'expiry');
    await refuseConverted(tx, ownerOf(before));
    const after = await writeUpdate(tx, expiries, before.id, changes);
    await recordAudit(tx, actor, { action: 'expiry.update', entityType: 'Expiry', entityId: after.id, before, after });
    return { expiry: after };
  });
}

export async function deleteExpiry(db: Db, actor: Actor, expiryId: string, expectedVersion: number | null | undefined): Promise<{ deletedExpiryId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, expiries, actor, expiryId, expectedVersion, 'expiry');
    await refuseConverted(tx, ownerOf(before));
    await tx.delete(expiries).where(eq(expiries.id, before.id));
    await recordAudit(tx, actor, { action: 'expiry.delete', entityType: 'Expiry', entityId: before.id, before });
    return { deletedExpiryId: before.id };
  });
}
