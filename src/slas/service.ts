// SLAs (docs/domain.md#service-level-agreements): the organisation's definitions, and the SLA a
// customer holds of its own. Names are unique per organisation ignoring case (checked first, and by
// the unique index when two people race); every priority has a target, each once, with hours from 1
// to a year and resolution no sooner than response. SLAs are archived rather than deleted: jobs and
// contracts keep pointing at them. Every change is audited.
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { customers } from '../customers/tables';
import { lockCustomer } from '../customers/tombstones';
import type { Db } from '../db/client';
import { onUniqueViolation } from '../db/unique';
import { duplicateName, refuseDuplicateName } from '../db/unique-name';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateSlaInput, SetCustomerSlaInput, UpdateSlaInput } from '../generated/graphql';
import { NAME_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';

import { customerSlas, jobPriorities, slas, type SlaRow, type SlaTargets } from './tables';

/** What the duplicate-name error calls a row of this table. */
const WHAT = 'an SLA';

export const MAX_SLA_HOURS = 8760;

const hours = z
  .number()
  .int({ message: 'must be a whole number of hours' })
  .min(1, { message: `must be from 1 to ${MAX_SLA_HOURS} hours` })
  .max(MAX_SLA_HOURS, { message: `must be from 1 to ${MAX_SLA_HOURS} hours` });

const targetsSchema = z
  .array(
    z
      .object({ priority: z.enum(jobPriorities), responseHours: hours, resolutionHours: hours })
      .refine((t) => t.resolutionHours >= t.responseHours, { message: 'must not be fewer than responseHours', path: ['resolutionHours'] }),
  )
  .superRefine((targets, ctx) => {
    const seen = new Set<string>();
    targets.forEach((t, i) => {
      if (seen.has(t.priority)) ctx.addIssue({ code: 'custom', path: [i, 'priority'], message: `${t.priority} is given twice` });
      seen.add(t.priority);
    });
    const missing = jobPriorities.filter((p) => !seen.has(p));
    if (missing.length > 0) ctx.addIssue({ code: 'custom', path: [], message: `needs a target for every priority; missing ${missing.join(', ')}` });
  })
  .transform(
    (targets) => Object.fromEntries(targets.map((t) => [t.priority, { responseHours: t.responseHours, resolutionHours: t.resolutionHours }])) as SlaTargets,
  );

const newSlaSchema = z.object({ name: requiredText(NAME_MAX), targets: targetsSchema });
const slaChangesSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  name: requiredText(NAME_MAX).optional(),
  targets: targetsSchema.optional(),
  archived: z.boolean({ message: 'must be true or false' }).optional(),
});

const NAME_KEY = 'slas_name_key';

export async function createSla(db: Db, actor: Actor, input: CreateSlaInput): Promise<{ sla: SlaRow }> {
  const fields = validate(newSlaSchema, { name: input.name, targets: input.targets });
  return onUniqueViolation(
    NAME_KEY,
    () => duplicateName(WHAT, fields.name),
    () =>
      db.transaction(async (tx) => {
        await refuseDuplicateName(tx, slas, actor.organisationId, fields.name, null, WHAT);
        const [row] = await tx
          .insert(slas)
          .values({ organisationId: actor.organisationId, ...fields })
          .returning();
        await recordAudit(tx, actor, { action: 'sla.create', entityType: 'Sla', entityId: row!.id, after: row });
        return { sla: row! };
      }),
  );
}

export async function updateSla(db: Db, actor: Actor, slaId: string, input: UpdateSlaInput): Promise<{ sla: SlaRow }> {
  const { expectedVersion, ...changes } = validate(slaChangesSchema, {
    expectedVersion: input.expectedVersion,
    name: input.name ?? undefined,
    targets: input.targets ?? undefined,
    archived: input.archived ?? undefined,
  });
  return onUniqueViolation(
    NAME_KEY,
    () => duplicateName(WHAT, changes.name ?? ''),
    () =>
      db.transaction(async (tx) => {
        const before = await lockForUpdate(tx, slas, actor, slaId, expectedVersion, 'SLA');
        if (changes.name !== undefined) await refuseDuplicateName(tx, slas, actor.organisationId, changes.name, before.id, WHAT);
        const after = await writeUpdate(tx, slas, before.id, changes);
        await recordAudit(tx, actor, { action: 'sla.update', entityType: 'Sla', entityId: after.id, before, after });
        return { sla: after };
      }),
  );
}

/** The SLA, in the actor's organisation and not archived (unless it is `keepId`, the one already held); user errors naming `field` otherwise. */
export async function usableSla(tx: Db, actor: Actor, globalId: string, field: string[], keepId: string | null = null): Promise<SlaRow> {
  const { id } = inputId(globalId, ['Sla'], field);
  const [sla] = await tx
    .select()
    .from(slas)
    .where(and(eq(slas.id, id), eq(slas.organisationId, actor.organisationId)));
  if (!sla) throw notFound(field, 'SLA');
  if (sla.archived && sla.id !== keepId) {
    throw userError(field, `${field[field.length - 1]}: the SLA ${JSON.stringify(sla.name)} is archived; choose another.`, 'INVALID_STATE');
  }
  return sla;
}

/** Gives the customer its own SLA (replacing any it held), or takes it away with `slaId: null`. */
export async function setCustomerSla(db: Db, actor: Actor, input: SetCustomerSlaInput): Promise<{ customerId: string }> {
  const customerField = ['input', 'customerId'];
  const { id: customerId } = inputId(input.customerId, ['Customer'], customerField);
  return db.transaction(async (tx) => {
    // Locked so that two people setting the SLA at once leave one row, not two. The customer's own
    // SLA is part of it: checked against, and moving on, its version.
    const customer = await lockCustomer(tx, actor, customerId, input.expectedVersion, customerField);
    const [current] = await tx
      .select({ slaId: customerSlas.slaId })
      .from(customerSlas)
      .where(eq(customerSlas.customerId, customer.id))
      .orderBy(desc(customerSlas.createdAt), desc(customerSlas.id))
      .limit(1);
    const sla = input.slaId ? await usableSla(tx, actor, input.slaId, ['input', 'slaId'], current?.slaId ?? null) : null;
    await tx.delete(customerSlas).where(eq(customerSlas.customerId, customer.id));
    if (sla) await tx.insert(customerSlas).values({ organisationId: actor.organisationId, customerId: customer.id, slaId: sla.id });
    const after = await writeUpdate(tx, customers, customer.id, {});
    await recordAudit(tx, actor, {
      action: 'customer.setSla',
      entityType: 'Customer',
      entityId: customer.id,
      before: { slaId: current?.slaId ?? null, version: customer.version },
      after: { slaId: sla?.id ?? null, version: after.version },
    });
    return { customerId: customer.id };
  });
}
