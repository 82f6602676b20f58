// Contacts, addresses and (later) notes and documents belong to either a lead or a customer: the
// "record". This resolves a record's global ID from mutation input to one the viewer's organisation has.
import { and, eq, sql } from 'drizzle-orm';
import type { Actor } from '../audit/service';
import { customers } from '../customers/tables';
import { customerNotFound } from '../customers/tombstones';
import type { Db } from '../db/client';
import { inputId, notFound, userError } from '../graph/user-errors';
import { leads } from '../leads/tables';

/** Where the i-th item of a list sits in a mutation's input, for error paths. */
export type ItemPath = (index: number) => (string | number)[];

export type RecordOwner = { kind: 'customer'; id: string } | { kind: 'lead'; id: string };

/**
 * An anonymised customer (docs/domain.md#deleting-and-anonymising-customers) takes no new personal
 * data: nothing is attached to it, or to the leads converted into it, through these lookups (they serve
 * mutations only), nor to its work addresses and assets (src/documents/service.ts).
 */
export function refuseAnonymised(anonymisedAt: unknown, field: (string | number)[]): void {
  if (anonymisedAt) {
    throw userError(field, `${field[field.length - 1]}: the customer has been anonymised; it takes no new personal data.`, 'INVALID_STATE');
  }
}

export async function resolveRecordOwner(tx: Db, actor: Actor, globalId: string, field: (string | number)[]): Promise<RecordOwner> {
  const parsed = inputId(globalId, ['Customer', 'Lead'], field);
  const table = parsed.type === 'Customer' ? customers : leads;
  const [row] = await tx
    .select({
      id: table.id,
      anonymisedAt:
        parsed.type === 'Customer'
          ? customers.anonymisedAt
          : sql`(select ${customers.anonymisedAt} from ${customers} where ${customers.id} = ${leads.convertedCustomerId})`,
    })
    .from(table)
    .where(
      and(eq(table.id, parsed.id), eq(table.organisationId, actor.organisationId), actor.visibility?.record(parsed.type === 'Customer' ? 'customer' : 'lead')),
    );
  if (!row) throw parsed.type === 'Customer' ? await customerNotFound(tx, actor, parsed.id, field) : notFound(field, 'lead');
  refuseAnonymised(row.anonymisedAt, field);
  return { kind: parsed.type === 'Customer' ? 'customer' : 'lead', id: row.id };
}

/** A customer the actor may see, from a global ID in mutation input. */
export async function visibleCustomerId(tx: Db, actor: Actor, globalId: string, field: (string | number)[]): Promise<string> {
  const { id } = inputId(globalId, ['Customer'], field);
  const [row] = await tx
    .select({ id: customers.id, anonymisedAt: customers.anonymisedAt })
    .from(customers)
    .where(and(eq(customers.id, id), eq(customers.organisationId, actor.organisationId), actor.visibility?.record('customer')));
  if (!row) throw await customerNotFound(tx, actor, id, field);
  refuseAnonymised(row.anonymisedAt, field);
  return row.id;
}

/** The anonymisation time of a row's customer, as a column to select beside the row. */
export const customerAnonymisedAt = (customerId: unknown) =>
  sql<Date | null>`(select ${customers.anonymisedAt} from ${customers} where ${customers.id} = ${customerId})`;
