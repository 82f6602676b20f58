// Assets and appliances (docs/domain.md#assets): recorded for a customer, optionally at one of its work
// addresses, described by the organisation's reference lists. A work address must be the same
// customer's, and a model must be of the asset's make.
import { and, eq } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateAssetInput, DeleteAssetInput, UpdateAssetInput } from '../generated/graphql';
import type { NodeType } from '../graph/ids';
import { isoDate, NAME_MAX, optionalText, TEXT_MAX } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { visibleCustomerId } from '../records/owner';
import { workAddresses } from '../work-addresses/tables';
import { assetGroups, assetLocations, assetMakes, assetModels, assets, fuelTypes, type AssetRow } from './tables';

const fields = {
  description: optionalText(TEXT_MAX),
  technicalReference: optionalText(NAME_MAX),
  serialNumber: optionalText(NAME_MAX),
  quantity: z.number().int().min(1, { message: 'must be at least 1' }).max(1_000_000, { message: 'must be at most 1000000' }),
  startDate: isoDate.nullish(),
  renewalDate: isoDate.nullish(),
};
const createSchema = z.object({ ...fields, quantity: fields.quantity.nullish().transform((v) => v ?? 1) });
const updateSchema = z.object({ ...fields, quantity: fields.quantity.optional(), expectedVersion: z.number().int().nullish() });

/** The ID fields of an asset's input that name a reference list item, with their type and table. */
const links = {
  groupId: { type: 'AssetGroup', table: assetGroups, what: 'asset group' },
  makeId: { type: 'AssetMake', table: assetMakes, what: 'make' },
  modelId: { type: 'AssetModel', table: assetModels, what: 'model' },
  fuelTypeId: { type: 'FuelType', table: fuelTypes, what: 'fuel type' },
  locationId: { type: 'AssetLocation', table: assetLocations, what: 'location' },
} as const satisfies Record<string, { type: NodeType; table: PgTable & { id: PgColumn; organisationId: PgColumn }; what: string }>;
type LinkField = keyof typeof links | 'workAddressId';
type LinkValues = Partial<Record<LinkField, string | null>>;

/** Global IDs given in the input → uuids (null clears; absent is left out), or user errors naming the field. */
function decodeLinks(input: Partial<Record<LinkField, string | null | undefined>>): LinkValues {
  const out: LinkValues = {};
  for (const field of [...Object.keys(links), 'workAddressId'] as LinkField[]) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null) {
      out[field] = null;
      continue;
    }
    const type = field === 'workAddressId' ? 'WorkAddress' : links[field].type;
    out[field] = inputId(value, [type], ['input', field]).id;
  }
  return out;
}

/**
 * Checks every given link against the organisation (NOT_FOUND), the work address against the asset's
 * customer (INVALID), and the model against the make (INVALID); fills the make from the model when
 * only the model was given. `current` is the asset before an update.
 */
async function checkLinks(tx: Db, actor: Actor, customerId: string, given: LinkValues, current: Partial<AssetRow> = {}): Promise<LinkValues> {
  const out: LinkValues = { ...given };
  let modelMake: string | null = null;
  for (const field of Object.keys(links) as Array<keyof typeof links>) {
    const id = given[field];
    if (!id) continue;
    const { table, what } = links[field];
    const [row] = (await tx
      .select()
      .from(table as PgTable)
      .where(and(eq(table.id, id), eq(table.organisationId, actor.organisationId)))) as Array<{ id: string; makeId?: string }>;
    if (!row) throw notFound(['input', field], what);
    if (field === 'modelId') modelMake = row.makeId!;
  }
  if (given.workAddressId) {
    const [address] = await tx
      .select({ customerId: workAddresses.customerId })
      .from(workAddresses)
      .where(and(eq(workAddresses.id, given.workAddressId), eq(workAddresses.organisationId, actor.organisationId), actor.visibility?.rows(workAddresses)));
    if (!address) throw notFound(['input', 'workAddressId'], 'work address');
    if (address.customerId !== customerId) {
      throw userError(['input', 'workAddressId'], "workAddressId: the work address belongs to another customer; choose one of this customer's.", 'INVALID');
    }
  }
  // Make and model as they will be: a model alone brings its make; clearing the make clears the model.
  if (given.modelId && given.makeId === undefined) out.makeId = modelMake;
  if (given.makeId === null && given.modelId === undefined) out.modelId = null;
  const make = out.makeId !== undefined ? out.makeId : (current.makeId ?? null);
  const model = out.modelId !== undefined ? out.modelId : (current.modelId ?? null);
  if (model) {
    if (!make) throw userError(['input', 'makeId'], 'makeId: a model needs its make.', 'REQUIRED');
    const modelsMake = modelMake ?? (await makeOfModel(tx, model));
    if (modelsMake !== make) {
      throw userError(['input', 'modelId'], 'modelId: the model is not a model of the make; choose one of its models (or null).', 'INVALID');
    }
  }
  return out;
}

async function makeOfModel(tx: Db, modelId: string): Promise<string | null> {
  const [row] = await tx.select({ makeId: assetModels.makeId }).from(assetModels).where(eq(assetModels.id, modelId));
  return row?.makeId ?? null;
}

function checkDates(startDate: string | null | undefined, renewalDate: string | null | undefined): void {
  if (startDate && renewalDate && renewalDate < startDate) {
    throw userError(['input', 'renewalDate'], 'renewalDate: must not be before the start date.', 'INVALID');
  }
}

export async function createAsset(db: Db, actor: Actor, input: CreateAssetInput): Promise<{ asset: AssetRow }> {
  const fieldsIn = validate(createSchema, input);
  checkDates(fieldsIn.startDate, fieldsIn.renewalDate);
  const given = decodeLinks(input);
  return db.transaction(async (tx) => {
    const customer = { id: await visibleCustomerId(tx, actor, input.customerId, ['input', 'customerId']) };
    const linked = await checkLinks(tx, actor, customer.id, given);
    const [asset] = await tx
      .insert(assets)
      .values({ ...fieldsIn, ...linked, organisationId: actor.organisationId, customerId: customer.id })
      .returning();
    await recordAudit(tx, actor, { action: 'asset.create', entityType: 'Asset', entityId: asset!.id, after: asset });
    return { asset: asset! };
  });
}

export async function updateAsset(db: Db, actor: Actor, assetId: string, input: UpdateAssetInput): Promise<{ asset: AssetRow }> {
  const { expectedVersion, ...changes } = validate(updateSchema, input);
  const given = decodeLinks(input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, assets, actor, assetId, expectedVersion, 'asset');
    const linked = await checkLinks(tx, actor, before.customerId, given, before);
    checkDates(
      changes.startDate !== undefined ? changes.startDate : before.startDate,
      changes.renewalDate !== undefined ? changes.renewalDate : before.renewalDate,
    );
    const after = await writeUpdate(tx, assets, before.id, { ...changes, ...linked });
    await recordAudit(tx, actor, { action: 'asset.update', entityType: 'Asset', entityId: after.id, before, after });
    return { asset: after };
  });
}

export async function deleteAsset(db: Db, actor: Actor, assetId: string, input: DeleteAssetInput): Promise<{ deletedAssetId: string }> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, assets, actor, assetId, expectedVersion, 'asset');
    await tx.delete(assets).where(eq(assets.id, before.id));
    await recordAudit(tx, actor, { action: 'asset.delete', entityType: 'Asset', entityId: before.id, before });
    return { deletedAssetId: before.id };
  });
}
