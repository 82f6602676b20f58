// Deleting and anonymising customers (docs/domain.md#deleting-and-anonymising-customers). Deletion is
// permanent and takes every record under the customer with it, but is refused while the customer has
// invoices that are not drafts: the ledger is kept. Anonymisation is the answer for those: the personal
// data goes (from the customer, the records under it, the leads converted into it, the customers merged
// into it, and the audit entries and stored retry results about all of them), the invoices stay
// untouched. Both are one transaction with their audit entry and take an idempotency key.
//
// What happens to each table under the customer is not written here: every area declares its child
// tables in its manifest (`children`, src/db/record-children.ts: deleted or detached, which rows
// refuse the deletion, which columns are personal and what replaces them, what goes with removed
// rows, such as documents' stored files). This file applies those declarations, in the order the
// composition lists them (deletion: children before parents), and handles the customer row itself.
import { and, eq, getTableColumns, not, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { recordAudit, type Actor, type AuditChange } from '../audit/service';
import { auditEntries } from '../audit/tables';
import { inRoleSet, managers } from '../auth/roles';
import type { Config } from '../config';
import { selectRows, type Db } from '../db/client';
import { columnKey, deletionOrder, REDACTED, touched, type RecordChild } from '../db/record-children';
import { writeUpdate } from '../db/versioned';
import { events } from '../events/tables';
import type { AnonymiseCustomerInput, DeleteCustomerInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { withIdempotency, type ResultCodec } from '../graph/idempotency';
import { idempotencyKeys } from '../graph/tables';
import { userError } from '../graph/user-errors';
import { leads } from '../leads/tables';
import { customers, customerTombstones, type CustomerRow } from './tables';
import { lockCustomer } from './tombstones';

/** Who is erasing: the role decides, as in the rule tree (defence in depth: these lose data for good). */
export type Eraser = Actor;

export type RecordCount = { recordType: string; count: number };

/** A short code from the record's id: the same on every call, and nothing about the person. */
function codeOf(id: string): string {
  return id.replace(/-/g, '').slice(0, 8).toUpperCase();
}

export function anonymisedCustomerName(id: string): string {
  return `Anonymised customer ${codeOf(id)}`;
}

function refuseUnlessEraser(actor: Eraser): void {
  // Erasing is for those who manage the whole book, as deleteCustomer/anonymiseCustomer's rule.
  if (!inRoleSet(managers, actor.role)) {
    throw userError(['input', 'id'], 'id: only admins and managers may delete or anonymise customers.', 'NOT_PERMITTED');
  }
}

/** Counts as the payload shows them: the kinds with something in them. */
function nonZero(counts: RecordCount[]): RecordCount[] {
  return counts.filter((c) => c.count > 0);
}

function asObject(counts: RecordCount[]): Record<string, number> {
  return Object.fromEntries(counts.map((c) => [c.recordType, c.count]));
}

/** The rows of a child under the customer (and, where it has a lead column, under the given leads). */
function under(child: RecordChild, scope: { organisationId: string; customerId: string; leadIds: string[] }): SQL {
  const owners: SQL[] = [];
  if (child.customer) owners.push(eq(child.customer, scope.customerId));
  if (child.lead && scope.leadIds.length) owners.push(sql`${child.lead} = any(${uuidArray(scope.leadIds)})`);
  return and(eq(child.table.organisationId, scope.organisationId), or(...owners))!;
}

const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);

/** What a child's `onRemove` reads from the rows it removes, besides their id. */
function removedColumns(child: RecordChild): Record<string, PgColumn> {
  return { ...child.onRemove?.columns, id: child.table.id };
}

// ── Deletion ─────────────────────────────────────────────────────────────────────────────────────

export type DeletionResult = { deletedCustomerId: string; deletedRecords: RecordCount[] };

const plainCodec: ResultCodec<DeletionResult> = {
  store: (result) => result,
  replay: (stored) => stored as DeletionResult,
};

/**
 * Deletes a customer and every record under it (see the SDL of `deleteCustomer`), unless it has
 * rows a child keeps (`refuseDeletion`: invoices that are not drafts, HAS_FINANCIAL_RECORDS). Records
 * that only point at it (`onDelete: { detach }`: converted leads, departments, properties it was
 * landlord of) are detached, each with its own audit entry. `children`: the composition's.
 */
export async function deleteCustomer(
  db: Db,
  config: Config,
  actor: Eraser,
  customerId: string,
  input: DeleteCustomerInput,
  children: readonly RecordChild[],
): Promise<DeletionResult> {
  refuseUnlessEraser(actor);
  // What must run once the transaction has committed (nothing on a replay): e.g. a folder store's files.
  let afterCommit: Array<() => Promise<void>> = [];
  const result = await withIdempotency(
    db,
    actor,
    'deleteCustomer',
    input.idempotencyKey,
    input,
    async (tx) => {
      afterCommit = [];
      const before = await lockCustomer(tx, actor, customerId, input.expectedVersion);
      const org = actor.organisationId;
      for (const child of children) {
        if (!child.refuseDeletion || !child.customer) continue;
        const [kept] = await selectRows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from ${child.table} where ${child.customer} = ${before.id} and ${child.refuseDeletion.while ?? sql`true`}`,
        );
        if (kept!.n > 0) throw userError(['input', 'id'], child.refuseDeletion.message(kept!.n), child.refuseDeletion.code);
      }

      // Records that point at the customer without being under it: detached, not deleted (rows of
      // the same table that are deleted with the customer are left to the deletion).
      const detached: Record<string, string[]> = {};
      const detachEntries: AuditChange[] = [];
      for (const child of children) {
        if (child.onDelete === 'delete' || !child.customer) continue;
        const key = columnKey(child.table, child.customer);
        const entityType = child.entityType ?? child.recordType;
        const deletedWith = children.filter((other) => other.table === child.table && other.onDelete === 'delete' && other.customer);
        const rows = (await tx
          .update(child.table)
          .set({ [key]: null, ...child.onDelete.alsoSet, ...touched(child.table) } as never)
          .where(
            and(
              eq(child.table.organisationId, org),
              eq(child.customer, before.id),
              ...deletedWith.map((other) => sql`${other.customer} is distinct from ${before.id}`),
            ),
          )
          .returning({ id: child.table.id, version: (getTableColumns(child.table) as Record<string, PgColumn>).version ?? sql<null>`null` })) as Array<{
          id: string;
          version: number | null;
        }>;
        detached[child.onDelete.detach] = ids(rows);
        const action = `${entityType.charAt(0).toLowerCase()}${entityType.slice(1)}.update`;
        const reason = { reason: 'customer.delete', deletedCustomerId: before.id };
        detachEntries.push(
          ...rows.map((r) => ({ action, entityType, entityId: r.id, before: { [key]: before.id }, after: { [key]: null, version: r.version, ...reason } })),
        );
      }
      await recordAudit(tx, actor, detachEntries);

      // Children before parents, so each count is of this customer's rows (nothing left for the cascades).
      const counts: RecordCount[] = [];
      const removals: Array<() => Promise<() => Promise<void>>> = [];
      for (const child of deletionOrder(children)) {
        const kept = child.refuseDeletion ? not(child.refuseDeletion.while ?? sql`true`) : undefined;
        const rows = (await tx
          .delete(child.table)
          .where(and(eq(child.table.organisationId, org), eq(child.customer!, before.id), kept))
          .returning(removedColumns(child))) as Array<Record<string, unknown>>;
        counts.push({ recordType: child.recordType, count: rows.length });
        if (child.onRemove) removals.push(() => child.onRemove!.run(tx, config, rows));
      }
      await tx.delete(customers).where(eq(customers.id, before.id));
      // What lives outside the tables (stored files) goes with the rows.
      for (const removal of removals) afterCommit.push(await removal());

      await recordAudit(tx, actor, {
        action: 'customer.delete',
        entityType: 'Customer',
        entityId: before.id,
        before,
        after: { deletedRecords: asObject(counts), ...detached },
      });
      return { deletedCustomerId: before.id, deletedRecords: nonZero(counts) };
    },
    plainCodec,
  );
  for (const run of afterCommit) await run();
  return result;
}

// ── Anonymisation ────────────────────────────────────────────────────────────────────────────────

/**
 * Keys whose values say nothing about the person: ids, versions, timestamps, states, flags, money
 * terms. Everything else in a redacted JSON value is personal until shown otherwise (an allow-list:
 * a field added later is redacted, not leaked).
 */
const KEPT_KEY =
  /^(id|version|status|stage|type|kind|mode|channel|direction|priority|permissions|currency|country|isDefault|isPrimary|isPrivate|important|doNotWorkWithAgain|vacantProperty|afterSalesCommunication|landlordIsInvoiceAddress|consented|creditLimitMinor|creditorDays|quantity|position|sizeBytes|contentType|endsOn|rowsRead|rowsImported|errorCount|[A-Za-z]+Id|[A-Za-z]+Ids|[A-Za-z]+At)$/;

/** Lists that are personal as a whole (and typed as emails or phone numbers where a replay shows them): emptied. */
const PERSONAL_LISTS = new Set(['emails', 'phones', 'socialUrls', 'communicationPreferences']);

/**
 * A JSON value (an audit entry's before/after, a stored retry result, a tombstone's snapshot) with
 * its personal values replaced: text by "[redacted]", numbers by null, lists of values and the
 * personal lists (emails, phones, social links, consent records) by empty lists. Kept keys keep
 * their values; objects, and lists of objects (rows), are walked.
 */
export function redactJson(value: unknown, key: string | null = null): unknown {
  const kept = key !== null && KEPT_KEY.test(key);
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    if (kept) return value;
    if ((key !== null && PERSONAL_LISTS.has(key)) || !value.every((v) => v !== null && typeof v === 'object')) return [];
    return value.map((v) => redactJson(v));
  }
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactJson(v, k)]));
  }
  if (kept || typeof value === 'boolean') return value;
  return typeof value === 'string' ? REDACTED : null;
}

export type AnonymisationResult = { customer: CustomerRow; anonymisedRecords: RecordCount[] };

const anonymisationCodec: ResultCodec<AnonymisationResult> = {
  store: (result) => JSON.parse(JSON.stringify(result)),
  replay: (stored) => {
    const { customer, anonymisedRecords } = stored as { customer: Record<string, unknown>; anonymisedRecords: RecordCount[] };
    const dates = ['createdAt', 'updatedAt', 'anonymisedAt'] as const;
    const revived = { ...customer };
    for (const key of dates) if (typeof revived[key] === 'string') revived[key] = new Date(revived[key] as string);
    return { customer: revived as CustomerRow, anonymisedRecords };
  },
};

/**
 * The audit entry types whose records anonymisation changes or removes (the customer, and the
 * children it anonymises): their before/after are redacted.
 */
function redactedEntityTypes(children: readonly RecordChild[]): string[] {
  return [...new Set(['Customer', ...children.filter((c) => c.anonymise).map((c) => c.entityType ?? c.recordType)])];
}

/** Customers merged into this one (their tombstones): their ids keep resolving here, their own values go. */
export async function anonymiseTombstones(tx: Db, where: SQL): Promise<Array<{ id: string }>> {
  const tombstones = await tx.select({ id: customerTombstones.id, snapshot: customerTombstones.snapshot }).from(customerTombstones).where(where);
  for (const t of tombstones) {
    await tx
      .update(customerTombstones)
      .set({ name: anonymisedCustomerName(t.id), snapshot: redactJson(t.snapshot) as Record<string, unknown> })
      .where(eq(customerTombstones.id, t.id));
  }
  return tombstones;
}

/**
 * Removes the customer's personal data and keeps its ledger (see the SDL of `anonymiseCustomer`):
 * the customer's own columns here, every child's as it declares (`anonymise` in its area's
 * manifest). The audit entry it writes holds counts, never the values it removed.
 */
export async function anonymiseCustomer(
  db: Db,
  config: Config,
  actor: Eraser,
  customerId: string,
  input: AnonymiseCustomerInput,
  children: readonly RecordChild[],
): Promise<AnonymisationResult> {
  refuseUnlessEraser(actor);
  // What must run once the transaction has committed (nothing on a replay): e.g. a folder store's files.
  let afterCommit: Array<() => Promise<void>> = [];
  const result = await withIdempotency(
    db,
    actor,
    'anonymiseCustomer',
    input.idempotencyKey,
    input,
    async (tx) => {
      afterCommit = [];
      const before = await lockCustomer(tx, actor, customerId, input.expectedVersion);
      if (before.anonymisedAt) {
        throw userError(['input', 'id'], `id: the customer was already anonymised on ${before.anonymisedAt.toISOString()}.`, 'INVALID_STATE');
      }
      const org = actor.organisationId;
      // The leads converted into the customer: the rows under them are anonymised with it.
      const leadIds = ids(
        await tx
          .select({ id: leads.id })
          .from(leads)
          .where(and(eq(leads.organisationId, org), eq(leads.convertedCustomerId, before.id)))
          .for('update'),
      );
      const scope = { organisationId: org, customerId: before.id, leadIds };
      const counts: RecordCount[] = [];
      const touchedIds: string[] = [before.id, ...leadIds];

      const now = new Date();
      const customer = await writeUpdate(tx, customers, before.id, {
        name: anonymisedCustomerName(before.id),
        vatNumber: null,
        thirdPartyReference: null,
        advertisingSource: null,
        customFields: {},
        anonymisedAt: now,
      });
      counts.push({ recordType: 'Customer', count: 1 });

      const removals: Array<() => Promise<() => Promise<void>>> = [];
      const changedOf = new Map<RecordChild['table'], string[]>();
      for (const child of children) {
        const how = child.anonymise;
        if (!how) continue;
        const where = under(child, scope);
        let rows: Array<{ id: string }>;
        let recordType = child.recordType;
        if (how === 'delete') {
          const removed = (await tx.delete(child.table).where(where).returning(removedColumns(child))) as Array<Record<string, unknown> & { id: string }>;
          if (child.onRemove) removals.push(() => child.onRemove!.run(tx, config, removed));
          rows = removed;
        } else if ('run' in how) {
          rows = await how.run(tx, where);
        } else {
          const set = typeof how.set === 'function' ? how.set({ userId: actor.userId }) : how.set;
          recordType = how.countAs ?? recordType;
          rows = (await tx
            .update(child.table)
            .set({ ...set, ...touched(child.table) } as never)
            .where(where)
            .returning({ id: child.table.id })) as Array<{ id: string }>;
        }
        counts.push({ recordType, count: rows.length });
        touchedIds.push(...ids(rows));
        changedOf.set(child.table, [...(changedOf.get(child.table) ?? []), ...ids(rows)]);
      }
      // Customers merged into this one are owners too: entries and retry results about them are redacted.
      const ownerIds = [before.id, ...(changedOf.get(customerTombstones) ?? [])];

      // What lives outside the tables (stored files) goes with the rows.
      for (const removal of removals) afterCommit.push(await removal());

      const redaction = { organisationId: org, entityTypes: redactedEntityTypes(children), entityIds: touchedIds, customerIds: ownerIds, leadIds };
      counts.push({ recordType: 'AuditEntry', count: await redactAuditEntries(tx, redaction) });
      counts.push({ recordType: 'Event', count: await redactEvents(tx, redaction) });
      const redactedRetries = await redactStoredResults(tx, org, [...ownerIds, ...leadIds]);

      await recordAudit(tx, actor, {
        action: 'customer.anonymise',
        entityType: 'Customer',
        entityId: customer.id,
        // No `before`: it would keep what was removed.
        after: {
          name: customer.name,
          version: customer.version,
          anonymisedAt: customer.anonymisedAt,
          anonymisedRecords: asObject(counts),
          redactedRetryResults: redactedRetries,
        },
      });
      return { customer, anonymisedRecords: nonZero(counts) };
    },
    anonymisationCodec,
  );
  for (const run of afterCommit) await run();
  return result;
}

/** Who the anonymised records are: the redaction of the audit trail and of the events reads the same. */
type RedactionScope = { organisationId: string; entityTypes: string[]; entityIds: string[]; customerIds: string[]; leadIds: string[] };

/**
 * Which rows of a log (the audit trail, the events) are about the anonymised records: rows whose
 * entity is one of them, and rows about things that were under the customer (or its merged customers
 * or converted leads) but have since been deleted, found by the `customerId`/`leadId` they recorded.
 * Rows about kept records (invoices, assets, the pipeline) are left as they are.
 */
function aboutAnonymised(scope: RedactionScope, log: { entityType: SQL | PgColumn; entityId: SQL | PgColumn; before: SQL; after: SQL }): SQL {
  const owners = sql`array_cat(${uuidArray(scope.customerIds)}, ${uuidArray(scope.leadIds)})::text[]`;
  return sql`${log.entityType} = any(${`{${scope.entityTypes.join(',')}}`}::text[])
    and (${log.entityId} = any(${uuidArray(scope.entityIds)})
      or ${log.before} ->> 'customerId' = any(${owners}) or ${log.after} ->> 'customerId' = any(${owners})
      or ${log.before} ->> 'leadId' = any(${owners}) or ${log.after} ->> 'leadId' = any(${owners}))`;
}

/** The rows whose before/after change when redacted, with the redacted values. */
function redactedPairs<K>(rows: Array<{ id: K; before: unknown; after: unknown }>): Array<{ id: K; before: unknown; after: unknown }> {
  return rows
    .map((r) => ({ id: r.id, before: redactJson(r.before), after: redactJson(r.after), was: JSON.stringify([r.before ?? null, r.after ?? null]) }))
    .filter((r) => JSON.stringify([r.before, r.after]) !== r.was)
    .map(({ id, before, after }) => ({ id, before, after }));
}

/** Redacts the before/after of the audit entries about the anonymised records; returns how many changed. */
async function redactAuditEntries(tx: Db, scope: RedactionScope): Promise<number> {
  const rows = await tx
    .select({ id: auditEntries.id, before: auditEntries.before, after: auditEntries.after })
    .from(auditEntries)
    .where(
      and(
        eq(auditEntries.organisationId, scope.organisationId),
        aboutAnonymised(scope, {
          entityType: auditEntries.entityType,
          entityId: auditEntries.entityId,
          before: sql`${auditEntries.before}`,
          after: sql`${auditEntries.after}`,
        }),
      ),
    );
  const changed = redactedPairs(rows);
  if (changed.length) {
    // One statement for all of them; a JSON null stays SQL null, as recordAudit writes it.
    await tx.execute(sql`
      update ${auditEntries} set before = nullif(r.before, 'null'::jsonb), after = nullif(r.after, 'null'::jsonb)
      from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as r(id bigint, before jsonb, after jsonb)
      where ${auditEntries.id} = r.id and ${auditEntries.organisationId} = ${scope.organisationId}`);
  }
  return changed.length;
}

/** The same for the events integrators read (src/events/): an event's payload is its audit entry's before and after. */
async function redactEvents(tx: Db, scope: RedactionScope): Promise<number> {
  const before = sql`${events.payload} -> 'before'`;
  const after = sql`${events.payload} -> 'after'`;
  const rows = await tx
    .select({ id: events.id, before: sql<unknown>`${before}`, after: sql<unknown>`${after}` })
    .from(events)
    .where(
      and(
        eq(events.organisationId, scope.organisationId),
        aboutAnonymised(scope, { entityType: events.resourceType, entityId: events.resourceId, before, after }),
      ),
    );
  const changed = redactedPairs(rows);
  if (changed.length) {
    await tx.execute(sql`
      update ${events} set payload = jsonb_build_object('before', r.before, 'after', r.after)
      from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as r(id uuid, before jsonb, after jsonb)
      where ${events.id} = r.id and ${events.organisationId} = ${scope.organisationId}`);
  }
  return changed.length;
}

/**
 * Redacts stored retry results (idempotency keys) that mention the records: a retry with an old key
 * still gets its first answer back (so nothing is made again), without the personal data in it.
 */
async function redactStoredResults(tx: Db, organisationId: string, recordIds: string[]): Promise<number> {
  const patterns = `{${recordIds.map((id) => `"%${id}%"`).join(',')}}`;
  const rows = await tx
    .select({ id: idempotencyKeys.id, response: idempotencyKeys.response })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.organisationId, organisationId), sql`${idempotencyKeys.response}::text like any(${patterns}::text[])`));
  for (const row of rows) {
    await tx
      .update(idempotencyKeys)
      .set({ response: redactJson(row.response) })
      .where(eq(idempotencyKeys.id, row.id));
  }
  return rows.length;
}
