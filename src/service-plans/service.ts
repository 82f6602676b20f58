// Service plans (docs/domain.md#service-plans): the organisation's plan definitions, and the plans
// customers hold. Definitions: names unique per organisation ignoring case, tasks and materials as
// lists, a price per billing period, a warranty; archived rather than deleted. Held plans: of a plan
// not archived, for a customer the actor sees, from a start to an expiry date, covering at least one
// of that customer's own work addresses; a cancelled plan changes no more. Every change is audited.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { customers } from '../customers/tables';
import { lockCustomer } from '../customers/tombstones';
import type { Db } from '../db/client';
import { onUniqueViolation } from '../db/unique';
import { duplicateName, refuseDuplicateName } from '../db/unique-name';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  AssignServicePlanInput,
  CancelCustomerServicePlanInput,
  CreateServicePlanInput,
  UpdateCustomerServicePlanInput,
  UpdateServicePlanInput,
} from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { moneyInputSchema } from '../graph/money';
import { NAME_MAX, TEXT_MAX, isoDate, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { workAddresses } from '../work-addresses/tables';

import {
  billingFrequencies,
  customerServicePlans,
  customerServicePlanWorkAddresses,
  servicePlans,
  type CustomerServicePlanRow,
  type ServicePlanRow,
} from './tables';

/** What the duplicate-name error calls a row of this table. */
const WHAT = 'a service plan';

const LIST_MAX = 100;
const MAX_WARRANTY_MONTHS = 120;
const MAX_QUANTITY = 10_000;

const tasks = z.array(requiredText(TEXT_MAX)).max(LIST_MAX, { message: `must have at most ${LIST_MAX} items` });
const materials = z
  .array(
    z.object({
      description: requiredText(NAME_MAX),
      quantity: z
        .number()
        .int({ message: 'must be a whole number' })
        .min(1, { message: `must be from 1 to ${MAX_QUANTITY}` })
        .max(MAX_QUANTITY, { message: `must be from 1 to ${MAX_QUANTITY}` }),
    }),
  )
  .max(LIST_MAX, { message: `must have at most ${LIST_MAX} items` });
const warrantyMonths = z
  .number()
  .int({ message: 'must be a whole number of months' })
  .min(0, { message: `must be from 0 to ${MAX_WARRANTY_MONTHS} months` })
  .max(MAX_WARRANTY_MONTHS, { message: `must be from 0 to ${MAX_WARRANTY_MONTHS} months` });
const billingFrequency = z.enum(billingFrequencies);

const newPlanSchema = z.object({
  name: requiredText(NAME_MAX),
  tasks: tasks.nullish(),
  materials: materials.nullish(),
  price: moneyInputSchema,
  billingFrequency,
  warrantyMonths: warrantyMonths.nullish(),
});
const planChangesSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  name: requiredText(NAME_MAX).optional(),
  tasks: tasks.optional(),
  materials: materials.optional(),
  price: moneyInputSchema.optional(),
  billingFrequency: billingFrequency.optional(),
  warrantyMonths: warrantyMonths.optional(),
  archived: z.boolean({ message: 'must be true or false' }).optional(),
});

// --- Plan definitions ---

const NAME_KEY = 'service_plans_name_key';

export async function createServicePlan(db: Db, actor: Actor, input: CreateServicePlanInput): Promise<{ servicePlan: ServicePlanRow }> {
  const fields = validate(newPlanSchema, input);
  return onUniqueViolation(
    NAME_KEY,
    () => duplicateName(WHAT, fields.name),
    () =>
      db.transaction(async (tx) => {
        await refuseDuplicateName(tx, servicePlans, actor.organisationId, fields.name, null, WHAT);
        const [row] = await tx
          .insert(servicePlans)
          .values({
            organisationId: actor.organisationId,
            name: fields.name,
            tasks: fields.tasks ?? [],
            materials: fields.materials ?? [],
            priceMinor: fields.price.amountMinor,
            currency: fields.price.currency ?? actor.currency,
            billingFrequency: fields.billingFrequency,
            warrantyMonths: fields.warrantyMonths ?? 0,
          })
          .returning();
        await recordAudit(tx, actor, { action: 'servicePlan.create', entityType: 'ServicePlan', entityId: row!.id, after: row });
        return { servicePlan: row! };
      }),
  );
}

export async function updateServicePlan(db: Db, actor: Actor, planId: string, input: UpdateServicePlanInput): Promise<{ servicePlan: ServicePlanRow }> {
  const { id: _id, ...rest } = input;
  void _id;
  const { expectedVersion, price, ...changes } = validate(planChangesSchema, rest);
  return onUniqueViolation(
    NAME_KEY,
    () => duplicateName(WHAT, changes.name ?? ''),
    () =>
      db.transaction(async (tx) => {
        const before = await lockForUpdate(tx, servicePlans, actor, planId, expectedVersion, 'service plan');
        if (changes.name !== undefined) await refuseDuplicateName(tx, servicePlans, actor.organisationId, changes.name, before.id, WHAT);
        const after = await writeUpdate(tx, servicePlans, before.id, {
          ...changes,
          ...(price ? { priceMinor: price.amountMinor, currency: price.currency ?? before.currency } : {}),
        });
        await recordAudit(tx, actor, { action: 'servicePlan.update', entityType: 'ServicePlan', entityId: after.id, before, after });
        return { servicePlan: after };
      }),
  );
}

// --- Plans customers hold ---

const period = (startDate: string, expiryDate: string, ctx: z.RefinementCtx) => {
  if (expiryDate < startDate) ctx.addIssue({ code: 'custom', path: ['expiryDate'], message: `must not be before the start date (${startDate})` });
};

/** The work addresses, each the customer's own and visible to the actor; user errors naming the item otherwise. */
async function coveredWorkAddresses(tx: Db, actor: Actor, customerId: string, globalIds: readonly string[]): Promise<string[]> {
  if (globalIds.length === 0) throw userError(['input', 'workAddressIds'], 'workAddressIds: a plan covers at least one work address.', 'REQUIRED');
  if (globalIds.length > LIST_MAX) {
    throw userError(['input', 'workAddressIds'], `workAddressIds: a plan covers at most ${LIST_MAX} work addresses (got ${globalIds.length}).`, 'INVALID');
  }
  const ids = globalIds.map((g, i) => inputId(g, ['WorkAddress'], ['input', 'workAddressIds', i]).id);
  const rows = await tx
    .select({ id: workAddresses.id, customerId: workAddresses.customerId })
    .from(workAddresses)
    .where(
      and(eq(workAddresses.organisationId, actor.organisationId), sql`${workAddresses.id} = any(${uuidArray(ids)})`, actor.visibility?.rows(workAddresses)),
    );
  const found = new Map(rows.map((r) => [r.id, r.customerId]));
  ids.forEach((id, i) => {
    const owner = found.get(id);
    if (owner === undefined) throw notFound(['input', 'workAddressIds', i], 'work address');
    if (owner !== customerId) {
      throw userError(['input', 'workAddressIds', i], `workAddressIds: the work address is another customer's; choose one of the customer's own.`, 'INVALID');
    }
  });
  return [...new Set(ids)];
}

/** The plan, in the actor's organisation and not archived; user errors naming `field` otherwise. */
async function assignablePlan(tx: Db, actor: Actor, globalId: string, field: string[]): Promise<ServicePlanRow> {
  const { id } = inputId(globalId, ['ServicePlan'], field);
  const [plan] = await tx
    .select()
    .from(servicePlans)
    .where(and(eq(servicePlans.id, id), eq(servicePlans.organisationId, actor.organisationId)));
  if (!plan) throw notFound(field, 'service plan');
  if (plan.archived) throw userError(field, `planId: the plan ${JSON.stringify(plan.name)} is archived; choose another.`, 'INVALID_STATE');
  return plan;
}

async function cover(tx: Db, heldPlanId: string, workAddressIds: readonly string[]): Promise<void> {
  await tx.delete(customerServicePlanWorkAddresses).where(eq(customerServicePlanWorkAddresses.customerServicePlanId, heldPlanId));
  await tx.insert(customerServicePlanWorkAddresses).values(workAddressIds.map((workAddressId) => ({ customerServicePlanId: heldPlanId, workAddressId })));
}

type Held = { customerServicePlan: CustomerServicePlanRow };

export async function assignServicePlan(db: Db, actor: Actor, input: AssignServicePlanInput): Promise<Held> {
  const fields = validate(
    z.object({ startDate: isoDate, expiryDate: isoDate }).superRefine((v, ctx) => period(v.startDate, v.expiryDate, ctx)),
    { startDate: input.startDate, expiryDate: input.expiryDate },
  );
  const customerField = ['input', 'customerId'];
  const { id: customerId } = inputId(input.customerId, ['Customer'], customerField);
  return withIdempotency(
    db,
    actor,
    'assignServicePlan',
    input.idempotencyKey,
    input,
    async (tx) => {
      // The plans a customer holds are part of it: checked against, and moving on, its version.
      const customer = await lockCustomer(tx, actor, customerId, input.expectedVersion, customerField);
      const plan = await assignablePlan(tx, actor, input.planId, ['input', 'planId']);
      const covered = await coveredWorkAddresses(tx, actor, customer.id, input.workAddressIds);
      const [row] = await tx
        .insert(customerServicePlans)
        .values({ organisationId: actor.organisationId, customerId: customer.id, planId: plan.id, ...fields })
        .returning();
      await cover(tx, row!.id, covered);
      await writeUpdate(tx, customers, customer.id, {});
      await recordAudit(tx, actor, {
        action: 'customerServicePlan.create',
        entityType: 'CustomerServicePlan',
        entityId: row!.id,
        after: { ...row, workAddressIds: covered },
      });
      return { customerServicePlan: row! };
    },
    rowsCodec<Held>({ customerServicePlan: customerServicePlans }),
  );
}

function refuseCancelled(held: CustomerServicePlanRow): void {
  if (held.status === 'CANCELLED') throw userError(['input', 'id'], 'id: the plan is cancelled and changes no more.', 'INVALID_STATE');
}

async function coveredIds(tx: Db, heldPlanId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: customerServicePlanWorkAddresses.workAddressId })
    .from(customerServicePlanWorkAddresses)
    .where(eq(customerServicePlanWorkAddresses.customerServicePlanId, heldPlanId));
  return rows.map((r) => r.id).sort();
}

export async function updateCustomerServicePlan(db: Db, actor: Actor, heldPlanId: string, input: UpdateCustomerServicePlanInput): Promise<Held> {
  const { expectedVersion, ...dates } = validate(
    z.object({ expectedVersion: z.number().int().nullish(), startDate: isoDate.optional(), expiryDate: isoDate.optional() }),
    { expectedVersion: input.expectedVersion, startDate: input.startDate ?? undefined, expiryDate: input.expiryDate ?? undefined },
  );
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, customerServicePlans, actor, heldPlanId, expectedVersion, 'held service plan');
    refuseCancelled(before);
    const startDate = dates.startDate ?? before.startDate;
    const expiryDate = dates.expiryDate ?? before.expiryDate;
    validate(
      z.object({ startDate: isoDate, expiryDate: isoDate }).superRefine((v, ctx) => period(v.startDate, v.expiryDate, ctx)),
      { startDate, expiryDate },
    );
    const coveredBefore = await coveredIds(tx, before.id);
    let coveredAfter = coveredBefore;
    if (input.workAddressIds != null) {
      coveredAfter = (await coveredWorkAddresses(tx, actor, before.customerId, input.workAddressIds)).sort();
      await cover(tx, before.id, coveredAfter);
    }
    const after = await writeUpdate(tx, customerServicePlans, before.id, { startDate, expiryDate });
    await recordAudit(tx, actor, {
      action: 'customerServicePlan.update',
      entityType: 'CustomerServicePlan',
      entityId: after.id,
      before: { ...before, workAddressIds: coveredBefore },
      after: { ...after, workAddressIds: coveredAfter },
    });
    return { customerServicePlan: after };
  });
}

export async function cancelCustomerServicePlan(db: Db, actor: Actor, heldPlanId: string, input: CancelCustomerServicePlanInput): Promise<Held> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, customerServicePlans, actor, heldPlanId, expectedVersion, 'held service plan');
    refuseCancelled(before);
    const after = await writeUpdate(tx, customerServicePlans, before.id, { status: 'CANCELLED', cancelledAt: sql`now()` });
    await recordAudit(tx, actor, { action: 'customerServicePlan.cancel', entityType: 'CustomerServicePlan', entityId: after.id, before, after });
    return { customerServicePlan: after };
  });
}
