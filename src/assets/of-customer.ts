// One of a customer's assets, from a global ID in mutation input: what the areas that point at an
// asset (service cases, renewal links, quote lines) check before they do. An asset of another
// organisation, or one the actor may not see, is not found; another customer's is refused.
import type { Actor } from '../audit/service';
import type { Db } from '../db/client';
import { visibleRow } from '../db/visible-row';
import { userError } from '../graph/user-errors';
import { assets, type AssetRow } from './tables';

export async function assetOfCustomer(tx: Db, actor: Actor, customerId: string, globalId: string, field: (string | number)[]): Promise<AssetRow> {
  const row = await visibleRow(tx, assets, actor, globalId, 'Asset', field, 'asset');
  if (row.customerId !== customerId) throw userError(field, `${field[field.length - 1]}: the asset belongs to another customer.`, 'INVALID');
  return row;
}
