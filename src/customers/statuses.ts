// The organisation's customer statuses (docs/domain.md#customer-statuses), managed by admins (the rule
// tree limits the mutations): add, change and reorder. Codes are unique per organisation; at most one
// status is the default and at most one the dormant one, so marking a status as either takes the flag
// from the one that had it.
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { serialiseWrites } from '../db/serialise';
import { onUniqueViolation } from '../db/unique';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateCustomerStatusInput, ReorderCustomerStatusesInput, UpdateCustomerStatusInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { NAME_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, type UserErrors, validate } from '../graph/user-errors';
import { lockOrganisationSettings, writeOrganisationSettings } from '../organisations/settings';
import { customerStatuses, type CustomerStatusRow } from './tables';

const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]$/, { message: 'must be one letter or digit' })
  .transform((c) => c.toUpperCase());
const position = z.number().int().min(0, { message: 'must be from 0 to 10000' }).max(10_000, { message: 'must be from 0 to 10000' });

const createSchema = z.object({
  code,
  name: requiredText(NAME_MAX),
  active: z.boolean(),
  allowsNewWork: z.boolean(),
  automatedCommunications: z.boolean(),
  isDormant: z.boolean().nullish(),
  isDefault: z.boolean().nullish(),
  position: position.nullish(),
});

const updateSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  code: code.optional(),
  name: requiredText(NAME_MAX).optional(),
  active: z.boolean().optional(),
  allowsNewWork: z.boolean().optional(),
  automatedCommunications: z.boolean().optional(),
  isDormant: z.boolean().optional(),
  isDefault: z.boolean().optional(),
  position: position.optional(),
});

function duplicateCode(value: string): UserErrors {
  return userError(['input', 'code'], `code: another status already has the code ${JSON.stringify(value)}.`, 'DUPLICATE');
}

async function checkCodeFree(tx: Db, organisationId: string, value: string, selfId: string | null): Promise<void> {
  const [other] = await tx
    .select({ id: customerStatuses.id })
    .from(customerStatuses)
    .where(and(eq(customerStatuses.organisationId, organisationId), eq(customerStatuses.code, value), selfId ? ne(customerStatuses.id, selfId) : undefined));
  if (other) throw duplicateCode(value);
}

/** Statuses taking the default or dormant flag, one at a time per organisation (src/db/serialise.ts). */
const FLAG_WRITES = 'customer_statuses.flags';

/** Takes a single-holder flag (default, dormant) from whichever other status has it, audited. */
async function takeFlag(tx: Db, actor: Actor, flag: 'isDefault' | 'isDormant', selfId: string | null): Promise<void> {
  const column = customerStatuses[flag];
  const holders = await tx
    .select()
    .from(customerStatuses)
    .where(and(eq(customerStatuses.organisationId, actor.organisationId), eq(column, true), selfId ? ne(customerStatuses.id, selfId) : undefined))
    .for('update');
  for (const before of holders) {
    const after = await writeUpdate(tx, customerStatuses, before.id, { [flag]: false });
    await recordAudit(tx, actor, { action: 'customerStatus.update', entityType: 'CustomerStatus', entityId: after.id, before, after });
  }
}

export async function createCustomerStatus(db: Db, actor: Actor, input: CreateCustomerStatusInput): Promise<{ customerStatus: CustomerStatusRow }> {
  const fields = validate(createSchema, input);
  return raceOnCode(fields.code, () =>
    db.transaction(async (tx) => {
      if (fields.isDefault || fields.isDormant) await serialiseWrites(tx, FLAG_WRITES, actor.organisationId);
      await checkCodeFree(tx, actor.organisationId, fields.code, null);
      if (fields.isDefault) await takeFlag(tx, actor, 'isDefault', null);
      if (fields.isDormant) await takeFlag(tx, actor, 'isDormant', null);
      const [last] = await tx
        .select({ max: sql<number | null>`max(${customerStatuses.position})` })
        .from(customerStatuses)
        .where(eq(customerStatuses.organisationId, actor.organisationId));
      const [status] = await tx
        .insert(customerStatuses)
        .values({
          organisationId: actor.organisationId,
          code: fields.code,
          name: fields.name,
          active: fields.active,
          allowsNewWork: fields.allowsNewWork,
          automatedCommunications: fields.automatedCommunications,
          isDefault: fields.isDefault ?? false,
          isDormant: fields.isDormant ?? false,
          position: fields.position ?? (last?.max == null ? 0 : Number(last.max) + 1),
        })
        .returning();
      await recordAudit(tx, actor, { action: 'customerStatus.create', entityType: 'CustomerStatus', entityId: status!.id, after: status });
      return { customerStatus: status! };
    }),
  );
}

export async function updateCustomerStatus(
  db: Db,
  actor: Actor,
  statusId: string,
  input: UpdateCustomerStatusInput,
): Promise<{ customerStatus: CustomerStatusRow }> {
  for (const key of ['code', 'name', 'active', 'allowsNewWork', 'automatedCommunications', 'isDormant', 'isDefault', 'position'] as const) {
    if (input[key] === null) throw userError(['input', key], `${key}: cannot be cleared; omit it to keep the current value.`, 'REQUIRED');
  }
  const { expectedVersion, ...changes } = validate(updateSchema, input);
  return raceOnCode(changes.code, () =>
    db.transaction(async (tx) => {
      if (changes.isDefault || changes.isDormant) await serialiseWrites(tx, FLAG_WRITES, actor.organisationId);
      const before = await lockForUpdate(tx, customerStatuses, actor, statusId, expectedVersion, 'customer status');
      if (changes.code !== undefined) await checkCodeFree(tx, actor.organisationId, changes.code, before.id);
      if (changes.isDefault === false && before.isDefault) {
        throw userError(
          ['input', 'isDefault'],
          'isDefault: the organisation needs a default status; make another status the default instead.',
          'INVALID_STATE',
        );
      }
      if (changes.isDefault && !before.isDefault) await takeFlag(tx, actor, 'isDefault', before.id);
      if (changes.isDormant && !before.isDormant) await takeFlag(tx, actor, 'isDormant', before.id);
      const after = await writeUpdate(tx, customerStatuses, before.id, changes);
      await recordAudit(tx, actor, { action: 'customerStatus.update', entityType: 'CustomerStatus', entityId: after.id, before, after });
      return { customerStatus: after };
    }),
  );
}

/** Sets every status's position from one full list, in one statement; audits the statuses that moved. */
export async function reorderCustomerStatuses(db: Db, actor: Actor, input: ReorderCustomerStatusesInput): Promise<{ customerStatuses: CustomerStatusRow[] }> {
  const ids = input.statusIds.map((value, i) => inputId(value, ['CustomerStatus'], ['input', 'statusIds', i]).id);
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw userError(['input', 'statusIds', i], `statusIds: the status at ${i} is listed twice.`, 'INVALID');
    seen.add(id);
  });
  return db.transaction(async (tx) => {
    // The order is the organisation's setting: its version is the one compared and moved on.
    await lockOrganisationSettings(tx, actor.organisationId, input.expectedVersion);
    const current = await tx
      .select()
      .from(customerStatuses)
      .where(eq(customerStatuses.organisationId, actor.organisationId))
      .orderBy(asc(customerStatuses.position), asc(customerStatuses.code))
      .for('update');
    const byId = new Map(current.map((s) => [s.id, s]));
    const unknown = ids.findIndex((id) => !byId.has(id));
    if (unknown >= 0) throw notFound(['input', 'statusIds', unknown], 'customer status');
    if (ids.length !== current.length) {
      throw userError(['input', 'statusIds'], `statusIds: list every one of the organisation's ${current.length} statuses, each once.`, 'INVALID');
    }
    const moved = ids.filter((id, position) => byId.get(id)!.position !== position);
    if (moved.length) {
      const afterRows = await tx
        .update(customerStatuses)
        .set({
          position: sql`array_position(${uuidArray(ids)}, ${customerStatuses.id}) - 1`,
          version: sql`${customerStatuses.version} + 1`,
          updatedAt: sql`clock_timestamp()`,
        })
        .where(and(eq(customerStatuses.organisationId, actor.organisationId), sql`${customerStatuses.id} = any(${uuidArray(moved)})`))
        .returning();
      await recordAudit(
        tx,
        actor,
        afterRows.map((after) => ({ action: 'customerStatus.reorder', entityType: 'CustomerStatus', entityId: after.id, before: byId.get(after.id), after })),
      );
      for (const row of afterRows) byId.set(row.id, row);
      await writeOrganisationSettings(tx, actor.organisationId);
    }
    return { customerStatuses: ids.map((id) => byId.get(id)!) };
  });
}

/** Two admins taking the same code at once: the loser gets the same user error. */
function raceOnCode<T>(code: string | undefined, run: () => Promise<T>): Promise<T> {
  return code === undefined ? run() : onUniqueViolation('customer_statuses_organisation_code_key', () => duplicateCode(code), run);
}
