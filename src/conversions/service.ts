// Conversions (docs/domain.md#conversions): a lead becomes a customer, explicitly (`convertLead`) or by
// signing one of its quotes (`signQuote`). Everything happens in one transaction under the lead's row
// lock, so two conversions of one lead make one customer; a converted lead stays, read-only, linked to
// it. What carries over: chosen contacts and all addresses are copied (the lead keeps its own), notes,
// tasks, communications and expiries move when `linkNotes` (the audit entry lists what moved),
// documents are copied with their bytes when `copyDocuments` (the lead keeps its copies), custom
// field values whose definitions are enabled for customers, and the lead's opportunities and quotes move.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { assertStatusPermitted } from '../access/status-group-service';
import { accessGrants } from '../access/tables';
import { communications, expiries, notes, tasks } from '../activity/tables';
import { addresses } from '../addresses/tables';
import { recordAudit, withDeferredAudits, type Actor, type AuditChange } from '../audit/service';
import { mayChangeOwner } from '../auth/ownership';
import type { Config } from '../config';
import { contactSort } from '../contacts/loaders';
import { contacts } from '../contacts/tables';
import { customFieldDefinitions } from '../custom-fields/tables';
import { checkTypeRequirements, defaultStatusId, referenced } from '../customers/service';
import { businessUnits, customers, customerStatuses, customerTypes, type CustomerRow, type CustomerTypeRow } from '../customers/tables';
import { selectRows, type Db } from '../db/client';
import { idsInOrder } from '../db/columns';
import { writeUpdate } from '../db/versioned';
import { DatabaseStore, documentStore, previewStore, withFileCopies, type StoredBytes } from '../documents/store';
import { documents } from '../documents/tables';
import { checkPossibleDuplicates, type PossibleDuplicateValue } from '../duplicates/service';
import type { ConvertLeadInput, SignQuoteInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { ChangeTally } from '../graph/previews';
import { inputId, notFound, userError, UserErrors, validate } from '../graph/user-errors';
import { leads, type LeadRow } from '../leads/tables';
import { raiseSalesOrderFromQuote } from '../pipeline/sales-orders';
import { mayOverrideStatus } from '../pipeline/shared';
import { opportunities, quotes, salesOrders, type QuoteRow, type SalesOrderRow } from '../pipeline/tables';
import { assertCustomerTransition, assertLeadTransition, recordCustomerStatusChanges, recordLeadStatusChanges } from '../status-history/service';

type Path = (string | number)[];

/** The choices of a conversion; `signQuote` converts with the defaults. */
export type ConversionOptions = {
  typeId?: string | null;
  businessUnitId?: string | null;
  statusId?: string | null;
  contactIds?: readonly string[] | null;
  linkNotes?: boolean | null;
  copyDocuments?: boolean | null;
  intoCustomerId?: string | null;
};

const optionsSchema = z.object({
  contactIds: z.array(z.string()).max(500, { message: 'at most 500 contacts' }).nullish(),
  linkNotes: z.boolean().nullish(),
  copyDocuments: z.boolean().nullish(),
  expectedVersion: z.number().int().nullish(),
});

/** Runs `run`; user errors of nested services are moved to `field` (for checks whose own field is not in this input). */
async function errorsAt<T>(field: Path, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof UserErrors)) throw error;
    const name = String(field[field.length - 1]);
    // An error about the caller's own override flag stays on it; the rest are about the quote.
    throw new UserErrors(
      error.errors.map((e) =>
        e.field.join('.') === 'input.overrideStatus' ? e : { ...e, field: field.map(String), message: `${name}: ${e.message.replace(/^[A-Za-z]+: /, '')}` },
      ),
    );
  }
}

/** The lead, locked (visibility applied: one the viewer may not see is not found). */
async function lockLead(tx: Db, actor: Actor, leadId: string, field: Path): Promise<LeadRow> {
  const [lead] = await tx
    .select()
    .from(leads)
    .where(and(eq(leads.id, leadId), eq(leads.organisationId, actor.organisationId), actor.visibility?.rows(leads)))
    .for('update');
  if (!lead) throw notFound(field, 'lead');
  return lead;
}

async function refuseIfConverted(tx: Db, lead: LeadRow, field: Path): Promise<void> {
  if (lead.status !== 'CONVERTED') return;
  const [customer] = lead.convertedCustomerId
    ? await tx.select({ name: customers.name }).from(customers).where(eq(customers.id, lead.convertedCustomerId))
    : [];
  throw userError(
    field,
    `${field[field.length - 1]}: the lead "${lead.name}" has already been converted${customer ? ` into the customer "${customer.name}"` : ''}; it cannot be converted again.`,
    'INVALID_STATE',
  );
}

/** The type a conversion without one uses: the organisation's first customer type that is not archived. */
async function defaultType(tx: Db, actor: Actor): Promise<CustomerTypeRow> {
  const [row] = await tx
    .select()
    .from(customerTypes)
    .where(and(eq(customerTypes.organisationId, actor.organisationId), eq(customerTypes.archived, false)))
    .orderBy(asc(customerTypes.position), asc(customerTypes.name))
    .limit(1);
  if (!row) throw userError(['input', 'typeId'], 'typeId: the organisation has no customer types to convert into.', 'REQUIRED');
  return row;
}

/** The lead's custom field values that apply to customers (active definitions enabled for CUSTOMER). */
async function customerCustomFields(tx: Db, actor: Actor, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const keys = Object.keys(values);
  if (keys.length === 0) return {};
  const definitions = await tx
    .select({ key: customFieldDefinitions.key })
    .from(customFieldDefinitions)
    .where(
      and(
        eq(customFieldDefinitions.organisationId, actor.organisationId),
        eq(customFieldDefinitions.active, true),
        sql`'CUSTOMER' = any(${customFieldDefinitions.enabledFor})`,
      ),
    );
  const applicable = new Set(definitions.map((d) => d.key));
  return Object.fromEntries(Object.entries(values).filter(([key]) => applicable.has(key)));
}

export type ConversionResult = { customer: CustomerRow; lead: LeadRow };

/** The kinds of the rows a conversion moves, by their name in the audit entry's `moved`. */
const movedKinds = {
  notes: 'Note',
  tasks: 'Task',
  expiries: 'Expiry',
  communications: 'Communication',
  opportunities: 'Opportunity',
  quotes: 'Quote',
} as const;

/**
 * Moves a lead's activity (notes, tasks, expiries and communications when `linkNotes`) and its
 * opportunities and quotes to the customer, in one statement; a communication with one of the lead's
 * contacts goes to that contact's copy (`contactCopies`: lead contact id → copy id). Answers the ids
 * moved, by table, in id order.
 */
async function moveLeadActivity(
  tx: Db,
  leadId: string,
  customerId: string,
  now: Date,
  linkNotes: boolean,
  contactCopies: ReadonlyMap<string, string>,
): Promise<Partial<Record<keyof typeof movedKinds, string[]>>> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const move = (table: typeof notes | typeof tasks | typeof expiries | typeof opportunities | typeof quotes) =>
    sql`update ${table} set customer_id = ${customerId}, lead_id = null, updated_at = ${at} where lead_id = ${leadId} returning id`;
  const copyOf = sql`(select m.copy from unnest(${uuidArray([...contactCopies.keys()])}, ${uuidArray([...contactCopies.values()])}) as m(original, copy)
    where m.original = ${communications}.contact_id)`;
  const steps: [keyof typeof movedKinds, SQL][] = [];
  if (linkNotes) {
    steps.push(['notes', move(notes)], ['tasks', move(tasks)], ['expiries', move(expiries)]);
    steps.push([
      'communications',
      sql`update ${communications} set customer_id = ${customerId}, lead_id = null, contact_id = coalesce(${copyOf}, ${communications}.contact_id)
        where lead_id = ${leadId} returning id`,
    ]);
  }
  steps.push(['opportunities', move(opportunities)], ['quotes', move(quotes)]);
  const [row] = await selectRows<Record<string, string[] | null>>(
    tx,
    sql`with ${sql.join(
      // Each CTE named apart from its table (moved_notes), so no reference to a table meets a CTE instead.
      steps.map(([name, statement]) => sql`${sql.identifier(`moved_${name}`)} as (${statement})`),
      sql`, `,
    )} select ${sql.join(
      steps.map(([name]) => sql`(select coalesce(json_agg(id order by id), '[]'::json) from ${sql.identifier(`moved_${name}`)}) as ${sql.identifier(name)}`),
      sql`, `,
    )}`,
  );
  return Object.fromEntries(steps.map(([name]) => [name, row?.[name] ?? []]));
}

/**
 * Converts a locked, unconverted lead inside the caller's transaction. `at` names where the options
 * sit in the input, for user errors.
 */
export async function convertLockedLead(
  tx: Db,
  config: Config,
  actor: Actor,
  lead: LeadRow,
  options: ConversionOptions,
  /** Where the storage keys of copied document files are listed (see `withFileCopies`). */
  copiedFiles: string[] = [],
  /** What the conversion does, counted as it goes; a dry run's copies no document bytes (src/graph/previews.ts). */
  tally: ChangeTally = new ChangeTally(false),
  /** The input field that names the lead (its quote's, for signQuote), for a refused transition. */
  leadField: Path = ['input', 'leadId'],
): Promise<ConversionResult> {
  const now = new Date();
  // The organisation's transition rules may restrict conversions (e.g. of a LOST lead).
  await assertLeadTransition(tx, actor, lead.status, 'CONVERTED', leadField);
  // Rows are inserted one statement per table and the audit entries written together at the end (a
  // conversion runs inside signQuote, whose latency users wait on); copies get their ids up front,
  // so the map from each lead row to its copy does not depend on the order RETURNING gives.
  const audits: AuditChange[] = [];
  const customFields = await customerCustomFields(tx, actor, lead.customFields);
  let customer: CustomerRow;
  let createdCustomer = false;
  /** A new customer's type (an existing customer's is read below). */
  let newType: CustomerTypeRow | undefined;
  if (options.intoCustomerId) {
    const into = await referenced(tx, actor, customers, 'Customer', options.intoCustomerId, 'intoCustomerId', 'customer');
    if (into.anonymisedAt) {
      throw userError(
        ['input', 'intoCustomerId'],
        'intoCustomerId: the customer has been anonymised; it takes no new personal data, so no lead can be converted into it.',
        'INVALID_STATE',
      );
    }
    const [locked] = await tx.select().from(customers).where(eq(customers.id, into.id)).for('update');
    // The existing customer keeps its own values; the lead's fill only the keys it lacks.
    customer = await writeUpdate(tx, customers, locked!.id, { customFields: { ...customFields, ...locked!.customFields } });
    tally.add('Customer', 'UPDATE', 1);
    audits.push({
      action: 'customer.receiveLead',
      entityType: 'Customer',
      entityId: customer.id,
      before: locked,
      after: { ...customer, convertedFromLeadId: lead.id },
    });
  } else {
    newType = options.typeId
      ? await referenced(tx, actor, customerTypes, 'CustomerType', options.typeId, 'typeId', 'customer type')
      : await defaultType(tx, actor);
    const typeId = newType.id;
    const statusId = options.statusId
      ? (await referenced(tx, actor, customerStatuses, 'CustomerStatus', options.statusId, 'statusId', 'customer status')).id
      : await defaultStatusId(tx, actor.organisationId);
    await assertStatusPermitted(tx, actor, null, statusId, ['input', 'statusId']);
    await assertCustomerTransition(tx, actor, null, statusId, ['input', 'statusId']);
    const businessUnitId = options.businessUnitId
      ? (await referenced(tx, actor, businessUnits, 'BusinessUnit', options.businessUnitId, 'businessUnitId', 'business unit')).id
      : null;
    const [row] = await tx
      .insert(customers)
      .values({
        organisationId: actor.organisationId,
        name: lead.name,
        typeId,
        statusId,
        stage: 'PENDING',
        // An unowned lead converted by someone who may not take ownership (a grantee) stays unowned:
        // its grants carry over below instead, for the time they had left.
        ownerId: lead.ownerId ?? (mayChangeOwner(actor, null) ? actor.userId : null),
        businessUnitId,
        vatNumber: lead.vatNumber,
        advertisingSource: lead.leadSource,
        currency: actor.currency,
        customFields,
        createdById: actor.userId,
      })
      .returning();
    customer = row!;
    createdCustomer = true;
    tally.add('Customer', 'CREATE', 1);
    if (!customer.ownerId && actor.kind === 'user') {
      // The grantee keeps sight of what the lead became, for the time its grant on the lead had left.
      const grants = await selectRows<{ id: string }>(
        tx,
        sql`insert into ${accessGrants} (organisation_id, grantee_user_id, customer_id, starts_at, ends_at, reason, granted_by_user_id)
        select organisation_id, grantee_user_id, ${customer.id}, starts_at, ends_at, reason, granted_by_user_id from ${accessGrants}
        where lead_id = ${lead.id} and grantee_user_id = ${actor.userId} and revoked_at is null and ends_at > now()
        returning id`,
      );
      tally.add('AccessGrant', 'COPY', grants.length);
    }
    audits.push({ action: 'customer.create', entityType: 'Customer', entityId: customer.id, after: { ...customer, convertedFromLeadId: lead.id } });
  }

  // Contacts: the chosen ones (default all) are copied. Leads have no primary contact; a customer
  // whose type has one, and that has none yet, gets the first chosen contact as its primary: the
  // first of `contactIds`, or else the first as the lead lists them (by surname; creation times of
  // contacts entered together can tie, so they cannot decide).
  const leadContacts = await tx.select().from(contacts).where(eq(contacts.leadId, lead.id)).orderBy(contactSort.expr, asc(contacts.id));
  let chosen = leadContacts;
  if (options.contactIds) {
    const byId = new Map(leadContacts.map((c) => [c.id, c]));
    chosen = options.contactIds.map((globalId, i) => {
      const field = ['input', 'contactIds', i];
      const contact = byId.get(inputId(globalId, ['Contact'], field).id);
      if (!contact) throw userError(field, `contactIds: ${JSON.stringify(globalId)} is not a contact of this lead.`, 'NOT_FOUND');
      return contact;
    });
    chosen = [...new Set(chosen)];
  }
  // A customer made just now has no contacts or addresses yet: only an existing one is asked.
  const [existingPrimary] = createdCustomer
    ? []
    : await tx
        .select({ id: contacts.id })
        .from(contacts)
        .where(and(eq(contacts.customerId, customer.id), eq(contacts.isPrimary, true)));
  const type = newType ?? (await tx.select().from(customerTypes).where(eq(customerTypes.id, customer.typeId)))[0];
  let primaryTaken = Boolean(existingPrimary) || !type!.allowsPrimaryContact;
  const contactMap = new Map<string, string>();
  const contactIdsInOrder = idsInOrder(chosen.length);
  const contactCopies = chosen.map((c, i) => {
    const { id: _id, leadId: _lead, customerId: _customer, createdAt: _c, updatedAt: _u, version: _v, ...fields } = c;
    const isPrimary = !primaryTaken;
    if (isPrimary) primaryTaken = true;
    const id = contactIdsInOrder[i]!;
    contactMap.set(c.id, id);
    return { ...fields, id, isPrimary, customerId: customer.id };
  });
  if (contactCopies.length) {
    const copied = new Map((await tx.insert(contacts).values(contactCopies).returning()).map((row) => [row.id, row]));
    tally.add('Contact', 'COPY', copied.size);
    for (const [from, to] of contactMap) {
      audits.push({ action: 'contact.create', entityType: 'Contact', entityId: to, after: { ...copied.get(to), copiedFromContactId: from } });
    }
  }

  // Addresses: all copied; a default only where the customer has none of that type yet.
  const leadAddresses = await tx.select().from(addresses).where(eq(addresses.leadId, lead.id)).orderBy(asc(addresses.createdAt), asc(addresses.id));
  const defaultTypes = new Set(
    createdCustomer
      ? []
      : (
          await tx
            .select({ type: addresses.type })
            .from(addresses)
            .where(and(eq(addresses.customerId, customer.id), eq(addresses.isDefault, true)))
        ).map((a) => a.type),
  );
  const addressIds: Record<string, string> = {};
  const addressIdsInOrder = idsInOrder(leadAddresses.length);
  const addressCopies = leadAddresses.map((a, i) => {
    const { id: _id, leadId: _lead, customerId: _customer, createdAt: _c, updatedAt: _u, version: _v, ...fields } = a;
    const isDefault = a.isDefault && !defaultTypes.has(a.type);
    if (isDefault) defaultTypes.add(a.type);
    const id = addressIdsInOrder[i]!;
    addressIds[a.id] = id;
    return { ...fields, id, isDefault, customerId: customer.id };
  });
  if (addressCopies.length) {
    const copied = new Map((await tx.insert(addresses).values(addressCopies).returning()).map((row) => [row.id, row]));
    tally.add('Address', 'COPY', copied.size);
    for (const [from, to] of Object.entries(addressIds)) {
      audits.push({ action: 'address.create', entityType: 'Address', entityId: to, after: { ...copied.get(to), copiedFromAddressId: from } });
    }
  }

  // Activity moves, every table in one statement; communications follow their contact's copy.
  const moved = await moveLeadActivity(tx, lead.id, customer.id, now, options.linkNotes ?? true, contactMap);
  for (const [kind, ids] of Object.entries(moved)) tally.add(movedKinds[kind as keyof typeof movedKinds], 'MOVE', ids!.length);

  // Documents: metadata and bytes copied; the lead keeps its own.
  const documentIds: Record<string, string> = {};
  if (options.copyDocuments ?? true) {
    const store = tally.dryRun ? previewStore(documentStore(config, tx)) : documentStore(config, tx);
    const leadDocuments = await tx
      .select()
      .from(documents)
      .where(and(eq(documents.leadId, lead.id), sql`${documents.deletedAt} is null`))
      .orderBy(asc(documents.createdAt), asc(documents.id));
    const documentCopies = [];
    const documentIdsInOrder = idsInOrder(leadDocuments.length);
    const storageKeys = leadDocuments.map(() => `${actor.organisationId}/${randomUUID()}`);
    copiedFiles.push(...storageKeys);
    // In the database, every file is copied by one statement; the same bytes, so the same size and
    // hash, which the copy's byte count confirms. A folder (or a dry run) streams each file through.
    const copiedInDatabase =
      store instanceof DatabaseStore ? await store.copyAll(leadDocuments.map((d, i) => ({ from: d.storageKey, to: storageKeys[i]! }))) : null;
    for (const [i, d] of leadDocuments.entries()) {
      const storageKey = storageKeys[i]!;
      let stored: StoredBytes;
      if (copiedInDatabase) {
        const size = copiedInDatabase.get(storageKey) ?? 0;
        if (size !== d.sizeBytes) throw new Error(`document ${d.id}: ${size} bytes stored under ${d.storageKey}, ${d.sizeBytes} on record`);
        stored = { size, sha256: d.sha256 };
      } else stored = await store.put(storageKey, store.get(d.storageKey));
      const { id: _id, leadId: _lead, customerId: _customer, createdAt: _c, storageKey: _k, ...fields } = d;
      const id = documentIdsInOrder[i]!;
      documentIds[d.id] = id;
      documentCopies.push({ ...fields, id, customerId: customer.id, storageKey, sizeBytes: stored.size, sha256: stored.sha256 });
    }
    if (documentCopies.length) {
      const copied = new Map((await tx.insert(documents).values(documentCopies).returning()).map((row) => [row.id, row]));
      tally.add('Document', 'COPY', copied.size);
      for (const [from, to] of Object.entries(documentIds)) {
        audits.push({ action: 'document.copy', entityType: 'Document', entityId: to, after: { ...copied.get(to), copiedFromDocumentId: from } });
      }
    }
  }

  if (createdCustomer) {
    await errorsAt(['input', 'typeId'], () => checkTypeRequirements(tx, type!, customer));
  }

  const after = await writeUpdate(tx, leads, lead.id, { status: 'CONVERTED', convertedCustomerId: customer.id, convertedById: actor.userId, convertedAt: now });
  tally.add('Lead', 'UPDATE', 1);
  await recordLeadStatusChanges(tx, actor, [{ leadId: lead.id, fromStatus: lead.status, toStatus: 'CONVERTED', source: 'CONVERTED' }]);
  if (createdCustomer) {
    await recordCustomerStatusChanges(tx, actor, [{ customerId: customer.id, fromStatusId: null, toStatusId: customer.statusId, source: 'CONVERTED' }]);
  }
  audits.push({
    action: 'lead.convert',
    entityType: 'Lead',
    entityId: lead.id,
    before: lead,
    after: {
      ...after,
      intoExistingCustomer: !createdCustomer,
      contactIds: Object.fromEntries(contactMap),
      addressIds,
      documentIds,
      moved,
      customFieldKeys: Object.keys(customFields),
    },
  });
  await recordAudit(tx, actor, audits);
  return { customer, lead: after };
}

/** What `convertLead` answers: the conversion, and the new customer's possible duplicates. */
export type ConvertLeadResult = ConversionResult & { possibleDuplicates: PossibleDuplicateValue[] };

/** `tally`: what the conversion does is counted there; a dry run's is rolled back (src/graph/previews.ts). */
export function convertLead(db: Db, config: Config, actor: Actor, input: ConvertLeadInput, tally?: ChangeTally): Promise<ConvertLeadResult> {
  const fields = validate(optionsSchema, input);
  return withFileCopies(documentStore(config, db), (beginAttempt) =>
    withIdempotency(
      db,
      actor,
      'convertLead',
      input.idempotencyKey,
      input,
      async (tx) => {
        const copiedFiles = beginAttempt();
        const leadField = ['input', 'leadId'];
        const lead = await lockLead(tx, actor, inputId(input.leadId, ['Lead'], leadField).id, leadField);
        await refuseIfConverted(tx, lead, leadField);
        if (fields.expectedVersion != null && lead.version !== fields.expectedVersion) {
          throw userError(
            ['input', 'expectedVersion'],
            `expectedVersion: the lead is at version ${lead.version}, not ${fields.expectedVersion}; someone else changed it. Reload and try again.`,
            'VERSION_CONFLICT',
          );
        }
        const converted = await convertLockedLead(tx, config, actor, lead, { ...input, ...fields }, copiedFiles, tally);
        // A new customer is checked once it has the lead's contacts and addresses; one chosen with
        // intoCustomerId is what the user decided the lead is.
        const possibleDuplicates = input.intoCustomerId
          ? []
          : await checkPossibleDuplicates(
              tx,
              actor,
              { kind: 'customer', id: converted.customer.id },
              { among: ['customer', 'lead'], exclude: [lead.id], refuse: input.refuseIfDuplicates },
            );
        return { ...converted, possibleDuplicates };
      },
      rowsCodec<ConvertLeadResult>({ customer: customers, lead: leads }),
      tally,
    ),
  );
}

export type SignResult = { quote: QuoteRow; customer: CustomerRow; lead: LeadRow | null; salesOrder: SalesOrderRow };

/** A signed quote's customer, converted lead (if it came from one) and order: what a repeated signing returns. */
async function signedState(tx: Db, quote: QuoteRow, lead: LeadRow | null): Promise<SignResult> {
  const [customer] = await tx.select().from(customers).where(eq(customers.id, quote.customerId!));
  const [salesOrder] = await tx.select().from(salesOrders).where(eq(salesOrders.quoteId, quote.id));
  if (!salesOrder) throw userError(['input', 'quoteId'], 'quoteId: the quote is signed but has no sales order.', 'INVALID_STATE');
  return { quote, customer: customer!, lead, salesOrder };
}

/**
 * Signs a SENT quote (docs/domain.md#signing-a-quote). On a lead, the lead is converted first
 * (defaults; the customer PENDING) and the quote moves with it; then the quote is SIGNED and its sales
 * order raised. Locks the lead before the quote, as convertLead does (lead, then its quotes), so the
 * two never wait on each other in a cycle. Signing a signed quote again returns what the first signing
 * made.
 */
export function signQuote(db: Db, config: Config, actor: Actor, input: SignQuoteInput, tally?: ChangeTally): Promise<SignResult> {
  const field = ['input', 'quoteId'];
  return withFileCopies(documentStore(config, db), (beginAttempt) =>
    withIdempotency(
      db,
      actor,
      'signQuote',
      input.idempotencyKey,
      input,
      async (tx) => {
        const copiedFiles = beginAttempt();
        const { id } = inputId(input.quoteId, ['Quote'], field);
        const visible = and(eq(quotes.id, id), eq(quotes.organisationId, actor.organisationId), actor.visibility?.rows(quotes));
        const [seen] = await tx.select({ leadId: quotes.leadId }).from(quotes).where(visible);
        if (!seen) throw notFound(field, 'quote');
        const lead = seen.leadId ? await lockLead(tx, actor, seen.leadId, field) : null;
        const [quote] = await tx.select().from(quotes).where(eq(quotes.id, id)).for('update');
        if (!quote) throw notFound(field, 'quote');
        if (quote.status === 'SIGNED') {
          const [converted] = quote.customerId ? await tx.select().from(leads).where(eq(leads.convertedCustomerId, quote.customerId)).limit(1) : [];
          return signedState(tx, quote, lead?.status === 'CONVERTED' ? lead : (converted ?? null));
        }
        if (quote.status !== 'SENT') {
          throw userError(field, `quoteId: the quote is ${quote.status}; only a SENT quote can be signed.`, 'INVALID_STATE');
        }
        // The steps' audit entries are written together at the end: one statement instead of three.
        return withDeferredAudits(tx, actor, async () => {
          let converted: ConversionResult | null = null;
          if (quote.leadId && lead) {
            await refuseIfConverted(tx, lead, field);
            converted = await convertLockedLead(tx, config, actor, lead, { typeId: input.typeId }, copiedFiles, tally, field);
          }
          // The quote as the conversion left it (moved to the customer, at the conversion's time); as locked above otherwise.
          const moved: QuoteRow = converted ? { ...quote, customerId: converted.customer.id, leadId: null, updatedAt: converted.lead.convertedAt! } : quote;
          const signed = await writeUpdate(tx, quotes, id, { status: 'SIGNED', signedAt: new Date() });
          tally?.add('Quote', 'UPDATE', 1);
          await recordAudit(tx, actor, { action: 'quote.signed', entityType: 'Quote', entityId: id, before: moved, after: signed });
          const { salesOrder, lines } = await errorsAt(field, () =>
            raiseSalesOrderFromQuote(tx, actor, signed, { overrideStatus: input.overrideStatus, mayOverride: mayOverrideStatus(actor), field, locked: true }),
          );
          tally?.add('SalesOrder', 'CREATE', 1);
          tally?.add('SalesOrderLine', 'CREATE', lines.length);
          const customer = converted?.customer ?? (await tx.select().from(customers).where(eq(customers.id, signed.customerId!)))[0];
          return { quote: signed, customer: customer!, lead: converted?.lead ?? null, salesOrder };
        });
      },
      rowsCodec<SignResult>({ quote: quotes, customer: customers, lead: leads, salesOrder: salesOrders }),
      tally,
    ),
  );
}
