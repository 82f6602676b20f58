// The organisation's customer types and business units, managed by admins (the rule tree limits the
// mutations; docs/domain.md#managing-customer-types-and-business-units). New organisations still start with
// the seed lists (reference-data.ts). Names are unique per organisation ignoring case (checked first,
// and by the unique index on lower(name) when two admins race). A list entry in use is archived, not
// deleted: archived entries keep their customers but are offered for no new ones (`referenced` in
// service.ts refuses them); deletion is refused while any customer uses the entry. The organisation
// keeps at least one customer type that is not archived, or no customer could be created. Audited.
import { and, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { serialiseWrites } from '../db/serialise';
import { onUniqueViolation } from '../db/unique';
import { duplicateName, refuseDuplicateName } from '../db/unique-name';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  CreateBusinessUnitInput,
  CreateCustomerTypeInput,
  DeleteReferenceListEntryInput,
  UpdateBusinessUnitInput,
  UpdateCustomerTypeInput,
} from '../generated/graphql';
import { NAME_MAX, requiredText } from '../graph/text';
import { userError, validate } from '../graph/user-errors';
import { businessUnits, customers, customerTypeRequirableFields, customerTypes, type BusinessUnitRow, type CustomerTypeRow } from './tables';

type ListTable = typeof customerTypes | typeof businessUnits;

/** What differs between the two lists: their table, words, audit names and the customers' column. */
type List<T extends ListTable> = {
  table: T;
  what: string;
  entityType: 'CustomerType' | 'BusinessUnit';
  nameKey: string;
  usedBy: typeof customers.typeId | typeof customers.businessUnitId;
};

const TYPES: List<typeof customerTypes> = {
  table: customerTypes,
  what: 'customer type',
  entityType: 'CustomerType',
  nameKey: 'customer_types_organisation_name_key',
  usedBy: customers.typeId,
};
const UNITS: List<typeof businessUnits> = {
  table: businessUnits,
  what: 'business unit',
  entityType: 'BusinessUnit',
  nameKey: 'business_units_organisation_name_key',
  usedBy: customers.businessUnitId,
};

const expectedVersion = z.number().int().nullish();
const position = z.number().int().min(0, { message: 'must be from 0 to 10000' }).max(10_000, { message: 'must be from 0 to 10000' });
const archived = z.boolean({ message: 'must be true or false' });
const requiredFields = z.array(z.enum(customerTypeRequirableFields)).transform((fields) => [...new Set(fields)]);

/** How many customers (all of them, whoever may see them) use the entry. */
async function customersUsing(tx: Db, list: List<ListTable>, id: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(customers)
    .where(eq(list.usedBy, id));
  return row!.n;
}

/** Types archived or deleted take turns per organisation, so two at once cannot both leave the other as the last (src/db/serialise.ts). */
const TYPES_IN_USE = 'customer_types.in_use';

/** Refuses taking the last customer type that is not archived out of use (nothing could be created). */
async function keepOneCustomerType(tx: Db, actor: Actor, type: CustomerTypeRow): Promise<void> {
  if (type.archived) return;
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(customerTypes)
    .where(and(eq(customerTypes.organisationId, actor.organisationId), eq(customerTypes.archived, false), ne(customerTypes.id, type.id)));
  if (row!.n === 0) throw userError(['input', 'id'], 'id: this is the only customer type in use; the organisation needs at least one.', 'INVALID_STATE');
}

// --- Customer types ---

export async function createCustomerType(db: Db, actor: Actor, input: CreateCustomerTypeInput): Promise<{ customerType: CustomerTypeRow }> {
  const fields = validate(
    z.object({
      name: requiredText(NAME_MAX),
      allowsPrimaryContact: z.boolean().nullish(),
      requiredFields: requiredFields.nullish(),
      position: position.nullish(),
    }),
    input,
  );
  return onUniqueViolation(
    TYPES.nameKey,
    () => duplicateName(`a ${TYPES.what}`, fields.name),
    () =>
      db.transaction(async (tx) => {
        await refuseDuplicateName(tx, TYPES.table, actor.organisationId, fields.name, null, `a ${TYPES.what}`);
        const [last] = await tx
          .select({ position: sql<number>`coalesce(max(${customerTypes.position}), -1)::int` })
          .from(customerTypes)
          .where(eq(customerTypes.organisationId, actor.organisationId));
        const [row] = await tx
          .insert(customerTypes)
          .values({
            organisationId: actor.organisationId,
            name: fields.name,
            allowsPrimaryContact: fields.allowsPrimaryContact ?? false,
            requiredFields: fields.requiredFields ?? [],
            position: fields.position ?? last!.position + 1,
          })
          .returning();
        await recordAudit(tx, actor, { action: 'customerType.create', entityType: 'CustomerType', entityId: row!.id, after: row });
        return { customerType: row! };
      }),
  );
}

/**
 * Renames, reorders, archives or restores a type, or changes the fields it requires (checked when a
 * customer is created or changes type, so existing customers are not re-checked). Whether it allows a
 * primary contact is fixed at creation: its customers' contacts were made under it.
 */
export async function updateCustomerType(db: Db, actor: Actor, id: string, input: UpdateCustomerTypeInput): Promise<{ customerType: CustomerTypeRow }> {
  const fields = validate(
    z.object({
      expectedVersion,
      name: requiredText(NAME_MAX).optional(),
      requiredFields: requiredFields.optional(),
      position: position.optional(),
      archived: archived.optional(),
    }),
    input,
  );
  const { expectedVersion: version, ...changes } = fields;
  return onUniqueViolation(
    TYPES.nameKey,
    () => duplicateName(`a ${TYPES.what}`, fields.name ?? ''),
    () =>
      db.transaction(async (tx) => {
        if (changes.archived === true) await serialiseWrites(tx, TYPES_IN_USE, actor.organisationId);
        const before = await lockForUpdate(tx, customerTypes, actor, id, version, 'customer type');
        if (changes.name !== undefined) await refuseDuplicateName(tx, TYPES.table, actor.organisationId, changes.name, before.id, `a ${TYPES.what}`);
        if (changes.archived === true) await keepOneCustomerType(tx, actor, before);
        const after = await writeUpdate(tx, customerTypes, before.id, changes);
        await recordAudit(tx, actor, { action: 'customerType.update', entityType: 'CustomerType', entityId: after.id, before, after });
        return { customerType: after };
      }),
  );
}

// --- Business units ---

export async function createBusinessUnit(db: Db, actor: Actor, input: CreateBusinessUnitInput): Promise<{ businessUnit: BusinessUnitRow }> {
  const fields = validate(z.object({ name: requiredText(NAME_MAX) }), input);
  return onUniqueViolation(
    UNITS.nameKey,
    () => duplicateName(`a ${UNITS.what}`, fields.name),
    () =>
      db.transaction(async (tx) => {
        await refuseDuplicateName(tx, UNITS.table, actor.organisationId, fields.name, null, `a ${UNITS.what}`);
        const [row] = await tx.insert(businessUnits).values({ organisationId: actor.organisationId, name: fields.name }).returning();
        await recordAudit(tx, actor, { action: 'businessUnit.create', entityType: 'BusinessUnit', entityId: row!.id, after: row });
        return { businessUnit: row! };
      }),
  );
}

export async function updateBusinessUnit(db: Db, actor: Actor, id: string, input: UpdateBusinessUnitInput): Promise<{ businessUnit: BusinessUnitRow }> {
  const fields = validate(z.object({ expectedVersion, name: requiredText(NAME_MAX).optional(), archived: archived.optional() }), input);
  const { expectedVersion: version, ...changes } = fields;
  return onUniqueViolation(
    UNITS.nameKey,
    () => duplicateName(`a ${UNITS.what}`, fields.name ?? ''),
    () =>
      db.transaction(async (tx) => {
        const before = await lockForUpdate(tx, businessUnits, actor, id, version, 'business unit');
        if (changes.name !== undefined) await refuseDuplicateName(tx, UNITS.table, actor.organisationId, changes.name, before.id, `a ${UNITS.what}`);
        const after = await writeUpdate(tx, businessUnits, before.id, changes);
        await recordAudit(tx, actor, { action: 'businessUnit.update', entityType: 'BusinessUnit', entityId: after.id, before, after });
        return { businessUnit: after };
      }),
  );
}

// --- Deleting an entry nobody uses ---

async function deleteEntry<T extends ListTable>(db: Db, actor: Actor, list: List<T>, id: string, input: DeleteReferenceListEntryInput): Promise<string> {
  return db.transaction(async (tx) => {
    if (list.entityType === 'CustomerType') await serialiseWrites(tx, TYPES_IN_USE, actor.organisationId);
    const before = (await lockForUpdate(tx, list.table as ListTable, actor, id, input.expectedVersion, list.what)) as CustomerTypeRow | BusinessUnitRow;
    const used = await customersUsing(tx, list, before.id);
    if (used > 0) {
      throw userError(
        ['input', 'id'],
        `id: ${used} ${used === 1 ? 'customer uses' : 'customers use'} this ${list.what}; archive it instead (archived entries are offered for no new customers).`,
        'INVALID_STATE',
      );
    }
    if (list.entityType === 'CustomerType') await keepOneCustomerType(tx, actor, before as CustomerTypeRow);
    await tx.delete(list.table as ListTable).where(eq((list.table as ListTable).id, before.id));
    await recordAudit(tx, actor, {
      action: `${list.entityType[0]!.toLowerCase()}${list.entityType.slice(1)}.delete`,
      entityType: list.entityType,
      entityId: before.id,
      before,
    });
    return before.id;
  });
}

export const deleteCustomerType = (db: Db, actor: Actor, id: string, input: DeleteReferenceListEntryInput) => deleteEntry(db, actor, TYPES, id, input);
export const deleteBusinessUnit = (db: Db, actor: Actor, id: string, input: DeleteReferenceListEntryInput) => deleteEntry(db, actor, UNITS, id, input);
