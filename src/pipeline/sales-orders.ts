// Sales orders, raised from signed quotes (docs/domain.md#sales-pipeline): the quote's lines copied, numbered in the transaction,
// refused while the customer's status does not allow new work (docs/domain.md#status-gating-of-new-work) unless overridden, audited.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { documentReference, nextNumber } from '../db/sequences';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import { TEXT_MAX, optionalText } from '../graph/text';
import { notFound, userError, validate, type UserErrors } from '../graph/user-errors';
import { selectQuoteLines } from './quotes';
import { checkNewWorkAllowed, type StatusOverride } from './shared';
import { quotes, salesOrderLines, salesOrders, type QuoteRow, type SalesOrderLineRow, type SalesOrderRow } from './tables';

/** "SO-000042": how people quote it. */
export const salesOrderReference = (o: Pick<SalesOrderRow, 'number'>) => documentReference('SO', o.number);

/**
 * Raises the sales order of a signed quote, inside the caller's transaction: copies the quote's
 * lines, numbers the order, audits. A quote has at most one order: a second attempt is DUPLICATE
 * (checked under the quote's row lock, and by the unique index on sales_orders.quote_id).
 */
export async function raiseSalesOrderFromQuote(
  tx: Db,
  actor: Actor,
  quote: QuoteRow,
  options: StatusOverride & {
    /** The caller holds the quote's row lock and `quote` is its row as it now stands (just signed). */
    locked?: boolean;
  } = { mayOverride: false },
): Promise<{ salesOrder: SalesOrderRow; lines: SalesOrderLineRow[] }> {
  const [locked] = options.locked
    ? [quote]
    : await tx
        .select()
        .from(quotes)
        .where(and(eq(quotes.id, quote.id), eq(quotes.organisationId, actor.organisationId)))
        .for('update');
  if (!locked) throw notFound(['input', 'id'], 'quote');
  if (locked.status !== 'SIGNED') {
    throw userError(['input', 'id'], `id: the quote is ${locked.status}; only a signed quote becomes a sales order.`, 'INVALID_STATE');
  }
  if (!locked.customerId) throw userError(['input', 'id'], 'id: the quote is on a lead; sales orders are for customers.', 'INVALID_STATE');
  const duplicate = (): UserErrors => userError(['input', 'id'], 'id: this quote already has a sales order.', 'DUPLICATE');
  const [existing] = await tx.select({ id: salesOrders.id }).from(salesOrders).where(eq(salesOrders.quoteId, locked.id));
  if (existing) throw duplicate();
  const overriddenStatus = await checkNewWorkAllowed(tx, locked.customerId, options);
  const [salesOrder] = await tx
    .insert(salesOrders)
    .values({
      organisationId: actor.organisationId,
      customerId: locked.customerId,
      quoteId: locked.id,
      number: await nextNumber(tx, actor.organisationId, 'SALES_ORDER'),
      currency: locked.currency,
    })
    .onConflictDoNothing({ target: salesOrders.quoteId })
    .returning();
  if (!salesOrder) throw duplicate();
  const source = await selectQuoteLines(tx, locked.id);
  const lines = source.length
    ? await tx
        .insert(salesOrderLines)
        .values(source.map(({ id, organisationId, quoteId: _quoteId, ...line }) => ({ ...line, organisationId, salesOrderId: salesOrder.id, quoteLineId: id })))
        .returning()
    : [];
  await recordAudit(tx, actor, {
    action: 'salesOrder.create',
    entityType: 'SalesOrder',
    entityId: salesOrder.id,
    after: { ...salesOrder, lines, ...(overriddenStatus ? { overriddenStatus } : {}) },
  });
  return { salesOrder, lines };
}

// ── The order's lifecycle (docs/domain.md#the-work-lifecycle): OPEN → COMPLETED | CANCELLED ─────────

/**
 * Closes an OPEN order as COMPLETED or CANCELLED under its row lock; any other status is INVALID_STATE
 * naming it. An order already converted to assets cannot be cancelled (its assets exist): complete it.
 * A completed order can still be converted to assets (the conversion refuses only cancelled ones).
 */
export async function closeSalesOrder(
  db: Db,
  actor: Actor,
  orderId: string,
  input: { expectedVersion?: number | null; reason?: string | null },
  to: 'COMPLETED' | 'CANCELLED',
): Promise<{ salesOrder: SalesOrderRow }> {
  const fields = validate(z.object({ expectedVersion: z.number().int().nullish(), reason: optionalText(TEXT_MAX) }), input);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, salesOrders, actor, orderId, fields.expectedVersion, 'sales order');
    const verb = to === 'COMPLETED' ? 'completed' : 'cancelled';
    if (before.status !== 'OPEN') {
      throw userError(
        ['input', 'id'],
        `id: the sales order ${salesOrderReference(before)} is ${before.status}; only an OPEN order can be ${verb}.`,
        'INVALID_STATE',
      );
    }
    if (to === 'CANCELLED' && before.convertedToAssetsAt) {
      throw userError(
        ['input', 'id'],
        `id: the sales order ${salesOrderReference(before)} was converted to assets; it cannot be cancelled (complete it instead).`,
        'INVALID_STATE',
      );
    }
    const now = new Date();
    const after = await writeUpdate(
      tx,
      salesOrders,
      before.id,
      to === 'COMPLETED' ? { status: to, completedAt: now } : { status: to, cancelledAt: now, cancelReason: fields.reason ?? null },
    );
    await recordAudit(tx, actor, {
      action: `salesOrder.${to === 'COMPLETED' ? 'complete' : 'cancel'}`,
      entityType: 'SalesOrder',
      entityId: after.id,
      before,
      after,
    });
    return { salesOrder: after };
  });
}
