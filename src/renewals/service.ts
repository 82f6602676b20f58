// Renewals and upgrades (docs/domain.md#renewals-and-upgrades): linking a customer's asset to an
// opportunity of the same customer that renews or upgrades it, and raising an opportunity from an
// expiry (once per expiry). The asset, the opportunity and the expiry are read through the actor's
// visibility; another organisation's are not found, another customer's are refused. Each change is
// one transaction with its audit entries.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { userOf } from '../activity/service';
import { expiries, type ExpiryRow } from '../activity/tables';
import { assets, type AssetRow } from '../assets/tables';
import { recordAudit, type Actor } from '../audit/service';
import { refuseConvertedLead } from '../contacts/service';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import { visibleRow } from '../db/visible-row';
import type { LinkAssetToOpportunityInput, RaiseOpportunityFromExpiryInput, UnlinkAssetFromOpportunityInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { moneyInputSchema } from '../graph/money';
import { isoDate, NAME_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { currencyOf, ownerColumns } from '../pipeline/shared';
import { opportunities, type OpportunityRow } from '../pipeline/tables';
import type { RecordOwner } from '../records/owner';
import { assetOpportunityLinks, expiryOpportunities } from './tables';

type Field = (string | number)[];

function visibleAsset(tx: Db, actor: Actor, globalId: string, field: Field): Promise<AssetRow> {
  return visibleRow(tx, assets, actor, globalId, 'Asset', field, 'asset');
}

function visibleOpportunity(tx: Db, actor: Actor, globalId: string, field: Field): Promise<OpportunityRow> {
  return visibleRow(tx, opportunities, actor, globalId, 'Opportunity', field, 'opportunity');
}

/**
 * The opportunity, locked: its linked assets are part of it, so a link's change is checked against,
 * and moves on, the opportunity's version (VERSION_CONFLICT on a stale `expectedVersion`).
 */
async function lockOpportunity(tx: Db, actor: Actor, input: { opportunityId: string; expectedVersion?: number | null }): Promise<OpportunityRow> {
  const field = ['input', 'opportunityId'];
  const visible = await visibleOpportunity(tx, actor, input.opportunityId, field);
  return lockForUpdate(tx, opportunities, actor, visible.id, input.expectedVersion, 'opportunity', async () => notFound(field, 'opportunity'));
}

/** The asset and the opportunity (locked), which must be the same customer's (a lead has no assets). */
async function assetAndOpportunity(tx: Db, actor: Actor, input: { assetId: string; opportunityId: string; expectedVersion?: number | null }) {
  const asset = await visibleAsset(tx, actor, input.assetId, ['input', 'assetId']);
  const opportunity = await lockOpportunity(tx, actor, input);
  if (opportunity.customerId !== asset.customerId) {
    throw userError(
      ['input', 'opportunityId'],
      `opportunityId: the opportunity is with ${opportunity.leadId ? 'a lead' : 'another customer'}; an asset links only to its own customer's opportunities.`,
      'INVALID',
    );
  }
  return { asset, opportunity };
}

export async function linkAssetToOpportunity(
  db: Db,
  actor: Actor,
  input: LinkAssetToOpportunityInput,
): Promise<{ asset: AssetRow; opportunity: OpportunityRow }> {
  const { kind } = validate(z.object({ kind: z.enum(['RENEWAL', 'UPGRADE']) }), { kind: input.kind });
  return db.transaction(async (tx) => {
    const { asset, opportunity } = await assetAndOpportunity(tx, actor, input);
    const [before] = await tx
      .select()
      .from(assetOpportunityLinks)
      .where(and(eq(assetOpportunityLinks.assetId, asset.id), eq(assetOpportunityLinks.opportunityId, opportunity.id)))
      .for('update');
    // Linking a linked pair again is a retry (nothing to do) or a change of kind.
    if (before?.kind === kind) return { asset, opportunity };
    const [after] = before
      ? await tx.update(assetOpportunityLinks).set({ kind }).where(eq(assetOpportunityLinks.id, before.id)).returning()
      : await tx
          .insert(assetOpportunityLinks)
          .values({ organisationId: actor.organisationId, assetId: asset.id, opportunityId: opportunity.id, kind, linkedByUserId: actor.userId })
          .returning();
    await recordAudit(tx, actor, { action: 'asset.linkOpportunity', entityType: 'Asset', entityId: asset.id, before: before ?? null, after });
    return { asset, opportunity: await writeUpdate(tx, opportunities, opportunity.id, {}) };
  });
}

export async function unlinkAssetFromOpportunity(
  db: Db,
  actor: Actor,
  input: UnlinkAssetFromOpportunityInput,
): Promise<{ asset: AssetRow; opportunity: OpportunityRow }> {
  return db.transaction(async (tx) => {
    const asset = await visibleAsset(tx, actor, input.assetId, ['input', 'assetId']);
    const opportunity = await lockOpportunity(tx, actor, input);
    const [removed] = await tx
      .delete(assetOpportunityLinks)
      .where(and(eq(assetOpportunityLinks.assetId, asset.id), eq(assetOpportunityLinks.opportunityId, opportunity.id)))
      .returning();
    if (!removed) throw userError(['input', 'opportunityId'], 'opportunityId: the opportunity is not linked to the asset.', 'NOT_FOUND');
    await recordAudit(tx, actor, { action: 'asset.unlinkOpportunity', entityType: 'Asset', entityId: asset.id, before: removed });
    return { asset, opportunity: await writeUpdate(tx, opportunities, opportunity.id, {}) };
  });
}

const raiseSchema = z.object({
  name: requiredText(NAME_MAX).nullish(),
  value: moneyInputSchema.nullish(),
  expectedCloseDate: isoDate.nullish(),
});

type Raised = { opportunity: OpportunityRow; expiry: ExpiryRow };
const raisedCodec = rowsCodec<Raised>({ opportunity: opportunities, expiry: expiries });

/** `Replace <supplier>: <description>`, cut to the longest name an opportunity takes. */
export function opportunityNameFor(expiry: Pick<ExpiryRow, 'supplier' | 'description'>): string {
  const name = `Replace ${expiry.supplier}: ${expiry.description}`;
  return name.length > NAME_MAX ? `${name.slice(0, NAME_MAX - 1)}…` : name;
}

export async function raiseOpportunityFromExpiry(db: Db, actor: Actor, input: RaiseOpportunityFromExpiryInput): Promise<Raised> {
  const fields = validate(raiseSchema, input);
  return withIdempotency(
    db,
    actor,
    'raiseOpportunityFromExpiry',
    input.idempotencyKey,
    input,
    async (tx) => {
      const field = ['input', 'expiryId'];
      const { id } = inputId(input.expiryId, ['Expiry'], field);
      // Locked, so that two people raising from one expiry at once queue, and the second is refused.
      const [expiry] = await tx
        .select()
        .from(expiries)
        .where(and(eq(expiries.id, id), eq(expiries.organisationId, actor.organisationId), actor.visibility?.rows(expiries)))
        .for('update');
      if (!expiry) throw notFound(field, 'expiry');
      const owner: RecordOwner = expiry.customerId ? { kind: 'customer', id: expiry.customerId } : { kind: 'lead', id: expiry.leadId! };
      if (owner.kind === 'lead') await refuseConvertedLead(tx, owner.id);
      const [raised] = await tx.select().from(expiryOpportunities).where(eq(expiryOpportunities.expiryId, expiry.id));
      if (raised) throw userError(field, 'expiryId: an opportunity has already been raised from this expiry.', 'INVALID_STATE');
      const ownerId = input.ownerId ? await userOf(tx, actor, input.ownerId, ['input', 'ownerId']) : actor.userId;
      const [opportunity] = await tx
        .insert(opportunities)
        .values({
          organisationId: actor.organisationId,
          ...ownerColumns(owner),
          name: fields.name ?? opportunityNameFor(expiry),
          valueMinor: fields.value?.amountMinor ?? null,
          currency: fields.value?.currency ?? (await currencyOf(tx, actor, owner)),
          expectedCloseDate: fields.expectedCloseDate ?? expiry.endsOn,
          ownerId,
        })
        .returning();
      const [link] = await tx
        .insert(expiryOpportunities)
        .values({ organisationId: actor.organisationId, expiryId: expiry.id, opportunityId: opportunity!.id, raisedByUserId: actor.userId })
        .returning();
      await recordAudit(tx, actor, [
        { action: 'opportunity.create', entityType: 'Opportunity', entityId: opportunity!.id, after: { ...opportunity, expiryId: expiry.id } },
        { action: 'expiry.raiseOpportunity', entityType: 'Expiry', entityId: expiry.id, after: link },
      ]);
      return { opportunity: opportunity!, expiry };
    },
    raisedCodec,
  );
}
