// Writes that keep a rule across several rows of one owner (one default address per type, one
// primary contact per customer, a customer's last address, an organisation's endpoint count) read
// the other rows and then change them. Under READ COMMITTED two such writes at once each miss the
// other's new row: both pass the rule, and the second then fails on the unique index (a server
// fault for the client) or, where no index holds the rule, both commit. They take this lock first,
// before any row lock (rows first and then this lock could wait in a cycle), so they run one at a
// time per owner; other writes and every read go on as before.
import { and, eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './client';

/** Waits until no other transaction holds the lock of `scope` for `id`; held until this one ends. */
export async function serialiseWrites(tx: Db, scope: string, id: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`${scope}:${id}`}))`);
}

/** A record kept under a customer or a lead (addresses, contacts). */
type OwnedTable = PgTable & { id: PgColumn; organisationId: PgColumn; customerId: PgColumn; leadId: PgColumn };

/**
 * The lock of `scope` for the owner of an existing row, taken before the caller locks the row
 * itself. No such row in the organisation: nothing is locked (the caller's own lookup answers
 * NOT_FOUND).
 */
export async function serialiseWritesOfOwnerOf(tx: Db, table: OwnedTable, rowId: string, organisationId: string, scope: string): Promise<void> {
  const [row] = (await tx
    .select({ customerId: table.customerId, leadId: table.leadId })
    .from(table)
    .where(and(eq(table.id, rowId), eq(table.organisationId, organisationId)))) as Array<{ customerId: string | null; leadId: string | null }>;
  const ownerId = row?.customerId ?? row?.leadId;
  if (ownerId) await serialiseWrites(tx, scope, ownerId);
}
