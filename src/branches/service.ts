// Branches (docs/domain.md#branches): a customer's own offices. Creating, changing and deleting them,
// and merging two branches of the same customer (the other's work addresses move to the survivor).
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { postalFields } from '../addresses/postal-fields';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { lockForUpdate, refuseStaleVersion, writeUpdate } from '../db/versioned';
import type { CreateBranchInput, MergeBranchesInput, UpdateBranchInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { NAME_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, UserErrors, validate } from '../graph/user-errors';
import { visibleCustomerId } from '../records/owner';
import { optionalEmail, optionalPhone } from '../work-addresses/fields';
import { workAddresses } from '../work-addresses/tables';
import { branches, type BranchRow } from './tables';

const branchFields = {
  name: requiredText(NAME_MAX),
  phone: optionalPhone,
  email: optionalEmail,
  ...postalFields,
};

const newBranchSchema = z.object({
  ...branchFields,
  country: branchFields.country.nullish().transform((v) => v ?? 'GB'),
});

const branchChangesSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  ...branchFields,
  name: branchFields.name.optional(),
  line1: branchFields.line1.optional(),
  country: branchFields.country.optional(),
});

/** A branch the actor may see (through its customer), from a global ID in mutation input. */
export async function visibleBranch(tx: Db, actor: Actor, globalId: string, field: (string | number)[]): Promise<BranchRow> {
  const { id } = inputId(globalId, ['Branch'], field);
  const [row] = await tx
    .select()
    .from(branches)
    .where(and(eq(branches.id, id), eq(branches.organisationId, actor.organisationId), actor.visibility?.rows(branches)));
  if (!row) throw notFound(field, 'branch');
  return row;
}

export async function createBranch(db: Db, actor: Actor, input: CreateBranchInput): Promise<{ branch: BranchRow }> {
  // Unknown keys (the customer's ID) are dropped by the schema.
  const fields = validate(newBranchSchema, input);
  return db.transaction(async (tx) => {
    const customerId = await visibleCustomerId(tx, actor, input.customerId, ['input', 'customerId']);
    const [branch] = await tx
      .insert(branches)
      .values({ ...fields, organisationId: actor.organisationId, customerId })
      .returning();
    await recordAudit(tx, actor, { action: 'branch.create', entityType: 'Branch', entityId: branch!.id, after: branch });
    return { branch: branch! };
  });
}

export async function updateBranch(db: Db, actor: Actor, branchId: string, input: UpdateBranchInput): Promise<{ branch: BranchRow }> {
  const { expectedVersion, ...changes } = validate(branchChangesSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, branches, actor, branchId, expectedVersion, 'branch');
    const after = await writeUpdate(tx, branches, before.id, changes);
    await recordAudit(tx, actor, { action: 'branch.update', entityType: 'Branch', entityId: after.id, before, after });
    return { branch: after };
  });
}

/**
 * Moves every work address of branch `fromId` to `toId` (null: no branch), each audited as a change
 * of that work address, inside the caller's transaction.
 */
async function moveWorkAddresses(tx: Db, actor: Actor, fromId: string, toId: string | null): Promise<void> {
  const before = await tx.select().from(workAddresses).where(eq(workAddresses.branchId, fromId)).orderBy(workAddresses.id).for('update');
  if (before.length === 0) return;
  const after = await tx
    .update(workAddresses)
    .set({ branchId: toId, version: sql`${workAddresses.version} + 1`, updatedAt: sql`clock_timestamp()` })
    .where(eq(workAddresses.branchId, fromId))
    .returning();
  const afterById = new Map(after.map((row) => [row.id, row]));
  await recordAudit(
    tx,
    actor,
    before.map((row) => ({ action: 'workAddress.update', entityType: 'WorkAddress', entityId: row.id, before: row, after: afterById.get(row.id) })),
  );
}

export async function deleteBranch(db: Db, actor: Actor, branchId: string, expectedVersion: number | null | undefined): Promise<{ deletedBranchId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, branches, actor, branchId, expectedVersion, 'branch');
    await moveWorkAddresses(tx, actor, before.id, null);
    await tx.delete(branches).where(eq(branches.id, before.id));
    await recordAudit(tx, actor, { action: 'branch.delete', entityType: 'Branch', entityId: before.id, before });
    return { deletedBranchId: before.id };
  });
}

/** lockForUpdate, with a not-found reported on `field` rather than `input.id`. */
async function lockBranchAt(tx: Db, actor: Actor, id: string, field: string[]): Promise<BranchRow> {
  try {
    return await lockForUpdate(tx, branches, actor, id, null, 'branch');
  } catch (error) {
    if (error instanceof UserErrors) throw notFound(field, 'branch');
    throw error;
  }
}

export async function mergeBranches(db: Db, actor: Actor, input: MergeBranchesInput): Promise<{ branch: BranchRow; deletedBranchId: string }> {
  const survivorId = inputId(input.survivorId, ['Branch'], ['input', 'survivorId']).id;
  const otherId = inputId(input.otherId, ['Branch'], ['input', 'otherId']).id;
  if (survivorId === otherId) throw userError(['input', 'otherId'], 'otherId: a branch cannot be merged into itself.', 'INVALID');
  return withIdempotency(
    db,
    actor,
    'mergeBranches',
    input.idempotencyKey,
    input,
    async (tx) => {
      // Lock in id order, so two merges of the same pair cannot deadlock.
      const order = [
        { id: survivorId, field: ['input', 'survivorId'] },
        { id: otherId, field: ['input', 'otherId'] },
      ].sort((a, b) => a.id.localeCompare(b.id));
      const locked = new Map<string, BranchRow>();
      for (const { id, field } of order) locked.set(id, await lockBranchAt(tx, actor, id, field));
      const survivor = locked.get(survivorId)!;
      const other = locked.get(otherId)!;
      refuseStaleVersion(survivor, input.expectedVersion, 'survivor');
      if (survivor.customerId !== other.customerId) {
        throw userError(['input', 'otherId'], 'otherId: only branches of the same customer can be merged.', 'INVALID');
      }
      await moveWorkAddresses(tx, actor, other.id, survivor.id);
      await tx.delete(branches).where(eq(branches.id, other.id));
      const after = await writeUpdate(tx, branches, survivor.id, {});
      await recordAudit(tx, actor, [
        { action: 'branch.merge', entityType: 'Branch', entityId: survivor.id, before: survivor, after: { ...after, mergedBranchId: other.id } },
        { action: 'branch.delete', entityType: 'Branch', entityId: other.id, before: other },
      ]);
      return { branch: after, deletedBranchId: other.id };
    },
    rowsCodec<{ branch: BranchRow; deletedBranchId: string }>({ branch: branches }),
  );
}
