// A merged customer's id lives on as a tombstone (src/customers/merge.ts). Mutation input that names
// one gets a MERGED user error naming the customer it went into, instead of a bare "not found", so a
// client holding an old id learns where the record is now.
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../audit/service';
import type { Db } from '../db/client';
import { lockForUpdate } from '../db/versioned';
import { toGlobalId } from '../graph/ids';
import { notFound, UserErrors } from '../graph/user-errors';
import { customers, customerTombstones, type CustomerRow } from './tables';

type Path = (string | number)[];

/** The customer a merged id went into, if the actor may see it. */
export async function tombstoneOf(
  tx: Db,
  actor: Pick<Actor, 'organisationId' | 'visibility'>,
  id: string,
): Promise<{ survivorId: string; survivorName: string } | null> {
  const [row] = await tx
    .select({ survivorId: customerTombstones.survivorId, survivorName: customers.name })
    .from(customerTombstones)
    .innerJoin(customers, eq(customers.id, customerTombstones.survivorId))
    .where(and(eq(customerTombstones.id, id), eq(customerTombstones.organisationId, actor.organisationId), actor.visibility?.record('customer')));
  return row ?? null;
}

/** "No customer with this ID", or for a merged one, MERGED naming the customer it went into. */
export async function customerNotFound(tx: Db, actor: Pick<Actor, 'organisationId' | 'visibility'>, id: string, field: Path): Promise<UserErrors> {
  const tombstone = await tombstoneOf(tx, actor, id);
  if (!tombstone) return notFound(field, 'customer');
  const name = [...field].reverse().find((part) => typeof part === 'string' && !/^\d+$/.test(part)) ?? 'id';
  const mergedIntoId = toGlobalId('Customer', tombstone.survivorId);
  return new UserErrors([
    {
      field: field.map(String),
      message: `${name}: this customer was merged into "${tombstone.survivorName}" (${mergedIntoId}); use that ID.`,
      code: 'MERGED',
      mergedIntoId,
    },
  ]);
}

/**
 * lockForUpdate for a customer: a merged customer's id gets MERGED, naming the customer it went into.
 * `field`: the input field that names the customer, for "not found" (a mutation about the customer's
 * plans or SLA names it `customerId`).
 */
export function lockCustomer(
  tx: Db,
  actor: Pick<Actor, 'organisationId' | 'visibility'>,
  id: string,
  expectedVersion: number | null | undefined,
  field: Path = ['input', 'id'],
): Promise<CustomerRow> {
  return lockForUpdate(tx, customers, actor, id, expectedVersion, 'customer', () => customerNotFound(tx, actor, id, field));
}
