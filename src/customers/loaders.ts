// Customers read by id for `customer(id:)` and `node(id:)`: a merged customer's id keeps resolving to
// the customer it was merged into, through the request's shared loaders.
import type { Context } from '../graph/context';
import { customerTombstones, type CustomerRow } from './tables';

/** The customer with this id, or the one it was merged into; null if neither exists or is visible. */
export async function customerById(ctx: Context, id: string): Promise<CustomerRow | null> {
  const customer = await ctx.loaders.byId('Customer').load(id);
  if (customer) return customer;
  const tombstone = await ctx.loaders.tableById(customerTombstones, 'CustomerTombstone').load(id);
  return tombstone ? ctx.loaders.byId('Customer').load(tombstone.survivorId) : null;
}
