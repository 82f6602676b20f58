// The organisation's asset reference lists (docs/domain.md#assets): groups, makes, models (per make),
// fuel types and locations. One implementation serves every list: creating, renaming and deleting an
// item differ only in the table, the asset column that uses it, and (for models) the make it belongs
// to.
import { and, eq, ne, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { AssetList, CreateAssetListItemInput, DeleteAssetListItemInput, RenameAssetListItemInput } from '../generated/graphql';
import { NAME_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { assetGroups, assetLocations, assetMakes, assetModels, assets, fuelTypes, type AssetModelRow, type ReferenceItemRow } from './tables';

export const listItemTypes = ['AssetGroup', 'AssetMake', 'AssetModel', 'FuelType', 'AssetLocation'] as const;
export type ListItemType = (typeof listItemTypes)[number];

type ListTable = typeof assetGroups | typeof assetModels;

/** Each list: its table, its GraphQL type, the asset column that refers to it, and its name for people. */
const lists: Record<AssetList, { table: ListTable; type: ListItemType; usedBy: PgColumn; what: string }> = {
  GROUP: { table: assetGroups, type: 'AssetGroup', usedBy: assets.groupId, what: 'asset group' },
  // An asset's model is always of its make, so assets using a make's models use the make too.
  MAKE: { table: assetMakes, type: 'AssetMake', usedBy: assets.makeId, what: 'make' },
  MODEL: { table: assetModels, type: 'AssetModel', usedBy: assets.modelId, what: 'model' },
  FUEL_TYPE: { table: fuelTypes, type: 'FuelType', usedBy: assets.fuelTypeId, what: 'fuel type' },
  LOCATION: { table: assetLocations, type: 'AssetLocation', usedBy: assets.locationId, what: 'location' },
};
const listOfType = Object.fromEntries(Object.entries(lists).map(([list, l]) => [l.type, list as AssetList])) as Record<ListItemType, AssetList>;

export type ListItem = (ReferenceItemRow | AssetModelRow) & { __typename: ListItemType };

const nameSchema = z.object({ name: requiredText(NAME_MAX) });

/** Refuses a name another item of the same list (for models: of the same make) already has, ignoring case. */
async function refuseDuplicate(tx: Db, actor: Actor, list: AssetList, name: string, makeId: string | null, exceptId: string | null) {
  const { table, what } = lists[list];
  const [row] = await tx
    .select({ id: table.id })
    .from(table)
    .where(
      and(
        eq(table.organisationId, actor.organisationId),
        sql`lower(${table.name}) = lower(${name})`,
        makeId ? eq(assetModels.makeId, makeId) : undefined,
        exceptId ? ne(table.id, exceptId) : undefined,
      ),
    );
  if (row) throw userError(['input', 'name'], `name: there is already a ${what} called ${JSON.stringify(name)}.`, 'DUPLICATE');
}

export async function createListItem(db: Db, actor: Actor, input: CreateAssetListItemInput): Promise<{ item: ListItem }> {
  const { name } = validate(nameSchema, { name: input.name });
  const { table, type } = lists[input.list];
  let makeId: string | null = null;
  if (input.list === 'MODEL') {
    if (!input.makeId) throw userError(['input', 'makeId'], 'makeId: a model needs the make it belongs to.', 'REQUIRED');
    makeId = inputId(input.makeId, ['AssetMake'], ['input', 'makeId']).id;
  } else if (input.makeId != null) {
    throw userError(['input', 'makeId'], 'makeId: only models belong to a make.', 'INVALID');
  }
  return db.transaction(async (tx) => {
    if (makeId) {
      const [make] = await tx
        .select({ id: assetMakes.id })
        .from(assetMakes)
        .where(and(eq(assetMakes.id, makeId), eq(assetMakes.organisationId, actor.organisationId)))
        .for('update');
      if (!make) throw notFound(['input', 'makeId'], 'make');
    }
    await refuseDuplicate(tx, actor, input.list, name, makeId, null);
    const values = { organisationId: actor.organisationId, name, ...(makeId ? { makeId } : {}) };
    const [row] = (await tx
      .insert(table)
      .values(values as typeof assetModels.$inferInsert)
      .returning()) as Array<ReferenceItemRow | AssetModelRow>;
    await recordAudit(tx, actor, { action: 'assetListItem.create', entityType: type, entityId: row!.id, after: row });
    return { item: { ...row!, __typename: type } };
  });
}

/**
 * The list and row behind an item's global ID, locked; NOT_FOUND outside the organisation,
 * VERSION_CONFLICT when it has changed since `expectedVersion`.
 */
async function lockItem(tx: Db, actor: Actor, globalId: string, expectedVersion: number | null | undefined) {
  const { type, id } = inputId(globalId, listItemTypes, ['input', 'id']);
  const list = listOfType[type];
  const { table, what } = lists[list];
  const row: ReferenceItemRow | AssetModelRow = await lockForUpdate(tx, table, actor, id, expectedVersion, what);
  return { list, type, row };
}

export async function renameListItem(db: Db, actor: Actor, input: RenameAssetListItemInput): Promise<{ item: ListItem }> {
  const { name } = validate(nameSchema, { name: input.name });
  return db.transaction(async (tx) => {
    const { list, type, row: before } = await lockItem(tx, actor, input.id, input.expectedVersion);
    const { table } = lists[list];
    await refuseDuplicate(tx, actor, list, name, 'makeId' in before ? before.makeId : null, before.id);
    const after: ReferenceItemRow | AssetModelRow = await writeUpdate(tx, table, before.id, { name });
    await recordAudit(tx, actor, { action: 'assetListItem.rename', entityType: type, entityId: before.id, before, after });
    return { item: { ...after, __typename: type } };
  });
}

/** Deletes an item no asset uses; a make goes with its models. */
export async function deleteListItem(db: Db, actor: Actor, input: DeleteAssetListItemInput): Promise<{ deletedId: string; type: ListItemType }> {
  return db.transaction(async (tx) => {
    const { list, type, row } = await lockItem(tx, actor, input.id, input.expectedVersion);
    const { table, usedBy, what } = lists[list];
    const [use] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(assets)
      .where(and(eq(assets.organisationId, actor.organisationId), eq(usedBy, row.id)));
    if ((use?.n ?? 0) > 0) {
      throw userError(['input', 'id'], `id: ${use!.n} asset(s) use this ${what}; change them first.`, 'INVALID_STATE');
    }
    const models = list === 'MAKE' ? await tx.select().from(assetModels).where(eq(assetModels.makeId, row.id)) : [];
    await tx.delete(table).where(eq(table.id, row.id));
    await recordAudit(tx, actor, [
      ...models.map((m) => ({ action: 'assetListItem.delete', entityType: 'AssetModel', entityId: m.id, before: m })),
      { action: 'assetListItem.delete', entityType: type, entityId: row.id, before: row },
    ]);
    return { deletedId: row.id, type };
  });
}

/** One list of the organisation, by name. */
export function listItems(db: Db, organisationId: string, list: Exclude<AssetList, 'MODEL'>): Promise<ReferenceItemRow[]> {
  const table = lists[list].table as typeof assetGroups;
  return db
    .select()
    .from(table)
    .where(eq(table.organisationId, organisationId))
    .orderBy(sql`lower(${table.name})`, table.id);
}
