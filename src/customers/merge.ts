// Merging customers (docs/domain.md#merging-customers): every row that points at a merged customer is
// re-pointed at the survivor, in one transaction, and only then is the merged customer's row deleted.
// Its id lives on as a tombstone (customer_tombstones) that resolves to the survivor, with a snapshot
// of its own values.
//
// "Never loses a row" rests on the record children (`children`, the composition's: each area declares
// its tables in its manifest, src/db/record-children.ts): every column that references customers is
// declared there (test/customers/merge.test.ts checks them against the database's foreign keys, so
// a new table that forgets to declare itself fails the suite instead of being emptied by the cascade).
//
// Locking: the survivor and the merged customers are locked in id order, as every workflow locks a
// customer before its rows, so two merges over overlapping customers queue instead of deadlocking;
// the second then finds its customer gone (a tombstone) and is refused, naming the survivor.
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { assertStatusPermitted } from '../access/status-group-service';
import { addresses } from '../addresses/tables';
import { recordAudit, type Actor } from '../audit/service';
import { contacts } from '../contacts/tables';
import type { Db } from '../db/client';
import type { RecordChild } from '../db/record-children';
import { writeUpdate } from '../db/versioned';
import type { CustomerMergeField, MergeCustomersInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import type { ChangeTally, PreviewValue } from '../graph/previews';
import { inputId, userError, UserErrors } from '../graph/user-errors';
import { assertCustomerTransition, recordCustomerStatusChanges } from '../status-history/service';
import { checkTypeRequirements, isSelfOrAncestor } from './service';
import { customers, customerTombstones, customerTypes, type CustomerRow } from './tables';
import { customerNotFound } from './tombstones';

type Path = (string | number)[];

export const MAX_MERGED = 20;

/** The customer columns each choosable field copies from the customer it is taken from. */
const fieldColumns: Record<Exclude<CustomerMergeField, 'PRIMARY_CONTACT'>, ReadonlyArray<keyof CustomerRow>> = {
  NAME: ['name'],
  TYPE: ['typeId'],
  STATUS: ['statusId'],
  OWNER: ['ownerId'],
  PARENT_CUSTOMER: ['parentCustomerId'],
  BUSINESS_UNIT: ['businessUnitId'],
  VAT_NUMBER: ['vatNumber'],
  CREDIT_LIMIT: ['creditLimitMinor'],
  CREDITOR_DAYS: ['creditorDays'],
  PRICE_BOOK: ['priceBook'],
  ADVERTISING_SOURCE: ['advertisingSource'],
  BUILDING_TYPE: ['buildingType'],
  VACANT_PROPERTY: ['vacantProperty'],
  AFTER_SALES_COMMUNICATION: ['afterSalesCommunication'],
  THIRD_PARTY_REFERENCE: ['thirdPartyReference'],
};

export type MergeResult = { customer: CustomerRow; mergedCustomerIds: string[]; moved: Array<{ recordType: string; count: number }> };

/** What a merge's preview says about the survivor, from the row the rolled-back run left (src/graph/previews.ts). */
export type MergeOutcome = { survivorStage: CustomerRow['stage']; survivorStatusId: string };
export type MergeCustomersPreviewValue = PreviewValue<MergeOutcome>;
export const blockedMerge = { survivorStage: null, survivorStatusId: null } as const;
export const describeMerge = (result: MergeResult): MergeOutcome => ({ survivorStage: result.customer.stage, survivorStatusId: result.customer.statusId });

/** Departments of merged customers now hang under the survivor; its own chain of parents must not lead back to it. */
async function refuseParentCycle(tx: Db, survivor: CustomerRow): Promise<void> {
  if (survivor.parentCustomerId && (await isSelfOrAncestor(tx, survivor.parentCustomerId, survivor.id))) {
    throw userError(
      ['input', 'values'],
      'values: after the merge the survivor would be a department of one of its own departments; choose another PARENT_CUSTOMER.',
      'INVALID',
    );
  }
}

/** Moves rows of `table` from the merged customers to the survivor; returns the moved ids. */
async function moveRows(tx: Db, table: PgTable, column: PgColumn, from: string[], to: string): Promise<string[]> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const changes: Record<string, SQL | unknown> = {};
  for (const [key, col] of Object.entries(columns)) {
    if (col.name === column.name) changes[key] = to;
    else if (key === 'version') changes[key] = sql`${col} + 1`;
    else if (key === 'updatedAt') changes[key] = sql`clock_timestamp()`;
  }
  const rows = (await tx
    .update(table)
    .set(changes as never)
    .where(sql`${column} = any(${uuidArray(from)})`)
    .returning({ id: columns.id! })) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

/**
 * Merges `mergedIds` into `survivorId` (docs/domain.md#merging-customers). Refused, with nothing
 * changed, when a customer is missing, invisible, already merged (MERGED, naming where to), repeated,
 * in another currency, or in a status outside the actor's groups, or when the result misses its type's
 * required fields.
 */
export function mergeCustomers(
  db: Db,
  actor: Actor,
  input: MergeCustomersInput,
  children: readonly RecordChild[],
  /** What the merge does is counted there; a dry run's is rolled back (src/graph/previews.ts). */
  tally?: ChangeTally,
): Promise<MergeResult> {
  const survivorField = ['input', 'survivorId'];
  const survivorId = inputId(input.survivorId, ['Customer'], survivorField).id;
  if (input.mergedIds.length === 0) throw userError(['input', 'mergedIds'], 'mergedIds: name at least one customer to merge into the survivor.', 'REQUIRED');
  if (input.mergedIds.length > MAX_MERGED) {
    throw userError(['input', 'mergedIds'], `mergedIds: at most ${MAX_MERGED} customers in one merge (got ${input.mergedIds.length}).`, 'INVALID');
  }
  const mergedIds = input.mergedIds.map((globalId, i) => {
    const field = ['input', 'mergedIds', String(i)];
    const { id } = inputId(globalId, ['Customer'], field);
    if (id === survivorId) throw userError(field, 'mergedIds: the survivor cannot be merged into itself.', 'INVALID');
    return id;
  });
  mergedIds.forEach((id, i) => {
    if (mergedIds.indexOf(id) !== i) throw userError(['input', 'mergedIds', String(i)], 'mergedIds: this customer is named twice.', 'DUPLICATE');
  });
  const choices = (input.values ?? []).map((choice, i) => {
    const field = ['input', 'values', String(i), 'fromCustomerId'];
    const { id } = inputId(choice.fromCustomerId, ['Customer'], field);
    if (id !== survivorId && !mergedIds.includes(id)) {
      throw userError(field, 'fromCustomerId: must be the survivor or one of the merged customers.', 'INVALID');
    }
    if ((input.values ?? []).findIndex((c) => c.field === choice.field) !== i) {
      throw userError(['input', 'values', String(i), 'field'], `field: ${choice.field} is chosen twice.`, 'DUPLICATE');
    }
    return { field: choice.field, from: id };
  });

  return withIdempotency(
    db,
    actor,
    'mergeCustomers',
    input.idempotencyKey,
    input,
    async (tx) => {
      // Lock every customer involved, in id order (see the top of the file).
      const all = [survivorId, ...mergedIds];
      const locked = await tx
        .select()
        .from(customers)
        .where(and(sql`${customers.id} = any(${uuidArray(all)})`, eq(customers.organisationId, actor.organisationId), actor.visibility?.rows(customers)))
        .orderBy(customers.id)
        .for('update');
      const byId = new Map(locked.map((c) => [c.id, c]));
      const fieldOf = (id: string): Path => (id === survivorId ? survivorField : ['input', 'mergedIds', String(mergedIds.indexOf(id))]);
      for (const id of all) if (!byId.has(id)) throw await customerNotFound(tx, actor, id, fieldOf(id));
      const survivor = byId.get(survivorId)!;
      const merged = mergedIds.map((id) => byId.get(id)!);
      // An anonymised customer takes no new personal data (src/customers/deletion.ts).
      if (survivor.anonymisedAt) {
        throw userError(
          survivorField,
          'survivorId: the customer has been anonymised; it takes no new personal data, so nothing can be merged into it.',
          'INVALID_STATE',
        );
      }
      if (input.expectedVersion != null && survivor.version !== input.expectedVersion) {
        throw userError(
          ['input', 'expectedVersion'],
          `expectedVersion: the survivor is at version ${survivor.version}, not ${input.expectedVersion}; someone else changed it. Reload and try again.`,
          'VERSION_CONFLICT',
        );
      }
      merged.forEach((m) => {
        if (m.currency !== survivor.currency) {
          throw userError(
            fieldOf(m.id),
            `mergedIds: "${m.name}" is kept in ${m.currency} and the survivor in ${survivor.currency}; only customers in one currency can be merged.`,
            'INVALID',
          );
        }
      });

      // The survivor's values, with the chosen ones taken from their customers.
      const changes: Partial<CustomerRow> = {};
      for (const { field, from } of choices) {
        if (field === 'PRIMARY_CONTACT') continue;
        for (const column of fieldColumns[field]) (changes as Record<string, unknown>)[column] = byId.get(from)![column];
      }
      // A parent among the merged customers would make the survivor its own parent.
      const parentId = changes.parentCustomerId !== undefined ? changes.parentCustomerId : survivor.parentCustomerId;
      changes.parentCustomerId = parentId && all.includes(parentId) ? null : parentId;
      let customFields = { ...survivor.customFields };
      for (const m of merged) customFields = { ...m.customFields, ...customFields };
      changes.customFields = customFields;
      if (merged.some((m) => m.stage === 'LIVE')) changes.stage = 'LIVE';
      const statusId = changes.statusId ?? survivor.statusId;
      for (const c of [survivor, ...merged]) await assertStatusPermitted(tx, actor, c.statusId, statusId, fieldOf(c.id).map(String));
      await assertStatusPermitted(tx, actor, survivor.statusId, statusId, ['input', 'values']);
      // The survivor's status is the one that changes (the merged customers' records end): the
      // organisation's transition rules apply to it as to any change.
      await assertCustomerTransition(tx, actor, survivor.statusId, statusId, ['input', 'values']);

      // Primary contact and default addresses: one each survives, so the moves cannot break the
      // one-per-customer indexes. The chosen customer's primary (default: the survivor's, else the
      // first merged customer's that has one) stays primary; the others stop being primary.
      const primaryFrom = choices.find((c) => c.field === 'PRIMARY_CONTACT')?.from;
      const primaryOrder = primaryFrom ? [primaryFrom, ...all.filter((id) => id !== primaryFrom)] : all;
      const primaries = await tx
        .select({ id: contacts.id, customerId: contacts.customerId })
        .from(contacts)
        .where(and(sql`${contacts.customerId} = any(${uuidArray(all)})`, eq(contacts.isPrimary, true)));
      const keptPrimary = primaryOrder.map((id) => primaries.find((p) => p.customerId === id)).find(Boolean);
      const [finalType] = await tx
        .select()
        .from(customerTypes)
        .where(eq(customerTypes.id, changes.typeId ?? survivor.typeId));
      const demoted = primaries.filter((p) => p !== keptPrimary || !finalType!.allowsPrimaryContact).map((p) => p.id);
      if (demoted.length > 0) {
        await tx
          .update(contacts)
          .set({ isPrimary: false, version: sql`${contacts.version} + 1`, updatedAt: sql`clock_timestamp()` })
          .where(sql`${contacts.id} = any(${uuidArray(demoted)})`);
        tally?.add('Contact', 'UPDATE', demoted.length);
      }
      const defaults = await tx
        .select({ id: addresses.id, customerId: addresses.customerId, type: addresses.type })
        .from(addresses)
        .where(and(sql`${addresses.customerId} = any(${uuidArray(all)})`, eq(addresses.isDefault, true)));
      const keptDefaults = new Set<string>();
      const undefaulted: string[] = [];
      for (const id of all) {
        for (const a of defaults.filter((d) => d.customerId === id)) {
          if (keptDefaults.has(a.type)) undefaulted.push(a.id);
          else keptDefaults.add(a.type);
        }
      }
      if (undefaulted.length > 0) {
        await tx
          .update(addresses)
          .set({ isDefault: false, version: sql`${addresses.version} + 1`, updatedAt: sql`clock_timestamp()` })
          .where(sql`${addresses.id} = any(${uuidArray(undefaulted)})`);
        tally?.add('Address', 'UPDATE', undefaulted.length);
      }

      // Every reference moves (every record child's customer column, in the composition's order);
      // the moved ids go into the audit entry, the counts into the payload.
      const movedIds: Record<string, string[]> = {};
      for (const child of children) {
        if (!child.customer) continue;
        const ids = await moveRows(tx, child.table, child.customer, mergedIds, survivor.id);
        if (ids.length > 0) movedIds[child.recordType] = ids;
        tally?.add(child.recordType, 'MOVE', ids.length);
      }

      // The merged rows go (nothing points at them any more), their ids become tombstones.
      const deleted = await tx
        .delete(customers)
        .where(sql`${customers.id} = any(${uuidArray(mergedIds)})`)
        .returning({ id: customers.id });
      tally?.add('Customer', 'DELETE', deleted.length);
      const tombstones = await tx
        .insert(customerTombstones)
        .values(
          merged.map((m) => ({
            id: m.id,
            organisationId: actor.organisationId,
            survivorId: survivor.id,
            mergedIntoId: survivor.id,
            name: m.name,
            snapshot: JSON.parse(JSON.stringify(m)) as Record<string, unknown>,
            mergedById: actor.userId,
          })),
        )
        .returning({ id: customerTombstones.id });
      tally?.add('MergedCustomer', 'CREATE', tombstones.length);
      const after = await writeUpdate(tx, customers, survivor.id, changes);
      tally?.add('Customer', 'UPDATE', 1);
      if (after.statusId !== survivor.statusId) {
        await recordCustomerStatusChanges(tx, actor, [
          { customerId: survivor.id, fromStatusId: survivor.statusId, toStatusId: after.statusId, source: 'MERGED' },
        ]);
        tally?.add('CustomerStatusChange', 'CREATE', 1);
      }
      if (changes.typeId !== undefined || demoted.length > 0 || undefaulted.length > 0) {
        await checkTypeRequirements(tx, finalType!, after).catch((error: unknown) => {
          if (!(error instanceof UserErrors)) throw error;
          throw userError(['input', 'values'], `values: after the merge, ${error.errors[0]!.message.replace(/^[A-Za-z]+: /, '')}`, 'REQUIRED');
        });
      }
      await refuseParentCycle(tx, after);
      await recordAudit(tx, actor, [
        {
          action: 'customer.merge',
          entityType: 'Customer',
          entityId: survivor.id,
          before: survivor,
          after: {
            ...after,
            mergedCustomerIds: mergedIds,
            values: choices,
            moved: movedIds,
            demotedPrimaryContactIds: demoted,
            undefaultedAddressIds: undefaulted,
          },
        },
        ...merged.map((m) => ({ action: 'customer.mergedInto', entityType: 'Customer', entityId: m.id, before: m, after: { survivorId: survivor.id } })),
      ]);
      return {
        customer: after,
        mergedCustomerIds: mergedIds.map((id) => toGlobalId('Customer', id)),
        moved: Object.entries(movedIds).map(([recordType, ids]) => ({ recordType, count: ids.length })),
      };
    },
    rowsCodec<MergeResult>({ customer: customers }),
    tally,
  );
}
