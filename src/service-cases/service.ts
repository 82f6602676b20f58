// Service cases (docs/domain.md#service-cases): opening, changing, moving between statuses, notes, and
// the organisation's SLA defaults. A case is about a customer the actor sees (not an anonymised
// one); its asset and work address must be that customer's; its assignee an active user of the
// organisation. Each change is one transaction with its audit entry.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { userOf } from '../activity/service';
import { assetOfCustomer } from '../assets/of-customer';
import { assets } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { documentReference, nextNumber } from '../db/sequences';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  AddServiceCaseNoteInput,
  ChangeServiceCaseStatusInput,
  OpenServiceCaseInput,
  SetServiceCaseSlaDefaultInput,
  UpdateServiceCaseInput,
} from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { NAME_MAX, optionalText, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { lockOrganisationSettings, writeOrganisationSettings } from '../organisations/settings';
import { visibleCustomerId } from '../records/owner';
import { workAddresses } from '../work-addresses/tables';
import { addHours, SLA_MAX_HOURS, slaFor, type SlaDefault } from './sla';
import { serviceCaseNotes, serviceCases, serviceCaseSlaDefaults, type ServiceCaseNoteRow, type ServiceCaseRow, type ServiceCaseStatus } from './tables';

type Field = (string | number)[];

export const CASE_SEQUENCE = 'SERVICE_CASE';
export const caseReference = (number: number) => documentReference('CASE', number);
export const TEXT_LONG = 5000;

/** Where each status may go; the same status again is no move at all. */
export const ALLOWED_TRANSITIONS: Readonly<Record<ServiceCaseStatus, readonly ServiceCaseStatus[]>> = {
  OPEN: ['IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED'],
  IN_PROGRESS: ['WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED'],
  WAITING_ON_CUSTOMER: ['IN_PROGRESS', 'RESOLVED', 'CLOSED'],
  RESOLVED: ['IN_PROGRESS', 'CLOSED'],
  CLOSED: [],
};

const priority = z.enum(['LOW', 'NORMAL', 'HIGH', 'URGENT']);
const openSchema = z.object({
  subject: requiredText(NAME_MAX),
  description: optionalText(TEXT_LONG),
  priority: priority.nullish().transform((v) => v ?? 'NORMAL'),
  respondBy: z.date().nullish(),
  resolveBy: z.date().nullish(),
});
const updateSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  subject: requiredText(NAME_MAX).optional(),
  description: optionalText(TEXT_LONG),
  priority: priority.optional(),
  respondBy: z.date().nullish(),
  resolveBy: z.date().nullish(),
});
const noteBody = requiredText(TEXT_LONG);

async function assetOf(tx: Db, actor: Actor, customerId: string, globalId: string, field: Field): Promise<{ id: string; workAddressId: string | null }> {
  const { id, workAddressId } = await assetOfCustomer(tx, actor, customerId, globalId, field);
  return { id, workAddressId };
}

/** One of the customer's work addresses. */
async function workAddressOf(tx: Db, actor: Actor, customerId: string, globalId: string, field: Field): Promise<string> {
  const { id } = inputId(globalId, ['WorkAddress'], field);
  const [row] = await tx
    .select({ id: workAddresses.id, customerId: workAddresses.customerId })
    .from(workAddresses)
    .where(and(eq(workAddresses.id, id), eq(workAddresses.organisationId, actor.organisationId)));
  if (!row) throw notFound(field, 'work address');
  if (row.customerId !== customerId) throw userError(field, `${field[field.length - 1]}: the work address belongs to another customer.`, 'INVALID');
  return row.id;
}

/** An asset kept at one work address cannot be the subject of a case about another. */
function refuseAssetElsewhere(asset: { workAddressId: string | null } | null, workAddressId: string | null): void {
  if (asset?.workAddressId && workAddressId && asset.workAddressId !== workAddressId) {
    throw userError(['input', 'assetId'], 'assetId: the asset is at another of the customer’s work addresses than workAddressId.', 'INVALID');
  }
}

function refuseDeadlinesOutOfOrder(respondBy: Date | null, resolveBy: Date | null): void {
  if (respondBy && resolveBy && resolveBy.getTime() < respondBy.getTime()) {
    throw userError(['input', 'resolveBy'], 'resolveBy: must not be before respondBy.', 'INVALID');
  }
}

export type ServiceCaseResult = { serviceCase: ServiceCaseRow };
const codec = rowsCodec<ServiceCaseResult>({ serviceCase: serviceCases });

export async function openServiceCase(db: Db, actor: Actor, input: OpenServiceCaseInput): Promise<ServiceCaseResult> {
  const fields = validate(openSchema, input);
  const now = new Date();
  if (fields.respondBy && fields.respondBy.getTime() < now.getTime() - 60_000) {
    throw userError(['input', 'respondBy'], 'respondBy: must not be in the past.', 'INVALID');
  }
  refuseDeadlinesOutOfOrder(fields.respondBy ?? null, fields.resolveBy ?? null);
  return withIdempotency(
    db,
    actor,
    'openServiceCase',
    input.idempotencyKey,
    input,
    async (tx) => {
      const customerId = await visibleCustomerId(tx, actor, input.customerId, ['input', 'customerId']);
      const asset = input.assetId ? await assetOf(tx, actor, customerId, input.assetId, ['input', 'assetId']) : null;
      const workAddressId = input.workAddressId ? await workAddressOf(tx, actor, customerId, input.workAddressId, ['input', 'workAddressId']) : null;
      refuseAssetElsewhere(asset, workAddressId);
      const assigneeUserId = input.assigneeId ? await userOf(tx, actor, input.assigneeId, ['input', 'assigneeId']) : null;
      // Deadlines not given come from the SLA, counted from now; a given one is kept as it is.
      const sla: SlaDefault | null = fields.respondBy && fields.resolveBy ? null : await slaFor(tx, actor.organisationId, fields.priority);
      const respondBy = fields.respondBy ?? addHours(now, sla!.respondWithinHours);
      const resolveBy = fields.resolveBy ?? addHours(now, sla!.resolveWithinHours);
      refuseDeadlinesOutOfOrder(respondBy, resolveBy);
      const number = await nextNumber(tx, actor.organisationId, CASE_SEQUENCE);
      const [row] = await tx
        .insert(serviceCases)
        .values({
          organisationId: actor.organisationId,
          customerId,
          assetId: asset?.id ?? null,
          workAddressId: workAddressId ?? asset?.workAddressId ?? null,
          number,
          subject: fields.subject,
          description: fields.description ?? null,
          priority: fields.priority,
          respondBy,
          resolveBy,
          assigneeUserId,
          openedByUserId: actor.userId,
        })
        .returning();
      await recordAudit(tx, actor, { action: 'serviceCase.open', entityType: 'ServiceCase', entityId: row!.id, after: row });
      return { serviceCase: row! };
    },
    codec,
  );
}

function refuseNull(input: object, keys: string[]): void {
  for (const key of keys) {
    if ((input as Record<string, unknown>)[key] === null) throw userError(['input', key], `${key}: cannot be cleared.`, 'REQUIRED');
  }
}

export async function updateServiceCase(db: Db, actor: Actor, caseId: string, input: UpdateServiceCaseInput): Promise<ServiceCaseResult> {
  refuseNull(input, ['subject', 'priority']);
  const { expectedVersion, ...fields } = validate(updateSchema, {
    expectedVersion: input.expectedVersion,
    subject: input.subject,
    description: input.description,
    priority: input.priority,
    respondBy: input.respondBy,
    resolveBy: input.resolveBy,
  });
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, serviceCases, actor, caseId, expectedVersion, 'service case');
    if (before.status === 'CLOSED')
      throw userError(['input', 'id'], 'id: the case is closed and can no longer be changed (notes can still be added).', 'INVALID_STATE');
    const changes: Partial<ServiceCaseRow> = {};
    if (fields.subject !== undefined) changes.subject = fields.subject;
    if (fields.description !== undefined) changes.description = fields.description;
    if (fields.priority !== undefined) changes.priority = fields.priority;
    if (fields.respondBy !== undefined) changes.respondBy = fields.respondBy;
    if (fields.resolveBy !== undefined) changes.resolveBy = fields.resolveBy;
    refuseDeadlinesOutOfOrder(
      changes.respondBy !== undefined ? changes.respondBy : before.respondBy,
      changes.resolveBy !== undefined ? changes.resolveBy : before.resolveBy,
    );
    let asset: { id: string; workAddressId: string | null } | null = null;
    if (input.assetId !== undefined) {
      asset = input.assetId === null ? null : await assetOf(tx, actor, before.customerId, input.assetId, ['input', 'assetId']);
      changes.assetId = asset?.id ?? null;
    }
    if (input.workAddressId !== undefined) {
      changes.workAddressId =
        input.workAddressId === null ? null : await workAddressOf(tx, actor, before.customerId, input.workAddressId, ['input', 'workAddressId']);
    }
    if (changes.assetId !== undefined || changes.workAddressId !== undefined) {
      if (changes.assetId === undefined && before.assetId) {
        const [current] = await tx.select({ id: assets.id, workAddressId: assets.workAddressId }).from(assets).where(eq(assets.id, before.assetId));
        asset = current ?? null;
      }
      refuseAssetElsewhere(asset ?? null, changes.workAddressId !== undefined ? changes.workAddressId : before.workAddressId);
    }
    if (input.assigneeId !== undefined) {
      changes.assigneeUserId = input.assigneeId === null ? null : await userOf(tx, actor, input.assigneeId, ['input', 'assigneeId']);
    }
    const after = await writeUpdate(tx, serviceCases, before.id, changes);
    await recordAudit(tx, actor, { action: 'serviceCase.update', entityType: 'ServiceCase', entityId: after.id, before, after });
    return { serviceCase: after };
  });
}

async function insertNote(tx: Db, actor: Actor, serviceCase: ServiceCaseRow, body: string): Promise<ServiceCaseNoteRow> {
  const [note] = await tx
    .insert(serviceCaseNotes)
    .values({ organisationId: actor.organisationId, caseId: serviceCase.id, customerId: serviceCase.customerId, body, authorUserId: actor.userId })
    .returning();
  return note!;
}

export async function changeServiceCaseStatus(db: Db, actor: Actor, caseId: string, input: ChangeServiceCaseStatusInput): Promise<ServiceCaseResult> {
  const { expectedVersion, note } = validate(z.object({ expectedVersion: z.number().int().nullish(), note: optionalText(TEXT_LONG) }), {
    expectedVersion: input.expectedVersion,
    note: input.note,
  });
  const to = input.status as ServiceCaseStatus;
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, serviceCases, actor, caseId, expectedVersion, 'service case');
    if (!ALLOWED_TRANSITIONS[before.status].includes(to)) {
      const allowed = ALLOWED_TRANSITIONS[before.status];
      throw userError(
        ['input', 'status'],
        `status: a ${before.status} case cannot move to ${to}; ${allowed.length ? `it may move to ${allowed.join(', ')}` : 'it is final'}.`,
        'INVALID_STATE',
      );
    }
    const now = new Date();
    const changes: Partial<ServiceCaseRow> = { status: to };
    // The first move out of OPEN is the response; resolving or closing stops the resolution clock,
    // and reopening starts it again.
    if (before.respondedAt === null) changes.respondedAt = now;
    if (to === 'RESOLVED' || to === 'CLOSED') changes.resolvedAt = before.resolvedAt ?? now;
    else changes.resolvedAt = null;
    const after = await writeUpdate(tx, serviceCases, before.id, changes);
    const added = note ? await insertNote(tx, actor, after, note) : null;
    await recordAudit(tx, actor, {
      action: 'serviceCase.changeStatus',
      entityType: 'ServiceCase',
      entityId: after.id,
      before,
      after: added ? { ...after, note: added } : after,
    });
    return { serviceCase: after };
  });
}

export async function addServiceCaseNote(
  db: Db,
  actor: Actor,
  caseId: string,
  input: AddServiceCaseNoteInput,
): Promise<{ serviceCase: ServiceCaseRow; note: ServiceCaseNoteRow }> {
  const { body } = validate(z.object({ body: noteBody }), { body: input.body });
  return db.transaction(async (tx) => {
    // Locked (without a version check: notes do not conflict), so notes of one case are in order.
    const serviceCase = await lockForUpdate(tx, serviceCases, actor, caseId, null, 'service case');
    const note = await insertNote(tx, actor, serviceCase, body);
    await recordAudit(tx, actor, { action: 'serviceCase.addNote', entityType: 'ServiceCase', entityId: serviceCase.id, after: note });
    return { serviceCase, note };
  });
}

const hours = z
  .number()
  .int({ message: 'must be a whole number of hours' })
  .min(1, { message: `must be from 1 to ${SLA_MAX_HOURS} hours` })
  .max(SLA_MAX_HOURS, { message: `must be from 1 to ${SLA_MAX_HOURS} hours` });

export async function setServiceCaseSlaDefault(db: Db, actor: Actor, input: SetServiceCaseSlaDefaultInput): Promise<{ slaDefault: SlaDefault }> {
  const fields = validate(z.object({ priority, respondWithinHours: hours, resolveWithinHours: hours }), input);
  if (fields.resolveWithinHours < fields.respondWithinHours) {
    throw userError(['input', 'resolveWithinHours'], 'resolveWithinHours: must not be fewer than respondWithinHours.', 'INVALID');
  }
  return db.transaction(async (tx) => {
    const organisation = await lockOrganisationSettings(tx, actor.organisationId, input.expectedVersion);
    const before = await slaFor(tx, actor.organisationId, fields.priority);
    await tx
      .insert(serviceCaseSlaDefaults)
      .values({ organisationId: actor.organisationId, ...fields })
      .onConflictDoUpdate({
        target: [serviceCaseSlaDefaults.organisationId, serviceCaseSlaDefaults.priority],
        set: { respondWithinHours: fields.respondWithinHours, resolveWithinHours: fields.resolveWithinHours, updatedAt: new Date() },
      });
    const after = await writeOrganisationSettings(tx, actor.organisationId);
    await recordAudit(tx, actor, {
      action: 'serviceCaseSlaDefault.set',
      entityType: 'Organisation',
      entityId: actor.organisationId,
      before: { ...before, version: organisation.version },
      after: { ...fields, version: after.version },
    });
    return { slaDefault: fields };
  });
}
