// Contacts, addresses and (later) notes and documents belong to either a lead or a customer: the
// "record". This resolves a record's global ID from mutation input to one the viewer's organisation has.
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../audit/service';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { inputId, notFound } from '../graph/user-errors';
import { leads } from '../leads/tables';

/** Where the i-th item of a list sits in a mutation's input, for error paths. */
export type ItemPath = (index: number) => (string | number)[];

export type RecordOwner = { kind: 'customer'; id: string } | { kind: 'lead'; id: string };

export async function resolveRecordOwner(tx: Db, actor: Actor, globalId: string, field: (string | number)[]): Promise<RecordOwner> {
  const parsed = inputId(globalId, ['Customer', 'Lead'], field);
  const table = parsed.type === 'Customer' ? customers : leads;
  const [row] = await tx
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.id, parsed.id), eq(table.organisationId, actor.organisationId), actor.visibility?.record(parsed.type === 'Customer' ? 'customer' : 'lead')));
  if (!row) throw notFound(field, parsed.type === 'Customer' ? 'customer' : 'lead');
  return { kind: parsed.type === 'Customer' ? 'customer' : 'lead', id: row.id };
}

/** A customer the actor may see, from a global ID in mutation input. */
export async function visibleCustomerId(tx: Db, actor: Actor, globalId: string, field: (string | number)[]): Promise<string> {
  const { id } = inputId(globalId, ['Customer'], field);
  const [row] = await tx
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.id, id), eq(customers.organisationId, actor.organisationId), actor.visibility?.record('customer')));
  if (!row) throw notFound(field, 'customer');
  return row.id;
}
