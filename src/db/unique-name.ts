// Names unique in an organisation ignoring case (SLAs, service plans, reminder types, customer types,
// business units…): checked before writing, so the error names the field, and held by each table's
// unique index on lower(name) when two people race (`onUniqueViolation` maps that to the same error).
import { and, eq, ne, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { userError, type UserErrors } from '../graph/user-errors';
import type { Db } from './client';

type NamedTable = PgTable & { id: PgColumn; organisationId: PgColumn; name: PgColumn };

/** DUPLICATE on `input.name`: "there is already <aThing> called …" (`aThing`: 'an SLA', 'a service plan'). */
export function duplicateName(aThing: string, name: string): UserErrors {
  return userError(['input', 'name'], `name: there is already ${aThing} called ${JSON.stringify(name)}.`, 'DUPLICATE');
}

/** Refuses `name` when another row of the organisation (not `exceptId`) has it, ignoring case. */
export async function refuseDuplicateName(
  tx: Db,
  table: NamedTable,
  organisationId: string,
  name: string,
  exceptId: string | null,
  aThing: string,
): Promise<void> {
  const [other] = await tx
    .select({ id: table.id })
    .from(table as PgTable)
    .where(and(eq(table.organisationId, organisationId), sql`lower(${table.name}) = lower(${name})`, exceptId ? ne(table.id, exceptId) : undefined));
  if (other) throw duplicateName(aThing, name);
}
