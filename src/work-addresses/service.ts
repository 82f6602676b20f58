// Work addresses (docs/domain.md#work-addresses): creating and changing them. Fields are validated by
// the one shared schema (./fields.ts, which the CSV import uses too); the branch must be the same
// customer's, and the landlord is another existing customer the actor may see.
import { and, eq, ne, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { assets } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import { visibleBranch } from '../branches/service';
import { selectRows, type Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import { documents } from '../documents/tables';
import type { CreateWorkAddressInput, DeleteWorkAddressInput, UpdateWorkAddressInput, WorkAddressOccupierInput } from '../generated/graphql';
import { toGlobalId } from '../graph/ids';
import { fromZodIssues, userError } from '../graph/user-errors';
import { estimates, jobs } from '../pipeline/tables';
import { visibleCustomerId } from '../records/owner';
import { serviceReminders } from '../service-reminders/tables';
import { newWorkAddressSchema, workAddressChangesSchema } from './fields';
import { workAddresses, type WorkAddressRow } from './tables';

/** The API's nested occupier ↔ the shared schema's flat occupier fields. */
const occupierFields = {
  occupierTitle: 'title',
  occupierFirstName: 'firstName',
  occupierSurname: 'surname',
  occupierEmail: 'email',
  occupierPhone: 'phone',
} as const satisfies Record<string, keyof WorkAddressOccupierInput>;

/** Flattens `occupier` (given whole: absent parts become null) into the shared schema's fields. */
function flatten(input: Record<string, unknown> & { occupier?: WorkAddressOccupierInput | null }): Record<string, unknown> {
  const { occupier, ...rest } = input;
  if (occupier === undefined) return rest;
  const flat: Record<string, unknown> = { ...rest };
  for (const [field, part] of Object.entries(occupierFields)) flat[field] = occupier?.[part] ?? null;
  return flat;
}

/** Parses with the shared schema; errors on occupier fields name `input.occupier.<part>`. */
function validateWorkAddress<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const [head, ...tail] = issue.path;
    const part = typeof head === 'string' ? occupierFields[head as keyof typeof occupierFields] : undefined;
    return part ? { ...issue, path: ['occupier', part, ...tail] } : issue;
  });
  throw fromZodIssues(issues, ['input']);
}

async function checkBranch(tx: Db, actor: Actor, customerId: string, branchId: string, field: string[]): Promise<string> {
  const branch = await visibleBranch(tx, actor, branchId, field);
  if (branch.customerId !== customerId) {
    throw userError(field, `${field[field.length - 1]}: the branch belongs to another customer.`, 'INVALID');
  }
  return branch.id;
}

async function checkLandlord(tx: Db, actor: Actor, customerId: string, landlordId: string, field: string[]): Promise<string> {
  const id = await visibleCustomerId(tx, actor, landlordId, field);
  if (id === customerId) throw userError(field, 'landlordId: a customer cannot be its own landlord.', 'INVALID');
  return id;
}

/**
 * A reference is unique among the organisation's work addresses (the unique index says so too; this
 * says which one has it, as a user error instead of a failed statement).
 */
async function refuseTakenReference(tx: Db, actor: Actor, reference: string | null | undefined, self: string | null): Promise<void> {
  if (reference == null) return;
  const [taken] = await tx
    .select({ id: workAddresses.id })
    .from(workAddresses)
    .where(and(eq(workAddresses.organisationId, actor.organisationId), eq(workAddresses.reference, reference), self ? ne(workAddresses.id, self) : undefined))
    .limit(1);
  if (taken) {
    throw userError(
      ['input', 'reference'],
      `reference: ${JSON.stringify(reference)} is already the reference of work address ${toGlobalId('WorkAddress', taken.id)}; references are unique in the organisation.`,
      'DUPLICATE',
    );
  }
}

function refuseInvoiceAddressWithoutLandlord(landlordCustomerId: string | null, landlordIsInvoiceAddress: boolean): void {
  if (landlordIsInvoiceAddress && !landlordCustomerId) {
    throw userError(['input', 'landlordIsInvoiceAddress'], 'landlordIsInvoiceAddress: there is no landlord to invoice.', 'INVALID');
  }
}

/**
 * The landlord of a work address is set at creation; afterwards it may be changed only while it is the
 * invoice address (`landlordIsInvoiceAddress`, as it is or as the same change sets it): the landlord
 * then decides where invoices go, and that is what the change is for. Removing the landlord is always
 * allowed (a landlord recorded without the flag can still be taken off).
 */
function refuseLandlordChangeUnlessInvoiced(
  before: WorkAddressRow,
  relations: Partial<Pick<WorkAddressRow, 'landlordCustomerId' | 'landlordIsInvoiceAddress'>>,
): void {
  const landlord = relations.landlordCustomerId;
  if (landlord === undefined || landlord === null || landlord === before.landlordCustomerId) return;
  if (relations.landlordIsInvoiceAddress ?? before.landlordIsInvoiceAddress) return;
  throw userError(
    ['input', 'landlordId'],
    'landlordId: the landlord can be changed only while it is the invoice address; set landlordIsInvoiceAddress to true in the same change.',
    'INVALID_STATE',
  );
}

export async function createWorkAddress(db: Db, actor: Actor, input: CreateWorkAddressInput): Promise<{ workAddress: WorkAddressRow }> {
  const { customerId: customerGlobalId, branchId, landlordId, landlordIsInvoiceAddress, ...rest } = input;
  const fields = validateWorkAddress(newWorkAddressSchema, flatten(rest));
  return db.transaction(async (tx) => {
    const customerId = await visibleCustomerId(tx, actor, customerGlobalId, ['input', 'customerId']);
    const branch = branchId ? await checkBranch(tx, actor, customerId, branchId, ['input', 'branchId']) : null;
    const landlord = landlordId ? await checkLandlord(tx, actor, customerId, landlordId, ['input', 'landlordId']) : null;
    refuseInvoiceAddressWithoutLandlord(landlord, landlordIsInvoiceAddress ?? false);
    await refuseTakenReference(tx, actor, fields.reference, null);
    const [row] = await tx
      .insert(workAddresses)
      .values({
        ...fields,
        organisationId: actor.organisationId,
        customerId,
        branchId: branch,
        landlordCustomerId: landlord,
        landlordIsInvoiceAddress: landlordIsInvoiceAddress ?? false,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'workAddress.create', entityType: 'WorkAddress', entityId: row!.id, after: row });
    return { workAddress: row! };
  });
}

export async function updateWorkAddress(db: Db, actor: Actor, workAddressId: string, input: UpdateWorkAddressInput): Promise<{ workAddress: WorkAddressRow }> {
  const { id: _id, expectedVersion, branchId, landlordId, landlordIsInvoiceAddress, ...rest } = input;
  void _id;
  const changes = validateWorkAddress(workAddressChangesSchema, flatten(rest));
  if (landlordIsInvoiceAddress === null) {
    throw userError(['input', 'landlordIsInvoiceAddress'], 'landlordIsInvoiceAddress: must be true or false.', 'REQUIRED');
  }
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, workAddresses, actor, workAddressId, expectedVersion, 'work address');
    const relations: Partial<Pick<WorkAddressRow, 'branchId' | 'landlordCustomerId' | 'landlordIsInvoiceAddress'>> = {};
    if (branchId !== undefined) {
      relations.branchId = branchId === null ? null : await checkBranch(tx, actor, before.customerId, branchId, ['input', 'branchId']);
    }
    if (landlordId !== undefined) {
      relations.landlordCustomerId = landlordId === null ? null : await checkLandlord(tx, actor, before.customerId, landlordId, ['input', 'landlordId']);
      // No landlord, nothing to invoice: clearing the landlord turns the flag off unless told otherwise.
      if (landlordId === null && landlordIsInvoiceAddress === undefined) relations.landlordIsInvoiceAddress = false;
    }
    if (landlordIsInvoiceAddress !== undefined) relations.landlordIsInvoiceAddress = landlordIsInvoiceAddress;
    refuseLandlordChangeUnlessInvoiced(before, relations);
    refuseInvoiceAddressWithoutLandlord(
      relations.landlordCustomerId !== undefined ? relations.landlordCustomerId : before.landlordCustomerId,
      relations.landlordIsInvoiceAddress ?? before.landlordIsInvoiceAddress,
    );
    if (changes.reference !== undefined && changes.reference !== before.reference) await refuseTakenReference(tx, actor, changes.reference, before.id);
    const after = await writeUpdate(tx, workAddresses, before.id, { ...changes, ...relations });
    await recordAudit(tx, actor, { action: 'workAddress.update', entityType: 'WorkAddress', entityId: after.id, before, after });
    return { workAddress: after };
  });
}

/**
 * Deletes a work address entered by mistake or no longer wanted (docs/domain.md#work-addresses). Its
 * rows decide, by what their foreign keys would do with it gone:
 * - open jobs (OPEN, SCHEDULED): refused, naming how many — finish or cancel them first;
 * - closed jobs, estimates, assets and documents: refused too. Jobs, estimates and documents would be
 *   deleted with it (their keys cascade) and a job may be billed; assets would lose where they are.
 *   A property with a history is made DORMANT instead;
 * - service reminders: deleted with it (they are only about the property), listed in the audit entry;
 * - notes and tasks: kept on the customer, unlinked (their key sets null).
 * The audit entry is written on the customer, so it stays in the customer's trail once the work
 * address (and with it its own history) is gone.
 */
export async function deleteWorkAddress(db: Db, actor: Actor, workAddressId: string, input: DeleteWorkAddressInput): Promise<{ deletedWorkAddressId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, workAddresses, actor, workAddressId, input.expectedVersion, 'work address');
    const [uses] = await selectRows<{ openJobs: number; closedJobs: number; estimates: number; assets: number; documents: number }>(
      tx,
      sql`select
        (select count(*)::int from ${jobs} where ${jobs.workAddressId} = ${before.id} and ${jobs.status} in ('OPEN', 'SCHEDULED')) as "openJobs",
        (select count(*)::int from ${jobs} where ${jobs.workAddressId} = ${before.id} and ${jobs.status} not in ('OPEN', 'SCHEDULED')) as "closedJobs",
        (select count(*)::int from ${estimates} where ${estimates.workAddressId} = ${before.id}) as "estimates",
        (select count(*)::int from ${assets} where ${assets.workAddressId} = ${before.id}) as "assets",
        (select count(*)::int from ${documents} where ${documents.workAddressId} = ${before.id}) as "documents"`,
    );
    const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
    if (uses!.openJobs > 0) {
      throw userError(
        ['input', 'id'],
        `id: the work address has ${plural(uses!.openJobs, 'open job')} (OPEN or SCHEDULED); complete or cancel ${uses!.openJobs === 1 ? 'it' : 'them'} before deleting it.`,
        'INVALID_STATE',
      );
    }
    const history = [
      uses!.closedJobs && plural(uses!.closedJobs, 'closed job'),
      uses!.estimates && plural(uses!.estimates, 'estimate'),
      uses!.assets && plural(uses!.assets, 'asset'),
      uses!.documents && plural(uses!.documents, 'document'),
    ].filter(Boolean);
    if (history.length > 0) {
      throw userError(
        ['input', 'id'],
        `id: the work address has ${history.join(', ')}; its history is kept, so it cannot be deleted (make it DORMANT instead, or move its assets first).`,
        'INVALID_STATE',
      );
    }
    const reminders = await tx.delete(serviceReminders).where(eq(serviceReminders.workAddressId, before.id)).returning();
    await tx.delete(workAddresses).where(eq(workAddresses.id, before.id));
    await recordAudit(tx, actor, {
      action: 'workAddress.delete',
      entityType: 'Customer',
      entityId: before.customerId,
      before: { workAddress: before, serviceReminders: reminders },
    });
    return { deletedWorkAddressId: before.id };
  });
}
