// Invoice addresses (docs/domain.md#invoice-addresses): creating, changing and deleting a customer's
// alternative invoice recipients; choosing the one an invoice is addressed to (createInvoice and
// updateInvoice call in here); and setting the organisation's invoice address format. Each change is
// one transaction with its audit entries.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { postalFields } from '../addresses/postal-fields';
import { recordAudit, type Actor } from '../audit/service';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateInvoiceAddressInput, DeleteInvoiceAddressInput, SetInvoiceAddressFormatInput, UpdateInvoiceAddressInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { NAME_MAX, optionalText, requiredText } from '../graph/text';
import { inputId, notFound, userError, UserErrors, validate, type UserError } from '../graph/user-errors';
import { invoiceReference } from '../invoices/service';
import { invoices } from '../invoices/tables';
import { lockOrganisationSettings, writeOrganisationSettings } from '../organisations/settings';
import { refuseAnonymised, visibleCustomerId } from '../records/owner';
import type { OrganisationRow } from '../tenancy/tables';
import { optionalEmail } from '../work-addresses/fields';
import { workAddresses } from '../work-addresses/tables';
import { billingAddressIn } from './billing';
import { ADDRESS_TAGS, FORMAT_MAX_LENGTH, FORMAT_MAX_LINES, unknownTags } from './format';
import { invoiceAddresses, type InvoiceAddressRow } from './tables';

export const REFERENCE_MAX = 100;

const addressFields = {
  name: requiredText(NAME_MAX),
  ...postalFields,
  email: optionalEmail,
  reference: optionalText(REFERENCE_MAX),
};

/** A new invoice address: name and line 1 may be left out here, to be copied from a landlord. */
const newSchema = z.object({
  ...addressFields,
  name: addressFields.name.nullish(),
  line1: addressFields.line1.nullish(),
  country: addressFields.country.nullish(),
});

const changesSchema = z.object({
  ...addressFields,
  name: addressFields.name.optional(),
  line1: addressFields.line1.optional(),
  country: addressFields.country.optional(),
});

const POSTAL_KEYS = ['line1', 'line2', 'line3', 'town', 'county', 'postcode', 'country', 'what3words', 'latitude', 'longitude'] as const;
type Postal = Pick<InvoiceAddressRow, (typeof POSTAL_KEYS)[number]>;

export type InvoiceAddressResult = { invoiceAddress: InvoiceAddressRow };
const codec = rowsCodec<InvoiceAddressResult>({ invoiceAddress: invoiceAddresses });

/** A landlord's name and billing address: what an invoice address made for it starts from. */
async function copyOfLandlord(tx: Db, actor: Actor, landlordId: string): Promise<{ name: string; postal: Postal } | null> {
  const [landlord] = await tx
    .select({ name: customers.name })
    .from(customers)
    .where(and(eq(customers.id, landlordId), eq(customers.organisationId, actor.organisationId)));
  const address = await billingAddressIn(tx, actor.organisationId, landlordId);
  if (!landlord || !address) return null;
  const postal = Object.fromEntries(POSTAL_KEYS.map((key) => [key, address[key]])) as Postal;
  return { name: landlord.name, postal };
}

async function insertAddress(tx: Db, actor: Actor, values: Omit<typeof invoiceAddresses.$inferInsert, 'organisationId'>): Promise<InvoiceAddressRow> {
  const [row] = await tx
    .insert(invoiceAddresses)
    .values({ ...values, organisationId: actor.organisationId })
    .returning();
  await recordAudit(tx, actor, { action: 'invoiceAddress.create', entityType: 'InvoiceAddress', entityId: row!.id, after: row });
  return row!;
}

export async function createInvoiceAddress(db: Db, actor: Actor, input: CreateInvoiceAddressInput): Promise<InvoiceAddressResult> {
  // Unknown keys (the IDs, the retry key) are dropped by the schema.
  const given = validate(newSchema, input);
  const postalGiven = POSTAL_KEYS.some((key) => given[key] != null);
  return withIdempotency(
    db,
    actor,
    'createInvoiceAddress',
    input.idempotencyKey,
    input,
    async (tx) => {
      const customerId = await visibleCustomerId(tx, actor, input.customerId, ['input', 'customerId']);
      let landlord: { id: string; name: string; postal: Postal } | null = null;
      if (input.landlordId != null) {
        const id = await visibleCustomerId(tx, actor, input.landlordId, ['input', 'landlordId']);
        if (id === customerId) throw userError(['input', 'landlordId'], 'landlordId: a customer cannot be its own landlord.', 'INVALID');
        const copy = await copyOfLandlord(tx, actor, id);
        if (!copy) throw notFound(['input', 'landlordId'], 'customer');
        landlord = { id, ...copy };
      }
      const missing: UserError[] = [];
      if (given.name == null && !landlord) {
        missing.push({ field: ['input', 'name'], message: 'name: is required (or give landlordId to copy the landlord’s name).', code: 'REQUIRED' });
      }
      if (given.line1 == null && (postalGiven || !landlord)) {
        missing.push({
          field: ['input', 'line1'],
          message: postalGiven ? 'line1: is required with the rest of the address.' : 'line1: is required (or give landlordId to copy the landlord’s address).',
          code: 'REQUIRED',
        });
      }
      if (missing.length) throw new UserErrors(missing);
      const postal: Postal = postalGiven
        ? {
            line1: given.line1!,
            line2: given.line2 ?? null,
            line3: given.line3 ?? null,
            town: given.town ?? null,
            county: given.county ?? null,
            postcode: given.postcode ?? null,
            country: given.country ?? 'GB',
            what3words: given.what3words ?? null,
            latitude: given.latitude ?? null,
            longitude: given.longitude ?? null,
          }
        : landlord!.postal;
      const invoiceAddress = await insertAddress(tx, actor, {
        customerId,
        name: given.name ?? landlord!.name,
        ...postal,
        email: given.email ?? null,
        reference: given.reference ?? null,
        landlordCustomerId: landlord?.id ?? null,
      });
      return { invoiceAddress };
    },
    codec,
  );
}

async function lockAddress(tx: Db, actor: Actor, id: string, expectedVersion: number | null | undefined): Promise<InvoiceAddressRow> {
  return lockForUpdate(tx, invoiceAddresses, actor, id, expectedVersion, 'invoice address');
}

export async function updateInvoiceAddress(db: Db, actor: Actor, id: string, input: UpdateInvoiceAddressInput): Promise<InvoiceAddressResult> {
  const changes = validate(changesSchema, input);
  return db.transaction(async (tx) => {
    const before = await lockAddress(tx, actor, id, input.expectedVersion);
    const [customer] = await tx.select({ anonymisedAt: customers.anonymisedAt }).from(customers).where(eq(customers.id, before.customerId));
    refuseAnonymised(customer?.anonymisedAt, ['input', 'id']);
    const invoiceAddress = await writeUpdate(tx, invoiceAddresses, id, changes);
    await recordAudit(tx, actor, { action: 'invoiceAddress.update', entityType: 'InvoiceAddress', entityId: id, before, after: invoiceAddress });
    return { invoiceAddress };
  });
}

/**
 * Deletes an invoice address unless an invoice that is not a draft is addressed to it (that invoice
 * was sent there, and keeps saying so); the drafts addressed to it go back to the customer's own
 * address, each audited. The invoices are locked first, so a draft issued meanwhile is seen as issued.
 */
export async function deleteInvoiceAddress(db: Db, actor: Actor, id: string, input: DeleteInvoiceAddressInput): Promise<{ deletedInvoiceAddressId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockAddress(tx, actor, id, input.expectedVersion);
    const using = await tx.select().from(invoices).where(eq(invoices.invoiceAddressId, id)).orderBy(asc(invoices.createdAt), asc(invoices.id)).for('update');
    const kept = using.filter((invoice) => invoice.status !== 'DRAFT');
    if (kept.length > 0) {
      const n = kept.length;
      const references = kept.map((invoice) => invoiceReference(invoice)).join(', ');
      throw userError(
        ['input', 'id'],
        `id: ${n} ${n === 1 ? 'invoice that is not a draft is' : 'invoices that are not drafts are'} addressed here (${references}); an issued invoice keeps the address it was sent to, so this one cannot be deleted.`,
        'INVALID_STATE',
      );
    }
    if (using.length > 0) {
      const after = await tx
        .update(invoices)
        .set({ invoiceAddressId: null, version: sql`${invoices.version} + 1`, updatedAt: sql`clock_timestamp()` })
        .where(
          inArray(
            invoices.id,
            using.map((invoice) => invoice.id),
          ),
        )
        .returning();
      const afterById = new Map(after.map((row) => [row.id, row]));
      await recordAudit(
        tx,
        actor,
        using.map((invoice) => ({ action: 'invoice.update', entityType: 'Invoice', entityId: invoice.id, before: invoice, after: afterById.get(invoice.id) })),
      );
    }
    await tx.delete(invoiceAddresses).where(eq(invoiceAddresses.id, id));
    await recordAudit(tx, actor, { action: 'invoiceAddress.delete', entityType: 'InvoiceAddress', entityId: id, before });
    return { deletedInvoiceAddressId: id };
  });
}

/** An invoice address of the invoice's customer, from createInvoice/updateInvoice input; null for none. */
export async function invoiceAddressForInvoice(
  tx: Db,
  actor: Actor,
  customerId: string,
  globalId: string | null | undefined,
  field: (string | number)[] = ['input', 'invoiceAddressId'],
): Promise<string | null> {
  if (globalId == null) return null;
  const { id } = inputId(globalId, ['InvoiceAddress'], field);
  const [row] = await tx
    .select({ customerId: invoiceAddresses.customerId })
    .from(invoiceAddresses)
    .where(and(eq(invoiceAddresses.id, id), eq(invoiceAddresses.organisationId, actor.organisationId), actor.visibility?.rows(invoiceAddresses)));
  if (!row) throw notFound(field, 'invoice address');
  if (row.customerId !== customerId) {
    throw userError(field, `${field[field.length - 1]}: the invoice address is not one of the invoice's customer's.`, 'INVALID');
  }
  return id;
}

/**
 * The invoice address a new invoice gets (createInvoice): the one given; else, for work at a work
 * address whose landlord is the invoice address, the customer's invoice address for that landlord —
 * its oldest, or one made now from the landlord's name and billing address; else none (the customer).
 */
export async function invoiceAddressForNewInvoice(
  tx: Db,
  actor: Actor,
  customerId: string,
  input: { invoiceAddressId?: string | null; workAddressId?: string | null },
): Promise<string | null> {
  const chosen = await invoiceAddressForInvoice(tx, actor, customerId, input.invoiceAddressId);
  if (input.workAddressId == null) return chosen;
  const field = ['input', 'workAddressId'];
  const { id } = inputId(input.workAddressId, ['WorkAddress'], field);
  const [work] = await tx
    .select({
      customerId: workAddresses.customerId,
      landlordId: workAddresses.landlordCustomerId,
      landlordIsInvoiceAddress: workAddresses.landlordIsInvoiceAddress,
    })
    .from(workAddresses)
    .where(and(eq(workAddresses.id, id), eq(workAddresses.organisationId, actor.organisationId), actor.visibility?.rows(workAddresses)));
  if (!work) throw notFound(field, 'work address');
  if (work.customerId !== customerId) throw userError(field, "workAddressId: the work address is not one of the invoice's customer's.", 'INVALID');
  if (chosen || !work.landlordIsInvoiceAddress || !work.landlordId) return chosen;
  const [existing] = await tx
    .select({ id: invoiceAddresses.id })
    .from(invoiceAddresses)
    .where(and(eq(invoiceAddresses.customerId, customerId), eq(invoiceAddresses.landlordCustomerId, work.landlordId)))
    .orderBy(asc(invoiceAddresses.createdAt), asc(invoiceAddresses.id))
    .limit(1);
  if (existing) return existing.id;
  const [landlord] = await tx
    .select({ anonymisedAt: customers.anonymisedAt })
    .from(customers)
    .where(and(eq(customers.id, work.landlordId), eq(customers.organisationId, actor.organisationId)));
  if (landlord?.anonymisedAt) {
    throw userError(field, "workAddressId: the work address's landlord has been anonymised; give an invoiceAddressId instead.", 'INVALID_STATE');
  }
  const copy = await copyOfLandlord(tx, actor, work.landlordId);
  if (!copy) throw userError(field, "workAddressId: the work address's landlord has no address to invoice.", 'INVALID_STATE');
  const made = await insertAddress(tx, actor, { customerId, name: copy.name, ...copy.postal, landlordCustomerId: work.landlordId });
  return made.id;
}

/** Line endings made plain, trailing spaces dropped; blank (or null) means the default. */
const formatSchema = z.object({
  format: optionalText(FORMAT_MAX_LENGTH).transform((v) =>
    v == null
      ? null
      : v
          .split(/\r?\n/)
          .map((line) => line.trimEnd())
          .join('\n'),
  ),
});

export async function setInvoiceAddressFormat(db: Db, actor: Actor, input: SetInvoiceAddressFormatInput): Promise<{ organisation: OrganisationRow }> {
  const { format } = validate(formatSchema, input);
  if (format != null) {
    if (format.split('\n').length > FORMAT_MAX_LINES) throw userError(['input', 'format'], `format: must have at most ${FORMAT_MAX_LINES} lines.`, 'INVALID');
    const unknown = unknownTags(format);
    if (unknown.length > 0) {
      const known = Object.keys(ADDRESS_TAGS)
        .map((tag) => `[${tag}]`)
        .join(', ');
      throw userError(['input', 'format'], `format: unknown ${unknown.length === 1 ? 'tag' : 'tags'} ${unknown.join(', ')}; the tags are ${known}.`, 'INVALID');
    }
  }
  return db.transaction(async (tx) => {
    const before = await lockOrganisationSettings(tx, actor.organisationId, input.expectedVersion);
    const organisation = await writeOrganisationSettings(tx, actor.organisationId, { invoiceAddressFormat: format });
    await recordAudit(tx, actor, {
      action: 'organisation.setInvoiceAddressFormat',
      entityType: 'Organisation',
      entityId: actor.organisationId,
      before: { invoiceAddressFormat: before.invoiceAddressFormat, version: before.version },
      after: { invoiceAddressFormat: organisation.invoiceAddressFormat, version: organisation.version },
    });
    return { organisation };
  });
}
