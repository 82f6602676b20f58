// The sales pipeline's business rules (docs/domain.md#sales-pipeline): opportunities and quotes on a
// lead or customer, the quote's states (DRAFT → SENT → SIGNED | DECLINED), sales orders raised from
// signed quotes, and jobs and estimates at a customer's work address. Jobs and sales orders are new
// work: refused while the customer's status does not allow it
// (docs/domain.md#status-gating-of-new-work), unless an admin or manager overrides (audited). Every
// change runs in one transaction and is audited; numbers are bumped inside it, so no gaps.
import { moneyInputSchema } from '../graph/money';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { and, eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { assetGroups, assetMakes, assetModels } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import { refuseConvertedLead } from '../contacts/service';
import { customers, customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { documentReference, nextNumber } from '../db/sequences';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type {
  CreateEstimateInput,
  CreateJobInput,
  CreateOpportunityInput,
  CreateQuoteInput,
  QuoteTransitionInput,
  UpdateOpportunityInput,
  UpdateQuoteInput,
} from '../generated/graphql';
import { uuidArray } from '../graph/connection';
import { NAME_MAX, TEXT_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate, type UserErrors } from '../graph/user-errors';
import { users } from '../organisations/tables';
import { resolveRecordOwner, type RecordOwner } from '../records/owner';
import { workAddresses } from '../work-addresses/tables';
import {
  estimates,
  jobs,
  opportunities,
  quoteLines,
  quotes,
  salesOrderLines,
  salesOrders,
  type EstimateRow,
  type JobRow,
  type OpportunityRow,
  type QuoteLineRow,
  type QuoteRow,
  type SalesOrderLineRow,
  type SalesOrderRow,
} from './tables';

type Path = (string | number)[];

/** "QUO-000042" / "SO-000042": how people quote them. */
export const quoteReference = (q: Pick<QuoteRow, 'number'>) => documentReference('QUO', q.number);
export const salesOrderReference = (o: Pick<SalesOrderRow, 'number'>) => documentReference('SO', o.number);


/** "1.5" → 1500 thousandths; more than 0, at most three decimal places. */
const quantity = z
  .string()
  .trim()
  .regex(/^\d{1,9}(\.\d{1,3})?$/, { message: 'must be a decimal number with at most three decimal places, e.g. 1.5' })
  .transform((v) => {
    const [whole, fraction = ''] = v.split('.');
    return Number(whole) * 1000 + Number(fraction.padEnd(3, '0'));
  })
  .refine((milli) => milli > 0, { message: 'must be more than 0' });

/** 20 → 2000 basis points; 0 to 100 with at most two decimal places. */
const taxRate = z
  .number()
  .min(0, { message: 'must be from 0 to 100' })
  .max(100, { message: 'must be from 0 to 100' })
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, { message: 'must have at most two decimal places' })
  .transform((p) => Math.round(p * 100));

const lineSchema = z.object({
  description: requiredText(TEXT_MAX),
  quantity,
  unitPriceMinor: z.number().int().min(0, { message: 'must not be negative' }),
  taxRatePercent: taxRate.nullish().transform((v) => v ?? 0),
  assetGroupId: z.string().nullish(),
  assetMakeId: z.string().nullish(),
  assetModelId: z.string().nullish(),
});
const linesSchema = z.array(lineSchema).max(200, { message: 'at most 200 lines' });
type LineFields = z.output<typeof lineSchema>;
type NewLine = Pick<QuoteLineRow, 'position' | 'description' | 'quantityMilli' | 'unitPriceMinor' | 'taxRateBp' | 'assetGroupId' | 'assetMakeId' | 'assetModelId'>;

/** Rows of an organisation-level table by uuid (one query), for checking the IDs a mutation names. */
async function rowsById<T extends PgTable & { id: PgColumn; organisationId: PgColumn }>(
  tx: Db,
  actor: Actor,
  table: T,
  ids: string[],
): Promise<Map<string, T['$inferSelect']>> {
  if (ids.length === 0) return new Map();
  const rows = (await tx
    .select()
    .from(table as PgTable)
    .where(and(eq(table.organisationId, actor.organisationId), sql`${table.id} = any(${uuidArray(ids)})`))) as Array<T['$inferSelect'] & { id: string }>;
  return new Map(rows.map((r) => [r.id, r]));
}

/** Quote lines as rows: asset references checked (they exist; a model is of the make given). */
async function resolveLines(tx: Db, actor: Actor, lines: LineFields[], at: Path): Promise<NewLine[]> {
  const refs = lines.map((line, i) => ({
    group: line.assetGroupId ? inputId(line.assetGroupId, ['AssetGroup'], [...at, i, 'assetGroupId']).id : null,
    make: line.assetMakeId ? inputId(line.assetMakeId, ['AssetMake'], [...at, i, 'assetMakeId']).id : null,
    model: line.assetModelId ? inputId(line.assetModelId, ['AssetModel'], [...at, i, 'assetModelId']).id : null,
  }));
  const groups = await rowsById(tx, actor, assetGroups, refs.flatMap((r) => (r.group ? [r.group] : [])));
  const makes = await rowsById(tx, actor, assetMakes, refs.flatMap((r) => (r.make ? [r.make] : [])));
  const models = await rowsById(tx, actor, assetModels, refs.flatMap((r) => (r.model ? [r.model] : [])));
  return lines.map((line, i) => {
    const ref = refs[i]!;
    if (ref.group && !groups.has(ref.group)) throw notFound([...at, i, 'assetGroupId'], 'asset group');
    if (ref.make && !makes.has(ref.make)) throw notFound([...at, i, 'assetMakeId'], 'asset make');
    const model = ref.model ? models.get(ref.model) : null;
    if (ref.model && !model) throw notFound([...at, i, 'assetModelId'], 'asset model');
    if (model && ref.make && model.makeId !== ref.make) {
      throw userError([...at, i, 'assetModelId'], 'assetModelId: the model is of another make.', 'INVALID');
    }
    return {
      position: i,
      description: line.description,
      quantityMilli: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      taxRateBp: line.taxRatePercent,
      assetGroupId: ref.group,
      // A model implies its make.
      assetMakeId: ref.make ?? model?.makeId ?? null,
      assetModelId: ref.model,
    };
  });
}

/** The record's currency: the customer's own, or the organisation's for a lead. */
async function currencyOf(tx: Db, actor: Actor, owner: RecordOwner): Promise<string> {
  if (owner.kind === 'lead') return actor.currency;
  const [row] = await tx.select({ currency: customers.currency }).from(customers).where(eq(customers.id, owner.id));
  return row?.currency ?? actor.currency;
}

/**
 * A record a viewer may change: refuses a converted lead (read-only, docs/domain.md#converted-leads).
 */
async function writableOwner(tx: Db, actor: Actor, globalId: string, field: Path): Promise<RecordOwner> {
  const owner = await resolveRecordOwner(tx, actor, globalId, field);
  if (owner.kind === 'lead') await refuseConvertedLead(tx, owner.id);
  return owner;
}

const ownerColumns = (owner: RecordOwner) => ({
  customerId: owner.kind === 'customer' ? owner.id : null,
  leadId: owner.kind === 'lead' ? owner.id : null,
});

async function userInOrganisation(tx: Db, actor: Actor, globalId: string, field: Path): Promise<string> {
  const { id } = inputId(globalId, ['User'], field);
  const found = await rowsById(tx, actor, users, [id]);
  if (!found.has(id)) throw notFound(field, 'user');
  return id;
}

// ── Opportunities ────────────────────────────────────────────────────────────────────────────────

const opportunityFields = {
  name: requiredText(NAME_MAX),
  stage: z.enum(['OPEN', 'WON', 'LOST']),
  value: moneyInputSchema.nullish(),
  expectedCloseDate: z.string().nullish(),
  ownerId: z.string().nullish(),
};

export async function createOpportunity(db: Db, actor: Actor, input: CreateOpportunityInput): Promise<{ opportunity: OpportunityRow }> {
  const fields = validate(z.object({ ...opportunityFields, stage: opportunityFields.stage.nullish() }), input);
  return withIdempotency(db, actor, 'createOpportunity', input.idempotencyKey, input, async (tx) => {
    const owner = await writableOwner(tx, actor, input.recordId, ['input', 'recordId']);
    const ownerId = fields.ownerId ? await userInOrganisation(tx, actor, fields.ownerId, ['input', 'ownerId']) : actor.userId;
    const [opportunity] = await tx
      .insert(opportunities)
      .values({
        organisationId: actor.organisationId,
        ...ownerColumns(owner),
        name: fields.name,
        stage: fields.stage ?? 'OPEN',
        valueMinor: fields.value?.amountMinor ?? null,
        currency: fields.value?.currency ?? (await currencyOf(tx, actor, owner)),
        expectedCloseDate: fields.expectedCloseDate ?? null,
        ownerId,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'opportunity.create', entityType: 'Opportunity', entityId: opportunity!.id, after: opportunity });
    return { opportunity: opportunity! };
  }, rowsCodec<{ opportunity: OpportunityRow }>({ opportunity: opportunities }));
}

export async function updateOpportunity(db: Db, actor: Actor, opportunityId: string, input: UpdateOpportunityInput): Promise<{ opportunity: OpportunityRow }> {
  const fields = validate(
    z.object({
      expectedVersion: z.number().int().nullish(),
      name: opportunityFields.name.optional(),
      stage: opportunityFields.stage.optional(),
      value: opportunityFields.value,
      expectedCloseDate: opportunityFields.expectedCloseDate,
      ownerId: opportunityFields.ownerId,
    }),
    input,
  );
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, opportunities, actor, opportunityId, fields.expectedVersion, 'opportunity');
    if (before.leadId) await refuseConvertedLead(tx, before.leadId);
    const changes: Partial<OpportunityRow> = {};
    if (fields.name !== undefined) changes.name = fields.name;
    if (fields.stage !== undefined) changes.stage = fields.stage;
    if (fields.value === null) changes.valueMinor = null;
    else if (fields.value) Object.assign(changes, { valueMinor: fields.value.amountMinor, currency: fields.value.currency ?? before.currency });
    if (fields.expectedCloseDate !== undefined) changes.expectedCloseDate = fields.expectedCloseDate;
    if (fields.ownerId === null) changes.ownerId = null;
    else if (fields.ownerId) changes.ownerId = await userInOrganisation(tx, actor, fields.ownerId, ['input', 'ownerId']);
    const after = await writeUpdate(tx, opportunities, before.id, changes);
    await recordAudit(tx, actor, { action: 'opportunity.update', entityType: 'Opportunity', entityId: after.id, before, after });
    return { opportunity: after };
  });
}

// ── Quotes ───────────────────────────────────────────────────────────────────────────────────────

/** An opportunity the actor may see, of the same lead or customer as the quote. */
async function opportunityOf(tx: Db, actor: Actor, owner: RecordOwner, globalId: string, field: Path): Promise<string> {
  const { id } = inputId(globalId, ['Opportunity'], field);
  const [row] = await tx
    .select()
    .from(opportunities)
    .where(and(eq(opportunities.id, id), eq(opportunities.organisationId, actor.organisationId), actor.visibility?.rows(opportunities)));
  if (!row) throw notFound(field, 'opportunity');
  if ((owner.kind === 'customer' ? row.customerId : row.leadId) !== owner.id) {
    throw userError(field, `${field[field.length - 1]}: the opportunity belongs to another lead or customer.`, 'INVALID');
  }
  return row.id;
}

async function insertQuoteLines(tx: Db, actor: Actor, quoteId: string, lines: NewLine[]): Promise<QuoteLineRow[]> {
  if (lines.length === 0) return [];
  return tx
    .insert(quoteLines)
    .values(lines.map((line) => ({ ...line, organisationId: actor.organisationId, quoteId })))
    .returning();
}

export async function createQuote(db: Db, actor: Actor, input: CreateQuoteInput): Promise<{ quote: QuoteRow }> {
  const fields = validate(z.object({ lines: linesSchema, opportunityId: z.string().nullish() }), input);
  return withIdempotency(db, actor, 'createQuote', input.idempotencyKey, input, async (tx) => {
    const owner = await writableOwner(tx, actor, input.recordId, ['input', 'recordId']);
    const opportunityId = fields.opportunityId ? await opportunityOf(tx, actor, owner, fields.opportunityId, ['input', 'opportunityId']) : null;
    const lines = await resolveLines(tx, actor, fields.lines, ['input', 'lines']);
    const [quote] = await tx
      .insert(quotes)
      .values({
        organisationId: actor.organisationId,
        ...ownerColumns(owner),
        opportunityId,
        number: await nextNumber(tx, actor.organisationId, 'QUOTE'),
        currency: await currencyOf(tx, actor, owner),
      })
      .returning();
    const rows = await insertQuoteLines(tx, actor, quote!.id, lines);
    await recordAudit(tx, actor, { action: 'quote.create', entityType: 'Quote', entityId: quote!.id, after: { ...quote, lines: rows } });
    return { quote: quote! };
  }, rowsCodec<{ quote: QuoteRow }>({ quote: quotes }));
}

/** The quote locked for a change, refused while its lead has been converted (read-only). */
async function lockQuote(tx: Db, actor: Actor, quoteId: string, expectedVersion: number | null | undefined): Promise<QuoteRow> {
  const quote = await lockForUpdate(tx, quotes, actor, quoteId, expectedVersion, 'quote');
  if (quote.leadId) await refuseConvertedLead(tx, quote.leadId);
  return quote;
}

const linesOfQuote = (tx: Db, quoteId: string) => tx.select().from(quoteLines).where(eq(quoteLines.quoteId, quoteId)).orderBy(quoteLines.position);

export async function updateQuote(db: Db, actor: Actor, quoteId: string, input: UpdateQuoteInput): Promise<{ quote: QuoteRow }> {
  const fields = validate(
    z.object({ expectedVersion: z.number().int().nullish(), opportunityId: z.string().nullish(), lines: linesSchema.nullish() }),
    input,
  );
  return db.transaction(async (tx) => {
    const before = await lockQuote(tx, actor, quoteId, fields.expectedVersion);
    const changes: Partial<QuoteRow> = {};
    if (fields.opportunityId === null) changes.opportunityId = null;
    else if (fields.opportunityId) {
      const owner: RecordOwner = before.customerId ? { kind: 'customer', id: before.customerId } : { kind: 'lead', id: before.leadId! };
      changes.opportunityId = await opportunityOf(tx, actor, owner, fields.opportunityId, ['input', 'opportunityId']);
    }
    const oldLines = await linesOfQuote(tx, before.id);
    let newLines = oldLines;
    if (fields.lines) {
      if (before.status !== 'DRAFT') {
        throw userError(['input', 'lines'], `lines: the quote is ${before.status}; lines change only while it is a DRAFT.`, 'INVALID_STATE');
      }
      const lines = await resolveLines(tx, actor, fields.lines, ['input', 'lines']);
      await tx.delete(quoteLines).where(eq(quoteLines.quoteId, before.id));
      newLines = await insertQuoteLines(tx, actor, before.id, lines);
    }
    const after = await writeUpdate(tx, quotes, before.id, changes);
    await recordAudit(tx, actor, {
      action: 'quote.update',
      entityType: 'Quote',
      entityId: after.id,
      before: { ...before, lines: oldLines },
      after: { ...after, lines: newLines },
    });
    return { quote: after };
  });
}

/** Moves a quote along DRAFT → SENT → SIGNED | DECLINED; anything else is INVALID_STATE. */
async function transitionQuote(
  db: Db,
  actor: Actor,
  quoteId: string,
  input: QuoteTransitionInput,
  from: QuoteRow['status'],
  to: QuoteRow['status'],
  stamp: Partial<QuoteRow>,
): Promise<{ quote: QuoteRow }> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    const before = await lockQuote(tx, actor, quoteId, expectedVersion);
    if (before.status !== from) {
      throw userError(['input', 'id'], `id: the quote is ${before.status}; only a ${from} quote can become ${to}.`, 'INVALID_STATE');
    }
    if (to === 'SENT' && (await linesOfQuote(tx, before.id)).length === 0) {
      throw userError(['input', 'id'], 'id: a quote without lines cannot be sent.', 'INVALID_STATE');
    }
    const after = await writeUpdate(tx, quotes, before.id, { status: to, ...stamp });
    await recordAudit(tx, actor, { action: `quote.${to.toLowerCase()}`, entityType: 'Quote', entityId: after.id, before, after });
    return { quote: after };
  });
}

export const sendQuote = (db: Db, actor: Actor, quoteId: string, input: QuoteTransitionInput) =>
  transitionQuote(db, actor, quoteId, input, 'DRAFT', 'SENT', { sentAt: new Date() });

export const declineQuote = (db: Db, actor: Actor, quoteId: string, input: QuoteTransitionInput) =>
  transitionQuote(db, actor, quoteId, input, 'SENT', 'DECLINED', { declinedAt: new Date() });

// ── New work: status gating (docs/domain.md#status-gating-of-new-work) ───────────────────────────────

export type StatusOverride = {
  /** The input asked to raise the work despite the customer's status. */
  overrideStatus?: boolean | null;
  /** The viewer's role may override (admins and managers); decided by the caller, who knows the role. */
  mayOverride: boolean;
  /** Where the customer sits in the mutation's input, for the error. */
  field?: Path;
};

/**
 * Refuses new work for a customer whose status does not allow it (STATUS_BLOCKS_WORK), unless the
 * input overrides and the viewer may (NOT_PERMITTED otherwise). Returns the status overridden, for the
 * audit entry, or null when nothing was overridden.
 */
export async function checkNewWorkAllowed(tx: Db, customerId: string, options: StatusOverride): Promise<{ code: string; name: string } | null> {
  const field = options.field ?? ['input', 'customerId'];
  const [status] = await tx
    .select({ code: customerStatuses.code, name: customerStatuses.name, allowsNewWork: customerStatuses.allowsNewWork })
    .from(customers)
    .innerJoin(customerStatuses, eq(customerStatuses.id, customers.statusId))
    .where(eq(customers.id, customerId));
  if (!status || status.allowsNewWork) return null;
  if (!options.overrideStatus) {
    throw userError(
      field,
      `${field[field.length - 1]}: the customer's status (${status.name}) does not allow new work; an admin or manager may override it.`,
      'STATUS_BLOCKS_WORK',
    );
  }
  if (!options.mayOverride) {
    throw userError(['input', 'overrideStatus'], "overrideStatus: only admins and managers may override the customer's status.", 'NOT_PERMITTED');
  }
  return { code: status.code, name: status.name };
}

// ── Sales orders ─────────────────────────────────────────────────────────────────────────────────

/**
 * Raises the sales order of a signed quote, inside the caller's transaction: copies the quote's
 * lines, numbers the order, audits. A quote has at most one order: a second attempt is DUPLICATE
 * (checked under the quote's row lock, and by the unique index on sales_orders.quote_id).
 */
export async function raiseSalesOrderFromQuote(
  tx: Db,
  actor: Actor,
  quote: QuoteRow,
  options: StatusOverride = { mayOverride: false },
): Promise<{ salesOrder: SalesOrderRow; lines: SalesOrderLineRow[] }> {
  const [locked] = await tx
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
  const source = await linesOfQuote(tx, locked.id);
  const lines = source.length
    ? await tx
        .insert(salesOrderLines)
        .values(
          source.map(({ id, organisationId, quoteId: _quoteId, ...line }) => ({ ...line, organisationId, salesOrderId: salesOrder.id, quoteLineId: id })),
        )
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

// ── Jobs and estimates ───────────────────────────────────────────────────────────────────────────

/** The customer (visible to the actor) and one of its work addresses, from mutation input. */
async function customerAndWorkAddress(tx: Db, actor: Actor, input: { customerId: string; workAddressId: string }) {
  const customerField = ['input', 'customerId'];
  const { id: customerId } = inputId(input.customerId, ['Customer'], customerField);
  const { id: workAddressId } = inputId(input.workAddressId, ['WorkAddress'], ['input', 'workAddressId']);
  const [customer] = await tx
    .select({ id: customers.id, currency: customers.currency })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.organisationId, actor.organisationId), actor.visibility?.record('customer')));
  if (!customer) throw notFound(customerField, 'customer');
  const [workAddress] = await tx
    .select({ id: workAddresses.id, customerId: workAddresses.customerId })
    .from(workAddresses)
    .where(and(eq(workAddresses.id, workAddressId), eq(workAddresses.organisationId, actor.organisationId), actor.visibility?.rows(workAddresses)));
  if (!workAddress) throw notFound(['input', 'workAddressId'], 'work address');
  if (workAddress.customerId !== customer.id) {
    throw userError(['input', 'workAddressId'], "workAddressId: the work address is another customer's.", 'INVALID');
  }
  return { customer, workAddressId: workAddress.id };
}

export async function createJob(db: Db, actor: Actor, input: CreateJobInput, mayOverride: boolean): Promise<{ job: JobRow }> {
  const fields = validate(
    z.object({ description: requiredText(TEXT_MAX), scheduledFor: z.date().nullish(), overrideStatus: z.boolean().nullish() }),
    { description: input.description, scheduledFor: input.scheduledFor, overrideStatus: input.overrideStatus },
  );
  return withIdempotency(db, actor, 'createJob', input.idempotencyKey, input, async (tx) => {
    const { customer, workAddressId } = await customerAndWorkAddress(tx, actor, input);
    const overriddenStatus = await checkNewWorkAllowed(tx, customer.id, { overrideStatus: fields.overrideStatus, mayOverride });
    const [job] = await tx
      .insert(jobs)
      .values({
        organisationId: actor.organisationId,
        customerId: customer.id,
        workAddressId,
        description: fields.description,
        scheduledFor: fields.scheduledFor ?? null,
      })
      .returning();
    await recordAudit(tx, actor, {
      action: 'job.create',
      entityType: 'Job',
      entityId: job!.id,
      after: { ...job, ...(overriddenStatus ? { overriddenStatus } : {}) },
    });
    return { job: job! };
  }, rowsCodec<{ job: JobRow }>({ job: jobs }));
}

export async function createEstimate(db: Db, actor: Actor, input: CreateEstimateInput): Promise<{ estimate: EstimateRow }> {
  const fields = validate(z.object({ description: requiredText(TEXT_MAX), amount: moneyInputSchema }), { description: input.description, amount: input.amount });
  return withIdempotency(db, actor, 'createEstimate', input.idempotencyKey, input, async (tx) => {
    const { customer, workAddressId } = await customerAndWorkAddress(tx, actor, input);
    const [estimate] = await tx
      .insert(estimates)
      .values({
        organisationId: actor.organisationId,
        customerId: customer.id,
        workAddressId,
        description: fields.description,
        amountMinor: fields.amount.amountMinor,
        currency: fields.amount.currency ?? customer.currency,
      })
      .returning();
    await recordAudit(tx, actor, { action: 'estimate.create', entityType: 'Estimate', entityId: estimate!.id, after: estimate });
    return { estimate: estimate! };
  }, rowsCodec<{ estimate: EstimateRow }>({ estimate: estimates }));
}
