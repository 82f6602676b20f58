// What the pipeline's aggregates (opportunities.ts, quotes.ts, sales-orders.ts, jobs.ts, estimates.ts)
// share: the lead or customer a record is on, organisation-level rows by id, a customer's work
// address, and the status gating of new work (docs/domain.md#status-gating-of-new-work): jobs and sales orders are refused while the
// customer's status does not allow it, unless an admin or manager overrides (audited).
import { and, eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Actor } from '../audit/service';
import { inRoleSet, managers } from '../auth/roles';
import { refuseConvertedLead } from '../contacts/service';
import { customers, customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { uuidArray } from '../graph/connection';
import { inputId, notFound, userError } from '../graph/user-errors';
import { resolveRecordOwner, type RecordOwner } from '../records/owner';
import { workAddresses } from '../work-addresses/tables';

export type Path = (string | number)[];

/** Rows of an organisation-level table by uuid (one query), for checking the IDs a mutation names. */
export async function rowsById<T extends PgTable & { id: PgColumn; organisationId: PgColumn }>(
  tx: Db,
  actor: Actor,
  table: T,
  ids: string[],
): Promise<Map<string, T['$inferSelect']>> {
  if (ids.length === 0) return new Map();
  const rows = (await tx
    .select()
    .from(table as PgTable)
    .where(and(eq(table.organisationId, actor.organisationId), sql`${table.id} = any(${uuidArray(ids)})`))) as Array<T['$inferSelect'] & { id: string }>;
  return new Map(rows.map((r) => [r.id, r]));
}

/** The record's currency: the customer's own, or the organisation's for a lead. */
export async function currencyOf(tx: Db, actor: Actor, owner: RecordOwner): Promise<string> {
  if (owner.kind === 'lead') return actor.currency;
  const [row] = await tx.select({ currency: customers.currency }).from(customers).where(eq(customers.id, owner.id));
  return row?.currency ?? actor.currency;
}

/** A record a viewer may change: refuses a converted lead (read-only: docs/domain.md#converted-leads). */
export async function writableOwner(tx: Db, actor: Actor, globalId: string, field: Path): Promise<RecordOwner> {
  const owner = await resolveRecordOwner(tx, actor, globalId, field);
  if (owner.kind === 'lead') await refuseConvertedLead(tx, owner.id);
  return owner;
}

export const ownerColumns = (owner: RecordOwner) => ({
  customerId: owner.kind === 'customer' ? owner.id : null,
  leadId: owner.kind === 'lead' ? owner.id : null,
});

/** The customer (visible to the actor) and one of its work addresses, from mutation input. */
export async function customerAndWorkAddress(tx: Db, actor: Actor, input: { customerId: string; workAddressId: string }) {
  const customerField = ['input', 'customerId'];
  const { id: customerId } = inputId(input.customerId, ['Customer'], customerField);
  const { id: workAddressId } = inputId(input.workAddressId, ['WorkAddress'], ['input', 'workAddressId']);
  const [customer] = await tx
    .select({ id: customers.id, currency: customers.currency })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.organisationId, actor.organisationId), actor.visibility?.record('customer')));
  if (!customer) throw notFound(customerField, 'customer');
  const [workAddress] = await tx
    .select({ id: workAddresses.id, customerId: workAddresses.customerId })
    .from(workAddresses)
    .where(and(eq(workAddresses.id, workAddressId), eq(workAddresses.organisationId, actor.organisationId), actor.visibility?.rows(workAddresses)));
  if (!workAddress) throw notFound(['input', 'workAddressId'], 'work address');
  if (workAddress.customerId !== customer.id) {
    throw userError(['input', 'workAddressId'], "workAddressId: the work address is another customer's.", 'INVALID');
  }
  return { customer, workAddressId: workAddress.id };
}

// ── New work: status gating (docs/domain.md#status-gating-of-new-work) ─────────────────────────────────────────────────────────────────

export type StatusOverride = {
  /** The input asked to raise the work despite the customer's status. */
  overrideStatus?: boolean | null;
  /** The viewer's role may override (admins and managers); decided by the caller, who knows the role. */
  mayOverride: boolean;
  /** Where the customer sits in the mutation's input, for the error. */
  field?: Path;
};

/**
 * Admins and managers may raise work for a customer whose status does not allow it
 * (docs/domain.md#status-gating-of-new-work); portal tokens never.
 */
export function mayOverrideStatus(actor: Actor): boolean {
  return actor.kind === 'user' && inRoleSet(managers, actor.role);
}

/** A customer's status as the gating of new work reads it. */
export type WorkStatus = { code: string; name: string; allowsNewWork: boolean };

/** The statuses of many customers in one query (for work raised in bulk), by customer id. */
export async function workStatuses(tx: Db, customerIds: readonly string[]): Promise<Map<string, WorkStatus>> {
  if (customerIds.length === 0) return new Map();
  const rows = await tx
    .select({ customerId: customers.id, code: customerStatuses.code, name: customerStatuses.name, allowsNewWork: customerStatuses.allowsNewWork })
    .from(customers)
    .innerJoin(customerStatuses, eq(customerStatuses.id, customers.statusId))
    .where(sql`${customers.id} = any(${uuidArray(customerIds)})`);
  return new Map(rows.map(({ customerId, ...status }) => [customerId, status]));
}

/**
 * The gating itself, on a status already read: refuses new work for a customer whose status does not
 * allow it (STATUS_BLOCKS_WORK), unless the input overrides and the viewer may (NOT_PERMITTED
 * otherwise). Returns the status overridden, for the audit entry, or null when nothing was overridden.
 */
export function gateNewWork(status: WorkStatus | undefined, options: StatusOverride): { code: string; name: string } | null {
  const field = options.field ?? ['input', 'customerId'];
  if (!status || status.allowsNewWork) return null;
  if (!options.overrideStatus) {
    throw userError(
      field,
      `${field[field.length - 1]}: the customer's status (${status.name}) does not allow new work; an admin or manager may override it.`,
      'STATUS_BLOCKS_WORK',
    );
  }
  if (!options.mayOverride) {
    throw userError(['input', 'overrideStatus'], "overrideStatus: only admins and managers may override the customer's status.", 'NOT_PERMITTED');
  }
  return { code: status.code, name: status.name };
}

/** `gateNewWork` for one customer, reading its status. */
export async function checkNewWorkAllowed(tx: Db, customerId: string, options: StatusOverride): Promise<{ code: string; name: string } | null> {
  return gateNewWork((await workStatuses(tx, [customerId])).get(customerId), options);
}
