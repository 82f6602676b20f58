// A customer's billing address as invoices use it: its default BILLING address, else another
// BILLING one, else its default address of another kind, else its oldest. (A customer always has an
// address: its last one cannot be deleted.) One order, for the batched read behind `addressedTo` and
// for the copy a landlord's invoice address starts from.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { addresses, type AddressRow } from '../addresses/tables';
import type { Db } from '../db/client';
import { uuidArray } from '../graph/connection';
import { viewerOf, type Context } from '../graph/context';

const billingFirst = [
  desc(sql`(${addresses.type} = 'BILLING' and ${addresses.isDefault})`),
  desc(sql`(${addresses.type} = 'BILLING')`),
  desc(addresses.isDefault),
  asc(addresses.createdAt),
  asc(addresses.id),
];

/** The billing address of one customer, inside a transaction. */
export async function billingAddressIn(tx: Db, organisationId: string, customerId: string): Promise<AddressRow | null> {
  const [row] = await tx
    .select()
    .from(addresses)
    .where(and(eq(addresses.organisationId, organisationId), eq(addresses.customerId, customerId)))
    .orderBy(...billingFirst)
    .limit(1);
  return row ?? null;
}

/** The billing address of each customer asked for in a request, one query for all of them. */
export function billingAddress(ctx: Context, customerId: string): Promise<AddressRow | null> {
  const { organisationId } = viewerOf(ctx);
  return ctx.loaders
    .batch<AddressRow | null>('invoice-addresses.billingAddress', async (customerIds) => {
      const rows = await ctx.db
        .selectDistinctOn([addresses.customerId])
        .from(addresses)
        .where(and(eq(addresses.organisationId, organisationId), sql`${addresses.customerId} = any(${uuidArray(customerIds)})`))
        .orderBy(addresses.customerId, ...billingFirst);
      const byCustomer = new Map(rows.map((row) => [row.customerId!, row]));
      return customerIds.map((id) => byCustomer.get(id) ?? null);
    })
    .load(customerId);
}
