// Customer workflows (docs/domain.md#status-workflows): changing status (optionally with a note and a
// follow-up task), deactivating and reactivating, and changing type. Each runs in one transaction with
// its audit entries and takes an idempotency key (src/graph/idempotency.ts), so a client may retry it
// safely.
//
// Work addresses and dormancy: moving a customer to the dormant status marks its ACTIVE work
// addresses DORMANT (one statement, one audit entry each). Moving it away again does not touch them
// (docs/domain.md#status-workflows: nothing is reactivated behind the user's back), except through
// `reactivateCustomer`, which reverses the last deactivation: the addresses that deactivation made
// dormant, as listed in its `customer.deactivate` audit entry (`after.dormantWorkAddressIds`), become
// ACTIVE again, and its note (`after.deactivationNoteId`) loses its Important and Do Not Work With
// Again flags. Ones that were dormant before the deactivation stay dormant. The audit entry is the
// record of it: it is written in the same transaction and never changes.
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { assertStatusPermitted } from '../access/status-group-service';
import { createNote, createTask } from '../activity/service';
import { notes, tasks, type NoteRow, type TaskRow } from '../activity/tables';
import { recordAudit, type Actor } from '../audit/service';
import { auditEntries } from '../audit/tables';
import { contacts } from '../contacts/tables';
import type { Db } from '../db/client';
import { writeUpdate } from '../db/versioned';
import type { ChangeCustomerStatusInput, ChangeCustomerTypeInput, DeactivateCustomerInput, ReactivateCustomerInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { toGlobalId } from '../graph/ids';
import { userError, UserErrors } from '../graph/user-errors';
import { assertCustomerTransition, recordCustomerStatusChanges, statusNoteOf } from '../status-history/service';
import { workAddresses } from '../work-addresses/tables';
import { checkTypeRequirements, defaultStatusId, referenced } from './service';
import { customers, customerStatuses, customerTypes, type CustomerRow, type CustomerStatusRow } from './tables';
import { lockCustomer } from './tombstones';

/** Runs `run`, moving its user errors' fields (and the field name leading each message) with `move`. */
async function errorsMoved<T>(move: (field: string[]) => string[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof UserErrors)) throw error;
    throw new UserErrors(
      error.errors.map((e) => {
        const field = move(e.field);
        const from = e.field[e.field.length - 1];
        const to = field[field.length - 1];
        const message = from && to && e.message.startsWith(`${from}:`) ? `${to}:${e.message.slice(from.length + 1)}` : e.message;
        return { ...e, field, message };
      }),
    );
  }
}

/** ['input', x, …] → ['input', under, x, …]: errors of a nested service call, under its input field. */
const under = (name: string) => (field: string[]) => (field[0] === 'input' ? ['input', name, ...field.slice(1)] : field);

async function dormantStatus(tx: Db, organisationId: string): Promise<CustomerStatusRow | undefined> {
  const [row] = await tx
    .select()
    .from(customerStatuses)
    .where(and(eq(customerStatuses.organisationId, organisationId), eq(customerStatuses.isDormant, true)));
  return row;
}

/** Marks the customer's active work addresses dormant in one statement, audits each, and returns their ids. */
async function markWorkAddressesDormant(tx: Db, actor: Actor, customerId: string, reason: string): Promise<string[]> {
  const rows = await tx
    .update(workAddresses)
    .set({ status: 'DORMANT', version: sql`${workAddresses.version} + 1`, updatedAt: sql`clock_timestamp()` })
    .where(and(eq(workAddresses.customerId, customerId), eq(workAddresses.status, 'ACTIVE')))
    .returning({ id: workAddresses.id, version: workAddresses.version });
  await recordAudit(
    tx,
    actor,
    rows.map((r) => ({
      action: 'workAddress.markDormant',
      entityType: 'WorkAddress',
      entityId: r.id,
      before: { status: 'ACTIVE' },
      after: { status: 'DORMANT', version: r.version, reason },
    })),
  );
  return rows.map((r) => r.id);
}

const statusChangeCodec = rowsCodec<{ customer: CustomerRow; note: NoteRow | null; followUpTask: TaskRow | null }>({
  customer: customers,
  note: notes,
  followUpTask: tasks,
});

/**
 * Moves a customer to another status the actor may set, from one they may set, with an optional note
 * and follow-up task; to the dormant status, its work addresses become dormant. Audited. The same
 * status again changes nothing on the customer, but the note and task are still added.
 */
export function changeCustomerStatus(
  db: Db,
  actor: Actor,
  customerId: string,
  input: ChangeCustomerStatusInput,
): Promise<{ customer: CustomerRow; note: NoteRow | null; followUpTask: TaskRow | null }> {
  return withIdempotency(
    db,
    actor,
    'changeCustomerStatus',
    input.idempotencyKey,
    input,
    async (tx) => {
      const statusNote = statusNoteOf(input.statusNote);
      const before = await lockCustomer(tx, actor, customerId, input.expectedVersion);
      const status = await referenced(tx, actor, customerStatuses, 'CustomerStatus', input.statusId, 'statusId', 'customer status');
      await assertStatusPermitted(tx, actor, before.statusId, status.id);
      await assertCustomerTransition(tx, actor, before.statusId, status.id);
      let customer = before;
      if (before.statusId !== status.id) {
        customer = await writeUpdate(tx, customers, before.id, { statusId: status.id });
        await recordCustomerStatusChanges(tx, actor, [
          { customerId: before.id, fromStatusId: before.statusId, toStatusId: status.id, source: 'CHANGED', note: statusNote },
        ]);
        const dormantWorkAddressIds = status.isDormant ? await markWorkAddressesDormant(tx, actor, before.id, 'customer.changeStatus') : [];
        await recordAudit(tx, actor, {
          action: 'customer.changeStatus',
          entityType: 'Customer',
          entityId: customer.id,
          before: { statusId: before.statusId },
          after: { statusId: customer.statusId, version: customer.version, ...(status.isDormant ? { dormantWorkAddressIds } : {}) },
        });
      }
      const ownerId = toGlobalId('Customer', before.id);
      const note = input.note
        ? (await errorsMoved(under('note'), () => createNote(tx, actor, { ownerId, body: input.note!.body, important: input.note!.important }))).note
        : null;
      const followUpTask = input.followUpTask
        ? (await errorsMoved(under('followUpTask'), () => createTask(tx, actor, { ...input.followUpTask!, ownerId }))).task
        : null;
      return { customer, note, followUpTask };
    },
    statusChangeCodec,
  );
}

/**
 * Deactivates a customer in one step (docs/domain.md#status-workflows): the organisation's dormant
 * status, a pinned Important and Do Not Work With Again note with the reason, and its active work
 * addresses dormant. What it did is kept in its audit entry so that `reactivateCustomer` can undo
 * exactly that.
 */
export function deactivateCustomer(
  db: Db,
  actor: Actor,
  customerId: string,
  input: DeactivateCustomerInput,
): Promise<{ customer: CustomerRow; note: NoteRow }> {
  return withIdempotency(
    db,
    actor,
    'deactivateCustomer',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockCustomer(tx, actor, customerId, input.expectedVersion);
      const dormant = await dormantStatus(tx, actor.organisationId);
      if (!dormant) {
        throw userError(
          ['input', 'id'],
          'id: the organisation has no dormant status to deactivate customers to; an admin can mark one with updateCustomerStatus.',
          'INVALID_STATE',
        );
      }
      if (before.statusId === dormant.id) throw userError(['input', 'id'], `id: the customer is already ${dormant.name}.`, 'INVALID_STATE');
      await assertStatusPermitted(tx, actor, before.statusId, dormant.id, ['input', 'id']);
      await assertCustomerTransition(tx, actor, before.statusId, dormant.id, ['input', 'id']);
      const { note } = await errorsMoved(
        (field) => (field.join('.') === 'input.body' ? ['input', 'reason'] : field),
        () => createNote(tx, actor, { ownerId: toGlobalId('Customer', before.id), body: input.reason, important: true, doNotWorkWithAgain: true }),
      );
      const customer = await writeUpdate(tx, customers, before.id, { statusId: dormant.id });
      // The reason is the note's text and the change's note alike.
      await recordCustomerStatusChanges(tx, actor, [
        { customerId: before.id, fromStatusId: before.statusId, toStatusId: dormant.id, source: 'DEACTIVATED', note: note.body },
      ]);
      const dormantWorkAddressIds = await markWorkAddressesDormant(tx, actor, before.id, 'customer.deactivate');
      await recordAudit(tx, actor, {
        action: 'customer.deactivate',
        entityType: 'Customer',
        entityId: customer.id,
        before: { statusId: before.statusId },
        after: { statusId: customer.statusId, version: customer.version, deactivationNoteId: note.id, dormantWorkAddressIds },
      });
      return { customer, note };
    },
    rowsCodec<{ customer: CustomerRow; note: NoteRow }>({ customer: customers, note: notes }),
  );
}

type DeactivationRecord = { deactivationNoteId?: string; dormantWorkAddressIds?: string[] };

/**
 * Reactivates a customer whose status is not active: an active status (the default one unless given),
 * and, if its last deactivation has not been reversed yet, the reversal of that deactivation.
 */
export function reactivateCustomer(db: Db, actor: Actor, customerId: string, input: ReactivateCustomerInput): Promise<{ customer: CustomerRow }> {
  return withIdempotency(
    db,
    actor,
    'reactivateCustomer',
    input.idempotencyKey,
    input,
    async (tx) => {
      const statusNote = statusNoteOf(input.statusNote);
      const before = await lockCustomer(tx, actor, customerId, input.expectedVersion);
      const [current] = await tx.select().from(customerStatuses).where(eq(customerStatuses.id, before.statusId));
      if (current!.active) throw userError(['input', 'id'], `id: the customer is not deactivated; its status ${current!.name} is active.`, 'INVALID_STATE');
      const target = input.statusId
        ? await referenced(tx, actor, customerStatuses, 'CustomerStatus', input.statusId, 'statusId', 'customer status')
        : (
            await tx
              .select()
              .from(customerStatuses)
              .where(eq(customerStatuses.id, await defaultStatusId(tx, actor.organisationId)))
          )[0]!;
      if (!target.active) throw userError(['input', 'statusId'], `statusId: ${target.name} is not an active status.`, 'INVALID');
      await assertStatusPermitted(tx, actor, before.statusId, target.id);
      await assertCustomerTransition(tx, actor, before.statusId, target.id);
      const customer = await writeUpdate(tx, customers, before.id, { statusId: target.id });
      await recordCustomerStatusChanges(tx, actor, [
        { customerId: before.id, fromStatusId: before.statusId, toStatusId: target.id, source: 'REACTIVATED', note: statusNote },
      ]);

      // The last deactivation or reactivation of this customer: only an unreversed deactivation is undone.
      const [last] = await tx
        .select({ action: auditEntries.action, after: auditEntries.after })
        .from(auditEntries)
        .where(
          and(
            eq(auditEntries.organisationId, actor.organisationId),
            eq(auditEntries.entityId, before.id),
            eq(auditEntries.entityType, 'Customer'),
            inArray(auditEntries.action, ['customer.deactivate', 'customer.reactivate']),
          ),
        )
        .orderBy(desc(auditEntries.id))
        .limit(1);
      const deactivation = last?.action === 'customer.deactivate' ? ((last.after ?? {}) as DeactivationRecord) : null;
      let reactivatedWorkAddressIds: string[] = [];
      let clearedNoteId: string | null = null;
      if (deactivation) {
        const ids = deactivation.dormantWorkAddressIds ?? [];
        if (ids.length) {
          const rows = await tx
            .update(workAddresses)
            .set({ status: 'ACTIVE', version: sql`${workAddresses.version} + 1`, updatedAt: sql`clock_timestamp()` })
            .where(and(sql`${workAddresses.id} = any(${uuidArray(ids)})`, eq(workAddresses.customerId, before.id), eq(workAddresses.status, 'DORMANT')))
            .returning({ id: workAddresses.id, version: workAddresses.version });
          reactivatedWorkAddressIds = rows.map((r) => r.id);
          await recordAudit(
            tx,
            actor,
            rows.map((r) => ({
              action: 'workAddress.reactivate',
              entityType: 'WorkAddress',
              entityId: r.id,
              before: { status: 'DORMANT' },
              after: { status: 'ACTIVE', version: r.version, reason: 'customer.reactivate' },
            })),
          );
        }
        if (deactivation.deactivationNoteId) {
          const [noteBefore] = await tx
            .select()
            .from(notes)
            .where(and(eq(notes.id, deactivation.deactivationNoteId), eq(notes.customerId, before.id)));
          if (noteBefore && (noteBefore.important || noteBefore.doNotWorkWithAgain)) {
            const noteAfter = await writeUpdate(tx, notes, noteBefore.id, { important: false, doNotWorkWithAgain: false });
            clearedNoteId = noteAfter.id;
            await recordAudit(tx, actor, { action: 'note.update', entityType: 'Note', entityId: noteAfter.id, before: noteBefore, after: noteAfter });
          }
        }
      }
      await recordAudit(tx, actor, {
        action: 'customer.reactivate',
        entityType: 'Customer',
        entityId: customer.id,
        before: { statusId: before.statusId },
        after: { statusId: customer.statusId, version: customer.version, reactivatedWorkAddressIds, clearedNoteId },
      });
      return { customer };
    },
    rowsCodec<{ customer: CustomerRow }>({ customer: customers }),
  );
}

/**
 * Changes a customer's type for good (docs/domain.md#customer-types): the customer must meet the new
 * type's required fields; a type without a primary contact clears the primary flag of the customer's
 * contacts. Audited.
 */
export function changeCustomerType(db: Db, actor: Actor, customerId: string, input: ChangeCustomerTypeInput): Promise<{ customer: CustomerRow }> {
  return withIdempotency(
    db,
    actor,
    'changeCustomerType',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockCustomer(tx, actor, customerId, input.expectedVersion);
      const type = await referenced(tx, actor, customerTypes, 'CustomerType', input.typeId, 'typeId', 'customer type', before.typeId);
      if (type.id === before.typeId) return { customer: before };
      const customer = await writeUpdate(tx, customers, before.id, { typeId: type.id });
      if (!type.allowsPrimaryContact) {
        const cleared = await tx
          .update(contacts)
          .set({ isPrimary: false, version: sql`${contacts.version} + 1`, updatedAt: sql`clock_timestamp()` })
          .where(and(eq(contacts.customerId, before.id), eq(contacts.isPrimary, true)))
          .returning({ id: contacts.id, version: contacts.version });
        await recordAudit(
          tx,
          actor,
          cleared.map((c) => ({
            action: 'contact.update',
            entityType: 'Contact',
            entityId: c.id,
            before: { isPrimary: true },
            after: { isPrimary: false, version: c.version, reason: 'customer.changeType' },
          })),
        );
      }
      // The requirement names a customer field; in this input, the type is what is at fault.
      await errorsMoved(
        (field) => (field[0] === 'input' ? ['input', 'typeId'] : field),
        () => checkTypeRequirements(tx, type, customer),
      );
      await recordAudit(tx, actor, {
        action: 'customer.changeType',
        entityType: 'Customer',
        entityId: customer.id,
        before: { typeId: before.typeId },
        after: { typeId: customer.typeId, version: customer.version },
      });
      return { customer };
    },
    rowsCodec<{ customer: CustomerRow }>({ customer: customers }),
  );
}
