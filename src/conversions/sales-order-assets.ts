// Sales order → assets (docs/domain.md#sales-order-to-assets): the preview
// (`salesOrderConversionPreview`) and the conversion (`convertSalesOrderToAssets`). Each line of the
// order that names an asset group, make or model and has no asset yet becomes one asset of the order's
// customer, linked to its line, optionally at one of the customer's work addresses; the order is
// stamped converted and the customer moves PENDING → LIVE.
//
// Quantities: lines count in thousandths (1.5 hours), assets in whole items. A line's quantity with a
// fraction is rounded up (1.5 → 2, 0.25 → 1), so an asset never stands for fewer items than were
// sold; the preview says when it rounded. Refusing such lines instead would leave a signed order that
// can never be converted (orders' lines do not change).
//
// The preview and the mutation share one list of blockers, so the preview's `canConvert` and the
// mutation's user errors never disagree. The mutation locks the customer row first and then the
// order, the order every workflow on a customer locks in, so it never waits on one in a cycle.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { assets, type AssetRow } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import { customers, type CustomerRow } from '../customers/tables';
import type { Db } from '../db/client';
import { writeUpdate } from '../db/versioned';
import type { ConvertSalesOrderToAssetsInput } from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { rowsCodec, withIdempotency, type ResultCodec } from '../graph/idempotency';
import { inputId, notFound, userError, UserErrors, validate, type UserError } from '../graph/user-errors';
import { salesOrderReference } from '../pipeline/sales-orders';
import { salesOrderLines, salesOrders, type SalesOrderLineView, type SalesOrderRow } from '../pipeline/tables';
import { users } from '../tenancy/tables';
import { workAddresses } from '../work-addresses/tables';

type Path = (string | number)[];
type Stage = CustomerRow['stage'];

const ORDER_FIELD = ['input', 'salesOrderId'];
const WORK_ADDRESS_FIELD = ['input', 'workAddressId'];

/** An asset the conversion will make from one order line. */
export type AssetDraft = {
  line: SalesOrderLineView;
  description: string;
  quantity: number;
  quantityRounded: boolean;
  groupId: string | null;
  makeId: string | null;
  modelId: string | null;
};

export type ConversionPreview = {
  salesOrder: SalesOrderRow;
  customer: CustomerRow;
  currentStage: Stage;
  newStage: Stage;
  assets: AssetDraft[];
  canConvert: boolean;
  blockers: UserError[];
};

export type AssetConversionResult = { salesOrder: SalesOrderRow; customer: CustomerRow; assets: AssetRow[] };

/** Whole items from thousandths, rounded up: every line quantity is more than 0, so at least 1. */
export function assetQuantity(quantityMilli: number): { quantity: number; rounded: boolean } {
  return { quantity: Math.max(1, Math.ceil(quantityMilli / 1000)), rounded: quantityMilli % 1000 !== 0 };
}

function draftsOf(order: SalesOrderRow, lines: Array<typeof salesOrderLines.$inferSelect>): AssetDraft[] {
  return lines
    .filter((line) => !line.assetCreated && (line.assetGroupId || line.assetMakeId || line.assetModelId))
    .map((line) => {
      const { quantity, rounded } = assetQuantity(line.quantityMilli);
      return {
        line: { ...line, currency: order.currency },
        description: line.description,
        quantity,
        quantityRounded: rounded,
        groupId: line.assetGroupId,
        makeId: line.assetMakeId,
        modelId: line.assetModelId,
      };
    });
}

const linesOf = (tx: Db, orderId: string) =>
  tx.select().from(salesOrderLines).where(eq(salesOrderLines.salesOrderId, orderId)).orderBy(asc(salesOrderLines.position), asc(salesOrderLines.id));

/** Why the order cannot be converted now, as the mutation's user errors; empty when it can. */
async function blockersOf(tx: Db, order: SalesOrderRow): Promise<UserError[]> {
  const reference = salesOrderReference(order);
  if (order.convertedToAssetsAt) {
    const [by] = order.convertedToAssetsById ? await tx.select({ name: users.name }).from(users).where(eq(users.id, order.convertedToAssetsById)) : [];
    return [
      {
        field: ORDER_FIELD,
        message: `salesOrderId: the sales order ${reference} was already converted to assets at ${order.convertedToAssetsAt.toISOString()}${by ? ` by ${by.name}` : ''}; it cannot be converted again.`,
        code: 'INVALID_STATE',
      },
    ];
  }
  if (order.status === 'CANCELLED') {
    return [
      {
        field: ORDER_FIELD,
        message: `salesOrderId: the sales order ${reference} is CANCELLED; a cancelled order cannot be converted to assets.`,
        code: 'INVALID_STATE',
      },
    ];
  }
  return [];
}

/** The stage the conversion gives a customer: a PENDING one goes LIVE, a LIVE one stays LIVE. */
const stageAfter = (_stage: Stage): Stage => 'LIVE';

/** The order as the viewer may see it (an order follows its customer's visibility). */
async function visibleOrder(db: Db, actor: Actor, orderId: string): Promise<SalesOrderRow | null> {
  const [order] = await db
    .select()
    .from(salesOrders)
    .where(and(eq(salesOrders.id, orderId), eq(salesOrders.organisationId, actor.organisationId), actor.visibility?.rows(salesOrders)));
  return order ?? null;
}

/** What converting the order would do now; null when the viewer cannot see it. Writes nothing. */
export async function previewSalesOrderConversion(db: Db, actor: Actor, orderId: string): Promise<ConversionPreview | null> {
  const order = await visibleOrder(db, actor, orderId);
  if (!order) return null;
  const [[customer], lines, blockers] = await Promise.all([
    db.select().from(customers).where(eq(customers.id, order.customerId)),
    linesOf(db, order.id),
    blockersOf(db, order),
  ]);
  return {
    salesOrder: order,
    customer: customer!,
    currentStage: customer!.stage,
    newStage: stageAfter(customer!.stage),
    assets: draftsOf(order, lines),
    canConvert: blockers.length === 0,
    blockers,
  };
}

/** The order's customer and then the order, both locked; the order re-read under the lock. */
async function lockCustomerAndOrder(tx: Db, actor: Actor, orderId: string): Promise<{ customer: CustomerRow; order: SalesOrderRow }> {
  // The customer must be locked before the order, and the order names its customer: read it, lock
  // the customer, lock the order, and start again in the rare case the order moved in between (a merge).
  for (let attempt = 0; attempt < 3; attempt++) {
    const seen = await visibleOrder(tx, actor, orderId);
    if (!seen) throw notFound(ORDER_FIELD, 'sales order');
    const [customer] = await tx.select().from(customers).where(eq(customers.id, seen.customerId)).for('update');
    const [order] = await tx.select().from(salesOrders).where(eq(salesOrders.id, orderId)).for('update');
    if (!order) throw notFound(ORDER_FIELD, 'sales order');
    if (customer && order.customerId === customer.id) return { customer, order };
  }
  throw userError(ORDER_FIELD, 'salesOrderId: the sales order kept moving to another customer while it was being converted; try again.', 'VERSION_CONFLICT');
}

/** The work address, if one is given: visible, and the order's customer's. */
async function workAddressOf(tx: Db, actor: Actor, globalId: string | null | undefined, customerId: string, field: Path): Promise<string | null> {
  if (!globalId) return null;
  const { id } = inputId(globalId, ['WorkAddress'], field);
  const [address] = await tx
    .select({ id: workAddresses.id, customerId: workAddresses.customerId })
    .from(workAddresses)
    .where(and(eq(workAddresses.id, id), eq(workAddresses.organisationId, actor.organisationId), actor.visibility?.rows(workAddresses)));
  if (!address) throw notFound(field, 'work address');
  if (address.customerId !== customerId) {
    throw userError(field, "workAddressId: the work address belongs to another customer; choose one of the sales order's customer's.", 'INVALID');
  }
  return address.id;
}

/** Results hold an array of asset rows, which `rowsCodec` does not revive by itself. */
const orderAndCustomer = rowsCodec<{ salesOrder: SalesOrderRow; customer: CustomerRow }>({ salesOrder: salesOrders, customer: customers });
const oneAsset = rowsCodec<{ asset: AssetRow }>({ asset: assets });
const resultCodec: ResultCodec<AssetConversionResult> = {
  store: (result) => JSON.parse(JSON.stringify(result)),
  replay: (stored) => ({
    ...orderAndCustomer.replay(stored),
    assets: ((stored as { assets: unknown[] }).assets ?? []).map((row) => oneAsset.replay({ asset: row }).asset),
  }),
};

/**
 * Converts a sales order into assets (docs/domain.md#sales-order-to-assets) in one transaction; see the
 * module's comment. User errors (nothing written): NOT_FOUND for an order or work address the viewer
 * cannot see, INVALID for another customer's work address, VERSION_CONFLICT for a stale
 * `expectedVersion`, INVALID_STATE for an order already converted (naming when) or cancelled.
 */
export function convertSalesOrderToAssets(db: Db, actor: Actor, input: ConvertSalesOrderToAssetsInput): Promise<AssetConversionResult> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  const { id: orderId } = inputId(input.salesOrderId, ['SalesOrder'], ORDER_FIELD);
  if (input.workAddressId) inputId(input.workAddressId, ['WorkAddress'], WORK_ADDRESS_FIELD);
  return withIdempotency(
    db,
    actor,
    'convertSalesOrderToAssets',
    input.idempotencyKey,
    input,
    async (tx) => {
      const { customer, order } = await lockCustomerAndOrder(tx, actor, orderId);
      const blockers = await blockersOf(tx, order);
      if (blockers.length) throw new UserErrors(blockers);
      if (expectedVersion != null && order.version !== expectedVersion) {
        throw userError(
          ['input', 'expectedVersion'],
          `expectedVersion: the sales order is at version ${order.version}, not ${expectedVersion}; someone else changed it. Reload and try again.`,
          'VERSION_CONFLICT',
        );
      }
      const workAddressId = await workAddressOf(tx, actor, input.workAddressId, customer.id, WORK_ADDRESS_FIELD);
      const drafts = draftsOf(order, await linesOf(tx, order.id));

      // One statement each for the assets and the lines, however many lines there are.
      const created = drafts.length
        ? await tx
            .insert(assets)
            .values(
              drafts.map((d) => ({
                organisationId: actor.organisationId,
                customerId: customer.id,
                workAddressId,
                groupId: d.groupId,
                makeId: d.makeId,
                modelId: d.modelId,
                description: d.description,
                quantity: d.quantity,
                salesOrderLineId: d.line.id,
              })),
            )
            .returning()
        : [];
      const byLine = new Map(created.map((a) => [a.salesOrderLineId, a]));
      const made = drafts.map((d) => byLine.get(d.line.id)!);
      if (drafts.length) {
        await tx
          .update(salesOrderLines)
          .set({ assetCreated: true })
          .where(sql`${salesOrderLines.id} = any(${uuidArray(drafts.map((d) => d.line.id))})`);
      }

      const now = new Date();
      const converted = await writeUpdate(tx, salesOrders, order.id, { convertedToAssetsAt: now, convertedToAssetsById: actor.userId });
      const newStage = stageAfter(customer.stage);
      const after = newStage !== customer.stage ? await writeUpdate(tx, customers, customer.id, { stage: newStage }) : customer;

      await recordAudit(tx, actor, [
        ...made.map((asset, i) => ({
          action: 'asset.create',
          entityType: 'Asset',
          entityId: asset.id,
          after: { ...asset, salesOrderId: order.id, quantityRoundedFromMilli: drafts[i]!.quantityRounded ? drafts[i]!.line.quantityMilli : undefined },
        })),
        {
          action: 'salesOrder.convertToAssets',
          entityType: 'SalesOrder',
          entityId: order.id,
          before: order,
          after: { ...converted, workAddressId, assetIds: made.map((a) => a.id), lineIds: drafts.map((d) => d.line.id) },
        },
        ...(after !== customer
          ? [{ action: 'customer.stageChange', entityType: 'Customer', entityId: customer.id, before: customer, after: { ...after, salesOrderId: order.id } }]
          : []),
      ]);
      return { salesOrder: converted, customer: after, assets: made };
    },
    resultCodec,
  );
}
