// Quotes on a lead or customer (docs/domain.md#sales-pipeline) and their lines: DRAFT → SENT → SIGNED | DECLINED. Numbers are
// bumped inside the transaction, so no gaps; every change is audited. (Signing: src/conversions.)
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { assetOfCustomer } from '../assets/of-customer';
import { assetGroups, assetMakes, assetModels } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import { refuseConvertedLead } from '../contacts/service';
import type { Db } from '../db/client';
import { documentReference, nextNumber } from '../db/sequences';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import { visibleRow } from '../db/visible-row';
import type { CreateQuoteInput, QuoteTransitionInput, UpdateQuoteInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { TEXT_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { quantityInput, taxRateInput } from '../invoices/lines';
import type { RecordOwner } from '../records/owner';
import { currencyOf, ownerColumns, rowsById, writableOwner, type Path } from './shared';
import { opportunities, quoteLines, quotes, type QuoteLineRow, type QuoteRow } from './tables';

/** "QUO-000042": how people quote it. */
export const quoteReference = (q: Pick<QuoteRow, 'number'>) => documentReference('QUO', q.number);

const lineSchema = z.object({
  description: requiredText(TEXT_MAX),
  quantity: quantityInput,
  unitPriceMinor: z.number().int().min(0, { message: 'must not be negative' }),
  taxRatePercent: taxRateInput.nullish().transform((v) => v ?? 0),
  assetGroupId: z.string().nullish(),
  assetMakeId: z.string().nullish(),
  assetModelId: z.string().nullish(),
  assetId: z.string().nullish(),
  assetLinkKind: z.enum(['RENEWAL', 'UPGRADE']).nullish(),
});
const linesSchema = z.array(lineSchema).max(200, { message: 'at most 200 lines' });
type LineFields = z.output<typeof lineSchema>;
type NewLine = Pick<
  QuoteLineRow,
  'position' | 'description' | 'quantityMilli' | 'unitPriceMinor' | 'taxRateBp' | 'assetGroupId' | 'assetMakeId' | 'assetModelId' | 'assetId' | 'assetLinkKind'
>;

/**
 * The asset each line renews or upgrades (docs/domain.md#renewals-and-upgrades): one of the quote's
 * customer's assets, with its kind; a lead's quote names none (a lead has no assets).
 */
async function renewedAssets(
  tx: Db,
  actor: Actor,
  owner: RecordOwner,
  lines: LineFields[],
  at: Path,
): Promise<Array<Pick<NewLine, 'assetId' | 'assetLinkKind'>>> {
  const out: Array<Pick<NewLine, 'assetId' | 'assetLinkKind'>> = [];
  for (const [i, line] of lines.entries()) {
    if (line.assetId == null) {
      out.push({ assetId: null, assetLinkKind: null });
      continue;
    }
    const field = [...at, i, 'assetId'];
    if (owner.kind === 'lead') throw userError(field, 'assetId: a quote for a lead cannot name an asset; assets are customers’.', 'INVALID');
    if (line.assetLinkKind == null) throw userError([...at, i, 'assetLinkKind'], 'assetLinkKind: is required with assetId (RENEWAL or UPGRADE).', 'REQUIRED');
    const asset = await assetOfCustomer(tx, actor, owner.id, line.assetId, field);
    out.push({ assetId: asset.id, assetLinkKind: line.assetLinkKind });
  }
  return out;
}

/** Quote lines as rows: asset references checked (they exist; a model is of the make given; a renewed asset is the customer's). */
async function resolveLines(tx: Db, actor: Actor, owner: RecordOwner, lines: LineFields[], at: Path): Promise<NewLine[]> {
  const renewed = await renewedAssets(tx, actor, owner, lines, at);
  const refs = lines.map((line, i) => ({
    group: line.assetGroupId ? inputId(line.assetGroupId, ['AssetGroup'], [...at, i, 'assetGroupId']).id : null,
    make: line.assetMakeId ? inputId(line.assetMakeId, ['AssetMake'], [...at, i, 'assetMakeId']).id : null,
    model: line.assetModelId ? inputId(line.assetModelId, ['AssetModel'], [...at, i, 'assetModelId']).id : null,
  }));
  const groups = await rowsById(
    tx,
    actor,
    assetGroups,
    refs.flatMap((r) => (r.group ? [r.group] : [])),
  );
  const makes = await rowsById(
    tx,
    actor,
    assetMakes,
    refs.flatMap((r) => (r.make ? [r.make] : [])),
  );
  const models = await rowsById(
    tx,
    actor,
    assetModels,
    refs.flatMap((r) => (r.model ? [r.model] : [])),
  );
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
      ...renewed[i]!,
    };
  });
}

/** An opportunity the actor may see, of the same lead or customer as the quote. */
async function opportunityOf(tx: Db, actor: Actor, owner: RecordOwner, globalId: string, field: Path): Promise<string> {
  const row = await visibleRow(tx, opportunities, actor, globalId, 'Opportunity', field, 'opportunity');
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
  return withIdempotency(
    db,
    actor,
    'createQuote',
    input.idempotencyKey,
    input,
    async (tx) => {
      const owner = await writableOwner(tx, actor, input.recordId, ['input', 'recordId']);
      const opportunityId = fields.opportunityId ? await opportunityOf(tx, actor, owner, fields.opportunityId, ['input', 'opportunityId']) : null;
      const lines = await resolveLines(tx, actor, owner, fields.lines, ['input', 'lines']);
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
    },
    rowsCodec<{ quote: QuoteRow }>({ quote: quotes }),
  );
}

/** The quote locked for a change, refused while its lead has been converted (read-only). */
async function lockQuote(tx: Db, actor: Actor, quoteId: string, expectedVersion: number | null | undefined): Promise<QuoteRow> {
  const quote = await lockForUpdate(tx, quotes, actor, quoteId, expectedVersion, 'quote');
  if (quote.leadId) await refuseConvertedLead(tx, quote.leadId);
  return quote;
}

export const selectQuoteLines = (tx: Db, quoteId: string) => tx.select().from(quoteLines).where(eq(quoteLines.quoteId, quoteId)).orderBy(quoteLines.position);

export async function updateQuote(db: Db, actor: Actor, quoteId: string, input: UpdateQuoteInput): Promise<{ quote: QuoteRow }> {
  const fields = validate(z.object({ expectedVersion: z.number().int().nullish(), opportunityId: z.string().nullish(), lines: linesSchema.nullish() }), input);
  return db.transaction(async (tx) => {
    const before = await lockQuote(tx, actor, quoteId, fields.expectedVersion);
    const changes: Partial<QuoteRow> = {};
    const owner: RecordOwner = before.customerId ? { kind: 'customer', id: before.customerId } : { kind: 'lead', id: before.leadId! };
    if (fields.opportunityId === null) changes.opportunityId = null;
    else if (fields.opportunityId) {
      changes.opportunityId = await opportunityOf(tx, actor, owner, fields.opportunityId, ['input', 'opportunityId']);
    }
    const oldLines = await selectQuoteLines(tx, before.id);
    let newLines = oldLines;
    if (fields.lines) {
      if (before.status !== 'DRAFT') {
        throw userError(['input', 'lines'], `lines: the quote is ${before.status}; lines change only while it is a DRAFT.`, 'INVALID_STATE');
      }
      const lines = await resolveLines(tx, actor, owner, fields.lines, ['input', 'lines']);
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
    if (to === 'SENT' && (await selectQuoteLines(tx, before.id)).length === 0) {
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
