// A row that mutation input names by global ID: in the actor's organisation and visible to it, or a
// NOT_FOUND user error naming the input field (a row of another organisation, or one the actor may
// not see, is "not found" alike: the answer does not tell them apart).
import { and, eq } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { NodeType } from '../graph/ids';
import { inputId, notFound } from '../graph/user-errors';
import type { Db } from './client';
import type { LockingActor } from './versioned';

type OrgTable = PgTable & { id: PgColumn; organisationId: PgColumn };

export async function visibleRow<T extends OrgTable>(
  tx: Db,
  table: T,
  actor: LockingActor,
  globalId: string,
  type: NodeType,
  field: (string | number)[],
  what: string,
): Promise<T['$inferSelect']> {
  const { id } = inputId(globalId, [type], field);
  const [row] = (await tx
    .select()
    .from(table as PgTable)
    .where(and(eq(table.id, id), eq(table.organisationId, actor.organisationId), actor.visibility?.rows(table)))) as Array<T['$inferSelect']>;
  if (!row) throw notFound(field, what);
  return row;
}
