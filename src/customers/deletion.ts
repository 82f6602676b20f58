// Deleting and anonymising customers (docs/domain.md#deleting-and-anonymising-customers). Deletion is
// permanent and takes every record under the customer with it, but is refused while the customer has
// invoices that are not drafts: the ledger is kept. Anonymisation is the answer for those: the personal
// data goes (from the customer, the records under it, the leads converted into it, the customers merged
// into it, and the audit entries and stored retry results about all of them), the invoices stay
// untouched. Both are one transaction with their audit entry and take an idempotency key.
//
// Document files: the database store deletes inside the transaction (a rollback keeps them); a
// folder cannot take part in one, so its files go after the commit (at worst an orphaned file,
// never a kept document without its bytes), as deleteDocument does.
import { and, eq, ne, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { accessGrants } from '../access/tables';
import { communications, expiries, notes, tasks } from '../activity/tables';
import { addresses } from '../addresses/tables';
import { assets } from '../assets/tables';
import { auditEntries } from '../audit/tables';
import { recordAudit, type Actor } from '../audit/service';
import { branches } from '../branches/tables';
import type { Config } from '../config';
import { contacts } from '../contacts/tables';
import { selectRows, type Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import { documentStore, type DocumentStore } from '../documents/store';
import { documents } from '../documents/tables';
import type { AnonymiseCustomerInput, DeleteCustomerInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { idempotencyKeys } from '../graph/idempotency-tables';
import { withIdempotency, type ResultCodec } from '../graph/idempotency';
import { userError } from '../graph/user-errors';
import { importJobs } from '../import-export/tables';
import { invoices } from '../invoices/tables';
import { leads } from '../leads/tables';
import type { Role } from '../organisations/tables';
import { estimates, jobs, opportunities, quotes, salesOrders } from '../pipeline/tables';
import { portalTokens } from '../portal/tables';
import { workAddresses } from '../work-addresses/tables';
import { customers, customerTombstones, type CustomerRow } from './tables';

/** Who is erasing: the role decides, as in the rule tree (defence in depth: these lose data for good). */
export type Eraser = Actor & { role: Role | null };

const ERASER_ROLES: readonly Role[] = ['ADMIN', 'MANAGER'];

export type RecordCount = { recordType: string; count: number };

/** What replaces personal text that has to stay non-null: nothing about the person, the same everywhere. */
export const REDACTED = '[redacted]';
/** Address line 1 (NOT NULL) of anonymised addresses, branches and work addresses. */
const ANONYMISED_LINE = 'Anonymised';

/** A short code from the record's id: the same on every call, and nothing about the person. */
function codeOf(id: string): string {
  return id.replace(/-/g, '').slice(0, 8).toUpperCase();
}

export function anonymisedCustomerName(id: string): string {
  return `Anonymised customer ${codeOf(id)}`;
}

function refuseUnlessEraser(actor: Eraser): void {
  if (!actor.role || !ERASER_ROLES.includes(actor.role)) {
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

/** Rows of `table` under the customer (and, where the table has a lead column, under the given leads). */
function under(organisation: PgColumn, customer: PgColumn, lead: PgColumn | null, scope: { organisationId: string; customerId: string; leadIds: string[] }): SQL {
  const owners: SQL[] = [eq(customer, scope.customerId)];
  if (lead && scope.leadIds.length) owners.push(sql`${lead} = any(${uuidArray(scope.leadIds)})`);
  return and(eq(organisation, scope.organisationId), or(...owners))!;
}

const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);

/** Removes files of a folder store after the commit; the database store already removed its bytes in the transaction. */
async function removeFilesAfterCommit(store: DocumentStore, keys: readonly string[]): Promise<void> {
  if (store.kind === 'database') return;
  for (const key of keys) await store.delete(key);
}

// ── Deletion ─────────────────────────────────────────────────────────────────────────────────────

export type DeletionResult = { deletedCustomerId: string; deletedRecords: RecordCount[] };

const plainCodec: ResultCodec<DeletionResult> = {
  store: (result) => result,
  replay: (stored) => stored as DeletionResult,
};

/**
 * Deletes a customer and every record under it (see the SDL of `deleteCustomer`), unless it has
 * invoices that are not drafts (HAS_FINANCIAL_RECORDS). Records that only point at it (converted
 * leads, departments, properties it was landlord of) are detached, each with its own audit entry.
 */
export async function deleteCustomer(db: Db, config: Config, actor: Eraser, customerId: string, input: DeleteCustomerInput): Promise<DeletionResult> {
  refuseUnlessEraser(actor);
  // What the folder store must remove once the transaction has committed (nothing on a replay).
  const files: { store: DocumentStore | null; keys: string[] } = { store: null, keys: [] };
  const result = await withIdempotency(
    db,
    actor,
    'deleteCustomer',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockForUpdate(tx, customers, actor, customerId, input.expectedVersion, 'customer');
      const org = actor.organisationId;
      const [financial] = await selectRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from ${invoices} where ${invoices.customerId} = ${before.id} and ${invoices.status} <> 'DRAFT'`,
      );
      if (financial!.n > 0) {
        const n = financial!.n;
        throw userError(
          ['input', 'id'],
          `id: the customer has ${n} ${n === 1 ? 'invoice' : 'invoices'} that ${n === 1 ? 'is' : 'are'} not a draft; financial records are kept, so it cannot be deleted. Use anonymiseCustomer to remove its personal data instead.`,
          'HAS_FINANCIAL_RECORDS',
        );
      }

      // Records that point at the customer without being under it: detached, not deleted.
      const departments = await tx
        .update(customers)
        .set({ parentCustomerId: null, version: sql`${customers.version} + 1`, updatedAt: sql`clock_timestamp()` })
        .where(and(eq(customers.organisationId, org), eq(customers.parentCustomerId, before.id)))
        .returning({ id: customers.id, version: customers.version });
      const convertedLeads = await tx
        .update(leads)
        .set({ convertedCustomerId: null, version: sql`${leads.version} + 1`, updatedAt: sql`clock_timestamp()` })
        .where(and(eq(leads.organisationId, org), eq(leads.convertedCustomerId, before.id)))
        .returning({ id: leads.id, version: leads.version });
      const landlordOf = await tx
        .update(workAddresses)
        .set({ landlordCustomerId: null, landlordIsInvoiceAddress: false, version: sql`${workAddresses.version} + 1`, updatedAt: sql`clock_timestamp()` })
        .where(and(eq(workAddresses.organisationId, org), eq(workAddresses.landlordCustomerId, before.id), ne(workAddresses.customerId, before.id)))
        .returning({ id: workAddresses.id, version: workAddresses.version });
      const detached = { reason: 'customer.delete', deletedCustomerId: before.id };
      await recordAudit(tx, actor, [
        ...departments.map((r) => ({ action: 'customer.update', entityType: 'Customer', entityId: r.id, before: { parentCustomerId: before.id }, after: { parentCustomerId: null, version: r.version, ...detached } })),
        ...convertedLeads.map((r) => ({ action: 'lead.update', entityType: 'Lead', entityId: r.id, before: { convertedCustomerId: before.id }, after: { convertedCustomerId: null, version: r.version, ...detached } })),
        ...landlordOf.map((r) => ({ action: 'workAddress.update', entityType: 'WorkAddress', entityId: r.id, before: { landlordCustomerId: before.id }, after: { landlordCustomerId: null, version: r.version, ...detached } })),
      ]);

      // Children before parents, so each count is of this customer's rows (nothing left for the cascades).
      const mine = <T extends { organisationId: PgColumn; customerId: PgColumn }>(table: T) => and(eq(table.organisationId, org), eq(table.customerId, before.id));
      const counts: RecordCount[] = [];
      const count = (recordType: string, rows: unknown[]) => counts.push({ recordType, count: rows.length });
      const docs = await tx.delete(documents).where(mine(documents)).returning({ id: documents.id, storageKey: documents.storageKey, deletedAt: documents.deletedAt });
      count('Document', docs);
      count('Invoice', await tx.delete(invoices).where(and(mine(invoices), eq(invoices.status, 'DRAFT'))).returning({ id: invoices.id }));
      count('Job', await tx.delete(jobs).where(mine(jobs)).returning({ id: jobs.id }));
      count('Estimate', await tx.delete(estimates).where(mine(estimates)).returning({ id: estimates.id }));
      count('SalesOrder', await tx.delete(salesOrders).where(mine(salesOrders)).returning({ id: salesOrders.id }));
      count('Quote', await tx.delete(quotes).where(mine(quotes)).returning({ id: quotes.id }));
      count('Opportunity', await tx.delete(opportunities).where(mine(opportunities)).returning({ id: opportunities.id }));
      count('Asset', await tx.delete(assets).where(mine(assets)).returning({ id: assets.id }));
      count('Note', await tx.delete(notes).where(mine(notes)).returning({ id: notes.id }));
      count('Task', await tx.delete(tasks).where(mine(tasks)).returning({ id: tasks.id }));
      count('Communication', await tx.delete(communications).where(mine(communications)).returning({ id: communications.id }));
      count('Expiry', await tx.delete(expiries).where(mine(expiries)).returning({ id: expiries.id }));
      count('WorkAddress', await tx.delete(workAddresses).where(mine(workAddresses)).returning({ id: workAddresses.id }));
      count('Branch', await tx.delete(branches).where(mine(branches)).returning({ id: branches.id }));
      count('Contact', await tx.delete(contacts).where(mine(contacts)).returning({ id: contacts.id }));
      count('Address', await tx.delete(addresses).where(mine(addresses)).returning({ id: addresses.id }));
      count('AccessGrant', await tx.delete(accessGrants).where(mine(accessGrants)).returning({ id: accessGrants.id }));
      count('PortalToken', await tx.delete(portalTokens).where(mine(portalTokens)).returning({ id: portalTokens.id }));
      count('ImportJob', await tx.delete(importJobs).where(mine(importJobs)).returning({ id: importJobs.id }));
      count(
        'MergedCustomer',
        await tx
          .delete(customerTombstones)
          .where(and(eq(customerTombstones.organisationId, org), eq(customerTombstones.survivorId, before.id)))
          .returning({ id: customerTombstones.id }),
      );
      await tx.delete(customers).where(eq(customers.id, before.id));

      // Bytes of documents deleted earlier are gone already.
      files.keys = docs.filter((d) => d.deletedAt === null).map((d) => d.storageKey);
      files.store = documentStore(config, tx);
      if (files.store.kind === 'database') for (const key of files.keys) await files.store.delete(key);

      await recordAudit(tx, actor, {
        action: 'customer.delete',
        entityType: 'Customer',
        entityId: before.id,
        before,
        after: {
          deletedRecords: asObject(counts),
          detachedDepartmentIds: ids(departments),
          detachedLeadIds: ids(convertedLeads),
          detachedLandlordOfWorkAddressIds: ids(landlordOf),
        },
      });
      return { deletedCustomerId: before.id, deletedRecords: nonZero(counts) };
    },
    plainCodec,
  );
  if (files.store) await removeFilesAfterCommit(files.store, files.keys);
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

/** The audit entry types whose records anonymisation changes or removes: their before/after are redacted. */
const REDACTED_ENTITY_TYPES = ['Customer', 'Lead', 'Contact', 'Address', 'Branch', 'WorkAddress', 'Note', 'Task', 'Communication', 'Expiry', 'Document', 'PortalToken', 'AccessGrant', 'ImportJob'];

/**
 * Removes the customer's personal data and keeps its ledger (see the SDL of `anonymiseCustomer`).
 * The audit entry it writes holds counts, never the values it removed.
 */
export async function anonymiseCustomer(db: Db, config: Config, actor: Eraser, customerId: string, input: AnonymiseCustomerInput): Promise<AnonymisationResult> {
  refuseUnlessEraser(actor);
  // What the folder store must remove once the transaction has committed (nothing on a replay).
  const files: { store: DocumentStore | null; keys: string[] } = { store: null, keys: [] };
  const result = await withIdempotency(
    db,
    actor,
    'anonymiseCustomer',
    input.idempotencyKey,
    input,
    async (tx) => {
      const before = await lockForUpdate(tx, customers, actor, customerId, input.expectedVersion, 'customer');
      if (before.anonymisedAt) {
        throw userError(['input', 'id'], `id: the customer was already anonymised on ${before.anonymisedAt.toISOString()}.`, 'INVALID_STATE');
      }
      const org = actor.organisationId;
      const leadIds = ids(await tx.select({ id: leads.id }).from(leads).where(and(eq(leads.organisationId, org), eq(leads.convertedCustomerId, before.id))).for('update'));
      const scope = { organisationId: org, customerId: before.id, leadIds };
      const bump = (table: { version: PgColumn }) => ({ version: sql`${table.version} + 1`, updatedAt: sql`clock_timestamp()` });
      const blankAddress = { line1: ANONYMISED_LINE, line2: null, line3: null, town: null, county: null, postcode: null, what3words: null, latitude: null, longitude: null };
      const counts: RecordCount[] = [];
      const touched: string[] = [before.id, ...leadIds];
      const record = (recordType: string, rows: Array<{ id: string }>) => {
        counts.push({ recordType, count: rows.length });
        touched.push(...ids(rows));
      };

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
      if (leadIds.length) {
        await tx
          .update(leads)
          .set({
            name: sql`'Anonymised lead ' || upper(substr(replace(${leads.id}::text, '-', ''), 1, 8))`,
            vatNumber: null,
            website: null,
            leadSource: null,
            lostReason: null,
            customFields: {},
            ...bump(leads),
          })
          .where(sql`${leads.id} = any(${uuidArray(leadIds)})`);
      }
      counts.push({ recordType: 'Lead', count: leadIds.length });

      record(
        'Contact',
        await tx
          .update(contacts)
          .set({
            title: null,
            firstName: null,
            surname: 'Anonymised',
            position: null,
            emails: [],
            phones: [],
            socialUrls: [],
            communicationPreferences: [],
            customFields: {},
            ...bump(contacts),
          })
          .where(under(contacts.organisationId, contacts.customerId, contacts.leadId, scope))
          .returning({ id: contacts.id }),
      );
      record(
        'Address',
        await tx
          .update(addresses)
          .set({ ...blankAddress, ...bump(addresses) })
          .where(under(addresses.organisationId, addresses.customerId, addresses.leadId, scope))
          .returning({ id: addresses.id }),
      );
      record(
        'Branch',
        await tx
          .update(branches)
          .set({ ...blankAddress, name: sql`'Branch ' || upper(substr(replace(${branches.id}::text, '-', ''), 1, 8))`, phone: null, email: null, ...bump(branches) })
          .where(under(branches.organisationId, branches.customerId, null, scope))
          .returning({ id: branches.id }),
      );
      record(
        'WorkAddress',
        await tx
          .update(workAddresses)
          .set({
            ...blankAddress,
            occupierTitle: null,
            occupierFirstName: null,
            occupierSurname: 'Occupier',
            occupierEmail: null,
            occupierPhone: null,
            preferences: null,
            ...bump(workAddresses),
          })
          .where(under(workAddresses.organisationId, workAddresses.customerId, null, scope))
          .returning({ id: workAddresses.id }),
      );
      record(
        'Note',
        await tx
          .update(notes)
          .set({ body: REDACTED, ...bump(notes) })
          .where(under(notes.organisationId, notes.customerId, notes.leadId, scope))
          .returning({ id: notes.id }),
      );
      record(
        'Task',
        await tx
          .update(tasks)
          .set({ subject: REDACTED, details: null, ...bump(tasks) })
          .where(under(tasks.organisationId, tasks.customerId, tasks.leadId, scope))
          .returning({ id: tasks.id }),
      );
      record(
        'Communication',
        await tx
          .update(communications)
          .set({
            subject: sql`case when ${communications.subject} is null then null else ${REDACTED} end`,
            summary: sql`case when ${communications.summary} is null then null else ${REDACTED} end`,
            updatedAt: sql`clock_timestamp()`,
          })
          .where(under(communications.organisationId, communications.customerId, communications.leadId, scope))
          .returning({ id: communications.id }),
      );
      record(
        'Expiry',
        await tx
          .update(expiries)
          .set({ description: REDACTED, notes: null, ...bump(expiries) })
          .where(under(expiries.organisationId, expiries.customerId, expiries.leadId, scope))
          .returning({ id: expiries.id }),
      );
      // Access history is kept (who could see the record, when); the reason may name the person.
      record(
        'AccessGrant',
        await tx
          .update(accessGrants)
          .set({
            reason: REDACTED,
            revokedAt: sql`coalesce(${accessGrants.revokedAt}, clock_timestamp())`,
            revokedByUserId: sql`case when ${accessGrants.revokedAt} is null then ${actor.userId}::uuid else ${accessGrants.revokedByUserId} end`,
          })
          .where(under(accessGrants.organisationId, accessGrants.customerId, accessGrants.leadId, scope))
          .returning({ id: accessGrants.id }),
      );
      // Files may be anything about the person; tokens are named for people; import logs quote the CSV.
      const docs = await tx
        .delete(documents)
        .where(under(documents.organisationId, documents.customerId, documents.leadId, scope))
        .returning({ id: documents.id, storageKey: documents.storageKey, deletedAt: documents.deletedAt });
      record('Document', docs);
      record('PortalToken', await tx.delete(portalTokens).where(under(portalTokens.organisationId, portalTokens.customerId, null, scope)).returning({ id: portalTokens.id }));
      record('ImportJob', await tx.delete(importJobs).where(under(importJobs.organisationId, importJobs.customerId, null, scope)).returning({ id: importJobs.id }));

      // Customers merged into this one: their ids keep resolving here, their own values go.
      const tombstones = await tx
        .select({ id: customerTombstones.id, snapshot: customerTombstones.snapshot })
        .from(customerTombstones)
        .where(and(eq(customerTombstones.organisationId, org), eq(customerTombstones.survivorId, before.id)));
      for (const t of tombstones) {
        await tx
          .update(customerTombstones)
          .set({ name: anonymisedCustomerName(t.id), snapshot: redactJson(t.snapshot) as Record<string, unknown> })
          .where(eq(customerTombstones.id, t.id));
      }
      record('MergedCustomer', tombstones);
      const ownerIds = [before.id, ...ids(tombstones)];

      files.keys = docs.filter((d) => d.deletedAt === null).map((d) => d.storageKey);
      files.store = documentStore(config, tx);
      if (files.store.kind === 'database') for (const key of files.keys) await files.store.delete(key);

      counts.push({ recordType: 'AuditEntry', count: await redactAuditEntries(tx, org, touched, ownerIds, leadIds) });
      const redactedRetries = await redactStoredResults(tx, org, [...ownerIds, ...leadIds]);

      await recordAudit(tx, actor, {
        action: 'customer.anonymise',
        entityType: 'Customer',
        entityId: customer.id,
        // No `before`: it would keep what was removed.
        after: { name: customer.name, version: customer.version, anonymisedAt: customer.anonymisedAt, anonymisedRecords: asObject(counts), redactedRetryResults: redactedRetries },
      });
      return { customer, anonymisedRecords: nonZero(counts) };
    },
    anonymisationCodec,
  );
  if (files.store) await removeFilesAfterCommit(files.store, files.keys);
  return result;
}

/**
 * Redacts the before/after of the audit entries about the anonymised records: entries whose entity
 * is one of them, and entries about rows that were under the customer (or its merged customers or
 * converted leads) but have since been deleted, found by the `customerId`/`leadId` they recorded.
 * Entries about kept records (invoices, assets, the pipeline) are left as they are. Returns how many
 * entries changed.
 */
async function redactAuditEntries(tx: Db, organisationId: string, entityIds: string[], customerIds: string[], leadIds: string[]): Promise<number> {
  const owners = sql`array_cat(${uuidArray(customerIds)}, ${uuidArray(leadIds)})::text[]`;
  const rows = await tx
    .select({ id: auditEntries.id, before: auditEntries.before, after: auditEntries.after })
    .from(auditEntries)
    .where(
      and(
        eq(auditEntries.organisationId, organisationId),
        sql`${auditEntries.entityType} = any(${`{${REDACTED_ENTITY_TYPES.join(',')}}`}::text[])`,
        sql`(${auditEntries.entityId} = any(${uuidArray(entityIds)})
          or ${auditEntries.before} ->> 'customerId' = any(${owners}) or ${auditEntries.after} ->> 'customerId' = any(${owners})
          or ${auditEntries.before} ->> 'leadId' = any(${owners}) or ${auditEntries.after} ->> 'leadId' = any(${owners}))`,
      ),
    );
  const changed = rows
    .map((r) => ({ id: r.id, before: redactJson(r.before), after: redactJson(r.after), was: JSON.stringify([r.before ?? null, r.after ?? null]) }))
    .filter((r) => JSON.stringify([r.before, r.after]) !== r.was)
    .map(({ id, before, after }) => ({ id, before, after }));
  if (changed.length) {
    // One statement for all of them; a JSON null stays SQL null, as recordAudit writes it.
    await tx.execute(sql`
      update ${auditEntries} set before = nullif(r.before, 'null'::jsonb), after = nullif(r.after, 'null'::jsonb)
      from jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) as r(id bigint, before jsonb, after jsonb)
      where ${auditEntries.id} = r.id and ${auditEntries.organisationId} = ${organisationId}`);
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
    await tx.update(idempotencyKeys).set({ response: redactJson(row.response) }).where(eq(idempotencyKeys.id, row.id));
  }
  return rows.length;
}
