// Addresses of leads and customers (docs/domain.md#addresses): validation, one default per owner and
// type, and the rule that a customer's address needs line 1 and a postcode (work is scheduled by them).
import { and, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { refuseConvertedLead } from '../contacts/service';
import type { Db } from '../db/client';
import { serialiseWrites, serialiseWritesOfOwnerOf } from '../db/serialise';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateAddressInput, DeleteAddressInput, UpdateAddressInput } from '../generated/graphql';
import { userError, validate } from '../graph/user-errors';
import { resolveRecordOwner, type ItemPath, type RecordOwner } from '../records/owner';
import { postalFields } from './postal-fields';
import { addresses, type AddressRow, type AddressType } from './tables';

const fields = {
  type: z.enum(['BILLING', 'SHIPPING', 'TRADING']),
  isDefault: z.boolean(),
  ...postalFields,
};

export const addressFieldsSchema = z.object({
  ...fields,
  type: fields.type.nullish().transform((v) => v ?? 'BILLING'),
  isDefault: fields.isDefault.nullish().transform((v) => v ?? false),
  country: fields.country.nullish().transform((v) => v ?? 'GB'),
});
export type AddressFields = z.output<typeof addressFieldsSchema>;

const updateSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  ...fields,
  type: fields.type.optional(),
  isDefault: fields.isDefault.optional(),
  line1: fields.line1.optional(),
  country: fields.country.optional(),
});

/** A customer's address must have a postcode. */
function requirePostcode(owner: RecordOwner, postcode: string | null | undefined, field: (string | number)[]): void {
  if (owner.kind === 'customer' && !postcode) {
    throw userError(field, "postcode: is required for a customer's address (work is scheduled by it).", 'REQUIRED');
  }
}

function ownerColumn(owner: RecordOwner) {
  return owner.kind === 'customer' ? addresses.customerId : addresses.leadId;
}

async function currentDefault(tx: Db, owner: RecordOwner, type: AddressType): Promise<string | null> {
  const [row] = await tx
    .select({ id: addresses.id })
    .from(addresses)
    .where(and(eq(ownerColumn(owner), owner.id), eq(addresses.type, type), eq(addresses.isDefault, true)));
  return row?.id ?? null;
}

async function clearDefault(tx: Db, owner: RecordOwner, type: AddressType, exceptId: string | null): Promise<void> {
  await tx
    .update(addresses)
    .set({ isDefault: false, version: sql`${addresses.version} + 1`, updatedAt: sql`clock_timestamp()` })
    .where(and(eq(ownerColumn(owner), owner.id), eq(addresses.type, type), eq(addresses.isDefault, true), exceptId ? ne(addresses.id, exceptId) : undefined));
}

/**
 * Inserts already-validated addresses inside the caller's transaction. The first address of a type
 * becomes that type's default; one marked `isDefault` takes over from the previous default.
 */
export async function insertAddresses(tx: Db, actor: Actor, owner: RecordOwner, list: AddressFields[], pathOf: ItemPath): Promise<AddressRow[]> {
  const rows: AddressRow[] = [];
  for (const [index, address] of list.entries()) requirePostcode(owner, address.postcode, [...pathOf(index), 'postcode']);
  for (const address of list) {
    const existing = await currentDefault(tx, owner, address.type);
    const isDefault = address.isDefault || existing === null;
    if (isDefault && existing) await clearDefault(tx, owner, address.type, null);
    const [row] = await tx
      .insert(addresses)
      .values({
        ...address,
        isDefault,
        organisationId: actor.organisationId,
        customerId: owner.kind === 'customer' ? owner.id : null,
        leadId: owner.kind === 'lead' ? owner.id : null,
      })
      .returning();
    rows.push(row!);
  }
  await recordAudit(
    tx,
    actor,
    rows.map((row) => ({ action: 'address.create', entityType: 'Address', entityId: row.id, after: row })),
  );
  return rows;
}

/** One address write at a time per owner: the default of each type and a customer's last address are rules across rows. */
const ADDRESS_WRITES = 'addresses';

export async function createAddress(db: Db, actor: Actor, input: CreateAddressInput): Promise<{ address: AddressRow }> {
  const fieldsIn = validate(addressFieldsSchema, input.address, ['input', 'address']);
  return db.transaction(async (tx) => {
    const owner = await resolveRecordOwner(tx, actor, input.ownerId, ['input', 'ownerId']);
    await serialiseWrites(tx, ADDRESS_WRITES, owner.id);
    if (owner.kind === 'lead') await refuseConvertedLead(tx, owner.id);
    const [address] = await insertAddresses(tx, actor, owner, [fieldsIn], () => ['input', 'address']);
    return { address: address! };
  });
}

export async function updateAddress(db: Db, actor: Actor, addressId: string, input: UpdateAddressInput): Promise<{ address: AddressRow }> {
  const { expectedVersion, ...changes } = validate(updateSchema, input);
  return db.transaction(async (tx) => {
    await serialiseWritesOfOwnerOf(tx, addresses, addressId, actor.organisationId, ADDRESS_WRITES);
    const before = await lockForUpdate(tx, addresses, actor, addressId, expectedVersion, 'address');
    const owner: RecordOwner = before.customerId ? { kind: 'customer', id: before.customerId } : { kind: 'lead', id: before.leadId! };
    if (owner.kind === 'lead') await refuseConvertedLead(tx, owner.id);
    const postcode = changes.postcode !== undefined ? changes.postcode : before.postcode;
    requirePostcode(owner, postcode, ['input', 'postcode']);
    const type = changes.type ?? before.type;
    let isDefault = changes.isDefault ?? before.isDefault;
    if (changes.isDefault === false && before.isDefault && type === before.type) {
      throw userError(['input', 'isDefault'], 'isDefault: make another address the default of this type instead.', 'INVALID_STATE');
    }
    // Moving to another type: it becomes that type's default if the type had none.
    if (type !== before.type && changes.isDefault === undefined) isDefault = (await currentDefault(tx, owner, type)) === null;
    if (isDefault) await clearDefault(tx, owner, type, before.id);
    const after = await writeUpdate(tx, addresses, before.id, { ...changes, isDefault });
    await recordAudit(tx, actor, { action: 'address.update', entityType: 'Address', entityId: after.id, before, after });
    return { address: after };
  });
}

/**
 * Deletes an address for good, audited. Deleting a type's default leaves that type without one
 * (`defaultAddress(type)` is null) rather than promoting another address nobody chose; a customer's
 * last address is kept, since a customer needs line 1 and a postcode (docs/domain.md#addresses).
 */
export async function deleteAddress(db: Db, actor: Actor, addressId: string, input: DeleteAddressInput): Promise<{ deletedAddressId: string }> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    await serialiseWritesOfOwnerOf(tx, addresses, addressId, actor.organisationId, ADDRESS_WRITES);
    const before = await lockForUpdate(tx, addresses, actor, addressId, expectedVersion, 'address');
    if (before.leadId) await refuseConvertedLead(tx, before.leadId);
    if (before.customerId) {
      const [others] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(addresses)
        .where(and(eq(addresses.customerId, before.customerId), ne(addresses.id, before.id)));
      if ((others?.n ?? 0) === 0) {
        throw userError(['input', 'id'], "id: this is the customer's only address; a customer needs one. Add another first.", 'INVALID_STATE');
      }
    }
    await tx.delete(addresses).where(eq(addresses.id, before.id));
    await recordAudit(tx, actor, { action: 'address.delete', entityType: 'Address', entityId: before.id, before, after: null });
    return { deletedAddressId: before.id };
  });
}

/** The address on one line, blanks skipped. */
export function formatAddress(a: AddressRow): string {
  return [a.line1, a.line2, a.line3, a.town, a.county, a.postcode, a.country].filter((p) => p && p.trim()).join(', ');
}
