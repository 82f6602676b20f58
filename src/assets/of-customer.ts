// One of a customer's assets, from a global ID in mutation input: what the areas that point at an
// asset (service cases, renewal links, quote lines) check before they do. An asset of another
// organisation, or one the actor may not see, is not found; another customer's is refused.
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../audit/service';
import type { Db } from '../db/client';
import { inputId, notFound, userError } from '../graph/user-errors';
import { assets, type AssetRow } from './tables';

export async function assetOfCustomer(tx: Db, actor: Actor, customerId: string, globalId: string, field: (string | number)[]): Promise<AssetRow> {
  const { id } = inputId(globalId, ['Asset'], field);
  const [row] = await tx
    .select()
    .from(assets)
    .where(and(eq(assets.id, id), eq(assets.organisationId, actor.organisationId), actor.visibility?.rows(assets)));
  if (!row) throw notFound(field, 'asset');
  if (row.customerId !== customerId) throw userError(field, `${field[field.length - 1]}: the asset belongs to another customer.`, 'INVALID');
  return row;
}
