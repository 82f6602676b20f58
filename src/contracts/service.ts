// Contracts (docs/domain.md#contracts): recorded for a customer the actor sees, with a term of 1 to
// 120 months from a start date; the renewal date is given (after the start) or the start plus the
// term. An amount per billing period needs its frequency. A cancelled contract changes no more;
// renewing moves the dates on by one term. Every change is audited.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { ContractTransitionInput, CreateContractInput, UpdateContractInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { moneyInputSchema } from '../graph/money';
import { NAME_MAX, TEXT_MAX, isoDate, optionalText, requiredText } from '../graph/text';
import { inputId, notFound, userError, UserErrors, validate, type UserError } from '../graph/user-errors';
import { billingFrequencies } from '../service-plans/tables';
import { usableSla } from '../slas/service';
import { contracts, type ContractRow } from './tables';

export const MAX_TERM_MONTHS = 120;

/** `date` plus `months`, on the same day of the month or the month's last day (31 Jan + 1 → 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const firstOfTarget = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth() + 1, 0)).getUTCDate();
  firstOfTarget.setUTCDate(Math.min(d, lastDay));
  return firstOfTarget.toISOString().slice(0, 10);
}

const termMonths = z
  .number()
  .int({ message: 'must be a whole number of months' })
  .min(1, { message: `must be from 1 to ${MAX_TERM_MONTHS} months` })
  .max(MAX_TERM_MONTHS, { message: `must be from 1 to ${MAX_TERM_MONTHS} months` });

const termsSchema = z.object({
  reference: requiredText(NAME_MAX),
  termMonths,
  startDate: isoDate,
  renewalDate: isoDate.nullish(),
  autoRenew: z.boolean().nullish(),
  pricingTerms: optionalText(TEXT_MAX),
  price: moneyInputSchema.nullish(),
  billingFrequency: z.enum(billingFrequencies).nullish(),
});

/** The checks across fields: the renewal after the start, a frequency for an amount. */
function checkTerms(terms: { startDate: string; renewalDate?: string | null; hasPrice: boolean; billingFrequency?: unknown }): void {
  const errors: UserError[] = [];
  if (terms.renewalDate != null && terms.renewalDate <= terms.startDate) {
    errors.push({ field: ['input', 'renewalDate'], message: `renewalDate: must be after the start date (${terms.startDate}).`, code: 'INVALID' });
  }
  if (terms.hasPrice && terms.billingFrequency == null) {
    errors.push({ field: ['input', 'billingFrequency'], message: 'billingFrequency: is required with a price.', code: 'REQUIRED' });
  }
  if (errors.length > 0) throw new UserErrors(errors);
}

type Result = { contract: ContractRow };

export async function createContract(db: Db, actor: Actor, input: CreateContractInput): Promise<Result> {
  const { reference, termMonths, startDate, renewalDate, autoRenew, pricingTerms, price, billingFrequency } = input;
  const terms = validate(termsSchema, { reference, termMonths, startDate, renewalDate, autoRenew, pricingTerms, price, billingFrequency });
  checkTerms({ ...terms, hasPrice: terms.price != null });
  const customerField = ['input', 'customerId'];
  const { id: customerId } = inputId(input.customerId, ['Customer'], customerField);
  return withIdempotency(
    db,
    actor,
    'createContract',
    input.idempotencyKey,
    input,
    async (tx) => {
      const [customer] = await tx
        .select({ id: customers.id, currency: customers.currency })
        .from(customers)
        .where(and(eq(customers.id, customerId), eq(customers.organisationId, actor.organisationId), actor.visibility?.record('customer')));
      if (!customer) throw notFound(customerField, 'customer');
      const sla = input.slaId ? await usableSla(tx, actor, input.slaId, ['input', 'slaId']) : null;
      const [row] = await tx
        .insert(contracts)
        .values({
          organisationId: actor.organisationId,
          customerId: customer.id,
          reference: terms.reference,
          termMonths: terms.termMonths,
          startDate: terms.startDate,
          renewalDate: terms.renewalDate ?? addMonths(terms.startDate, terms.termMonths),
          autoRenew: terms.autoRenew ?? false,
          pricingTerms: terms.pricingTerms ?? null,
          priceMinor: terms.price?.amountMinor ?? null,
          currency: terms.price?.currency ?? customer.currency,
          billingFrequency: terms.billingFrequency ?? null,
          slaId: sla?.id ?? null,
        })
        .returning();
      await recordAudit(tx, actor, { action: 'contract.create', entityType: 'Contract', entityId: row!.id, after: row });
      return { contract: row! };
    },
    rowsCodec<Result>({ contract: contracts }),
  );
}

function refuseCancelled(contract: ContractRow, doing: string): void {
  if (contract.status === 'CANCELLED') throw userError(['input', 'id'], `id: the contract is cancelled; it cannot be ${doing}.`, 'INVALID_STATE');
}

const changesSchema = termsSchema.partial().extend({ expectedVersion: z.number().int().nullish() });

export async function updateContract(db: Db, actor: Actor, contractId: string, input: UpdateContractInput): Promise<Result> {
  const { id: _id, slaId, ...rest } = input;
  void _id;
  // Null for a field that cannot be cleared is refused (only omission keeps a value).
  for (const field of ['reference', 'termMonths', 'startDate', 'renewalDate', 'autoRenew'] as const) {
    if (rest[field] === null) throw userError(['input', field], `${field}: cannot be cleared; omit it to keep it.`, 'REQUIRED');
  }
  const { expectedVersion, ...changes } = validate(changesSchema, rest);
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, contracts, actor, contractId, expectedVersion, 'contract');
    refuseCancelled(before, 'changed');
    const startDate = changes.startDate ?? before.startDate;
    const term = changes.termMonths ?? before.termMonths;
    const datesMoved = changes.startDate !== undefined || changes.termMonths !== undefined;
    const renewalDate = changes.renewalDate ?? (datesMoved ? addMonths(startDate, term) : before.renewalDate);
    const hasPrice = changes.price === undefined ? before.priceMinor != null : changes.price != null;
    const billingFrequency = changes.billingFrequency === undefined ? before.billingFrequency : changes.billingFrequency;
    checkTerms({ startDate, renewalDate, hasPrice, billingFrequency });
    const set: Partial<ContractRow> = { startDate, termMonths: term, renewalDate };
    if (changes.reference !== undefined) set.reference = changes.reference;
    if (changes.autoRenew != null) set.autoRenew = changes.autoRenew;
    if (changes.pricingTerms !== undefined) set.pricingTerms = changes.pricingTerms;
    if (changes.price !== undefined) {
      set.priceMinor = changes.price?.amountMinor ?? null;
      if (changes.price?.currency) set.currency = changes.price.currency;
    }
    // No amount, no frequency: clearing the price clears it too.
    set.billingFrequency = hasPrice ? billingFrequency : null;
    if (slaId !== undefined) set.slaId = slaId === null ? null : (await usableSla(tx, actor, slaId, ['input', 'slaId'], before.slaId)).id;
    const after = await writeUpdate(tx, contracts, before.id, set);
    await recordAudit(tx, actor, { action: 'contract.update', entityType: 'Contract', entityId: after.id, before, after });
    return { contract: after };
  });
}

/** One more term: the renewal date becomes the start, the new renewal date one term later. */
export async function renewContract(db: Db, actor: Actor, contractId: string, input: ContractTransitionInput): Promise<Result> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, contracts, actor, contractId, expectedVersion, 'contract');
    refuseCancelled(before, 'renewed');
    const after = await writeUpdate(tx, contracts, before.id, {
      startDate: before.renewalDate,
      renewalDate: addMonths(before.renewalDate, before.termMonths),
    });
    await recordAudit(tx, actor, { action: 'contract.renew', entityType: 'Contract', entityId: after.id, before, after });
    return { contract: after };
  });
}

export async function cancelContract(db: Db, actor: Actor, contractId: string, input: ContractTransitionInput): Promise<Result> {
  const { expectedVersion } = validate(z.object({ expectedVersion: z.number().int().nullish() }), { expectedVersion: input.expectedVersion });
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, contracts, actor, contractId, expectedVersion, 'contract');
    refuseCancelled(before, 'cancelled again');
    const after = await writeUpdate(tx, contracts, before.id, { status: 'CANCELLED', cancelledAt: sql`now()` });
    await recordAudit(tx, actor, { action: 'contract.cancel', entityType: 'Contract', entityId: after.id, before, after });
    return { contract: after };
  });
}
