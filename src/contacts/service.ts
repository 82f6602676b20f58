// Contacts of leads and customers (docs/domain.md#contacts): validation, creation with the record or on
// its own, updates, and the one-primary-contact rule for customer types that have one.
import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { validateCustomFields } from '../custom-fields/validate';
import { customers, customerTypes } from '../customers/tables';
import type { Db } from '../db/client';
import { idsInOrder } from '../db/columns';
import { serialiseWrites, serialiseWritesOfOwnerOf } from '../db/serialise';
import { lockForUpdate, mergeCustomFields, writeUpdate } from '../db/versioned';
import type { CreateContactInput, DeleteContactInput, UpdateContactInput } from '../generated/graphql';
import { NAME_MAX, optionalText, requiredText, webUrl } from '../graph/text';
import { userError, validate } from '../graph/user-errors';
import { leads } from '../leads/tables';
import { resolveRecordOwner, type ItemPath, type RecordOwner } from '../records/owner';
import { decidePreferences, enteredChannels, preferencesInput } from './preferences';
import { contacts, type ContactRow } from './tables';

const email = z.object({ address: z.string().trim().max(320), label: optionalText(50) });
const phone = z.object({ type: z.enum(['OFFICE', 'MOBILE', 'HOME', 'FAX']), number: z.string() });

const contactFields = {
  title: optionalText(50),
  firstName: optionalText(NAME_MAX),
  surname: requiredText(NAME_MAX),
  position: optionalText(NAME_MAX),
  emails: z.array(email).max(20, { message: 'at most 20 email addresses' }),
  phones: z.array(phone).max(20, { message: 'at most 20 telephone numbers' }),
  socialUrls: z.array(webUrl).max(20, { message: 'at most 20 URLs' }),
  isPrimary: z.boolean(),
  customFields: z.record(z.string(), z.unknown()),
  communicationPreferences: preferencesInput,
};

export const contactFieldsSchema = z.object({
  ...contactFields,
  emails: contactFields.emails.nullish().transform((v) => v ?? []),
  phones: contactFields.phones.nullish().transform((v) => v ?? []),
  socialUrls: contactFields.socialUrls.nullish().transform((v) => v ?? []),
  isPrimary: contactFields.isPrimary.nullish().transform((v) => v ?? false),
  customFields: contactFields.customFields.nullish().transform((v) => v ?? {}),
  communicationPreferences: contactFields.communicationPreferences.nullish(),
});
export type ContactFields = z.output<typeof contactFieldsSchema>;

const updateSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  title: contactFields.title,
  firstName: contactFields.firstName,
  surname: contactFields.surname.optional(),
  position: contactFields.position,
  emails: contactFields.emails.optional(),
  phones: contactFields.phones.optional(),
  socialUrls: contactFields.socialUrls.optional(),
  isPrimary: contactFields.isPrimary.optional(),
  customFields: contactFields.customFields.nullish(),
  communicationPreferences: contactFields.communicationPreferences.nullish(),
});

async function customerAllowsPrimary(tx: Db, organisationId: string, customerId: string): Promise<boolean> {
  const [row] = await tx
    .select({ allows: customerTypes.allowsPrimaryContact })
    .from(customers)
    .innerJoin(customerTypes, eq(customerTypes.id, customers.typeId))
    .where(and(eq(customers.id, customerId), eq(customers.organisationId, organisationId)));
  return row?.allows ?? false;
}

/** Refuses a primary contact where the owner cannot have one. */
async function checkPrimaryAllowed(tx: Db, actor: Actor, owner: RecordOwner, field: (string | number)[]): Promise<void> {
  if (owner.kind === 'lead') {
    throw userError(field, 'isPrimary: only customers have a primary contact.', 'NOT_ALLOWED_FOR_TYPE');
  }
  if (!(await customerAllowsPrimary(tx, actor.organisationId, owner.id))) {
    throw userError(field, "isPrimary: this customer's type does not have a primary contact.", 'NOT_ALLOWED_FOR_TYPE');
  }
}

/**
 * Inserts already-validated contacts for a lead or customer, inside the caller's transaction.
 * `pathOf(i)` is where the i-th contact sits in the mutation input, for error paths.
 */
export async function insertContacts(tx: Db, actor: Actor, owner: RecordOwner, list: ContactFields[], pathOf: ItemPath): Promise<ContactRow[]> {
  if (list.length === 0) return [];
  const primaries = list.flatMap((c, i) => (c.isPrimary ? [i] : []));
  if (primaries.length > 1) {
    throw userError([...pathOf(primaries[1]!), 'isPrimary'], 'isPrimary: only one contact can be primary.', 'INVALID');
  }
  if (primaries.length === 1) {
    await checkPrimaryAllowed(tx, actor, owner, [...pathOf(primaries[0]!), 'isPrimary']);
    if (owner.kind === 'customer') await clearPrimary(tx, owner.id, null);
  }
  const now = new Date();
  for (const [i, c] of list.entries()) {
    c.customFields = await validateCustomFields(tx, actor.organisationId, 'CONTACT', c.customFields, [...pathOf(i), 'customFields'], { requireAll: true });
  }
  const ids = idsInOrder(list.length);
  const rows = await tx
    .insert(contacts)
    .values(
      list.map(({ communicationPreferences, ...c }, i) => ({
        ...c,
        id: ids[i]!,
        communicationPreferences: decidePreferences([], communicationPreferences ?? [], enteredChannels([], [], c.emails, c.phones), now),
        organisationId: actor.organisationId,
        customerId: owner.kind === 'customer' ? owner.id : null,
        leadId: owner.kind === 'lead' ? owner.id : null,
      })),
    )
    .returning();
  await recordAudit(
    tx,
    actor,
    rows.map((row) => ({ action: 'contact.create', entityType: 'Contact', entityId: row.id, after: row })),
  );
  return rows;
}

async function clearPrimary(tx: Db, customerId: string, exceptContactId: string | null): Promise<void> {
  await tx
    .update(contacts)
    .set({ isPrimary: false })
    .where(and(eq(contacts.customerId, customerId), eq(contacts.isPrimary, true), exceptContactId ? ne(contacts.id, exceptContactId) : undefined));
}

export async function createContact(db: Db, actor: Actor, input: CreateContactInput): Promise<{ contact: ContactRow }> {
  const fields = validate(contactFieldsSchema, input.contact, ['input', 'contact']);
  return db.transaction(async (tx) => {
    const owner = await resolveRecordOwner(tx, actor, input.ownerId, ['input', 'ownerId']);
    // One primary contact per customer is a rule across rows (src/db/serialise.ts).
    if (fields.isPrimary) await serialiseWrites(tx, 'contacts.primary', owner.id);
    if (owner.kind === 'lead') await refuseConvertedLead(tx, owner.id);
    const [contact] = await insertContacts(tx, actor, owner, [fields], () => ['input', 'contact']);
    return { contact: contact! };
  });
}

export async function updateContact(db: Db, actor: Actor, contactId: string, input: UpdateContactInput): Promise<{ contact: ContactRow }> {
  const { expectedVersion, customFields, communicationPreferences, ...changes } = validate(updateSchema, input);
  return db.transaction(async (tx) => {
    // Becoming primary takes the customer's primary-contact lock before the contact's row lock (src/db/serialise.ts).
    if (changes.isPrimary === true) await serialiseWritesOfOwnerOf(tx, contacts, contactId, actor.organisationId, 'contacts.primary');
    const before = await lockForUpdate(tx, contacts, actor, contactId, expectedVersion, 'contact');
    if (before.leadId) await refuseConvertedLead(tx, before.leadId);
    if (changes.isPrimary === true && !before.isPrimary) {
      const owner: RecordOwner = before.customerId ? { kind: 'customer', id: before.customerId } : { kind: 'lead', id: before.leadId! };
      await checkPrimaryAllowed(tx, actor, owner, ['input', 'isPrimary']);
      await clearPrimary(tx, before.customerId!, before.id);
    }
    const entered = enteredChannels(before.emails, before.phones, changes.emails ?? [], changes.phones ?? []);
    const preferences = decidePreferences(before.communicationPreferences, communicationPreferences ?? [], entered, new Date());
    if (customFields) await validateCustomFields(tx, actor.organisationId, 'CONTACT', customFields, ['input', 'customFields'], { requireAll: false });
    const after = await writeUpdate(tx, contacts, before.id, {
      ...changes,
      communicationPreferences: preferences,
      ...(customFields !== undefined ? { customFields: mergeCustomFields(before.customFields, customFields) } : {}),
    });
    await recordAudit(tx, actor, { action: 'contact.update', entityType: 'Contact', entityId: after.id, before, after });
    return { contact: after };
  });
}

/**
 * Deletes a contact for good (docs/domain.md#contacts), audited with the row as it was. A primary
 * contact deleted leaves the customer without one: choosing another is a person's decision, not the
 * server's.
 */
export async function deleteContact(db: Db, actor: Actor, contactId: string, input: DeleteContactInput): Promise<{ deletedContactId: string }> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, contacts, actor, contactId, expectedVersion, 'contact');
    if (before.leadId) await refuseConvertedLead(tx, before.leadId);
    await tx.delete(contacts).where(eq(contacts.id, before.id));
    await recordAudit(tx, actor, { action: 'contact.delete', entityType: 'Contact', entityId: before.id, before, after: null });
    return { deletedContactId: before.id };
  });
}

/**
 * A converted lead is read-only (docs/domain.md#converted-leads): its contacts and addresses are kept
 * as they were.
 */
export async function refuseConvertedLead(tx: Db, leadId: string): Promise<void> {
  const [lead] = await tx.select({ status: leads.status }).from(leads).where(eq(leads.id, leadId));
  if (lead?.status === 'CONVERTED') {
    throw userError(['input'], 'This lead has been converted and is read-only; change the customer it became.', 'INVALID_STATE');
  }
}
