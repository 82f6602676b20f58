// Opportunities on a lead or customer (docs/domain.md#sales-pipeline): created and updated, each change in one transaction and audited.
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { refuseConvertedLead } from '../contacts/service';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CreateOpportunityInput, UpdateOpportunityInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { moneyInputSchema } from '../graph/money';
import { NAME_MAX, requiredText } from '../graph/text';
import { inputId, notFound, validate } from '../graph/user-errors';
import { users } from '../tenancy/tables';
import { currencyOf, ownerColumns, rowsById, writableOwner, type Path } from './shared';
import { opportunities, type OpportunityRow } from './tables';

async function userInOrganisation(tx: Db, actor: Actor, globalId: string, field: Path): Promise<string> {
  const { id } = inputId(globalId, ['User'], field);
  const found = await rowsById(tx, actor, users, [id]);
  if (!found.has(id)) throw notFound(field, 'user');
  return id;
}

const opportunityFields = {
  name: requiredText(NAME_MAX),
  stage: z.enum(['OPEN', 'WON', 'LOST']),
  value: moneyInputSchema.nullish(),
  expectedCloseDate: z.string().nullish(),
  ownerId: z.string().nullish(),
};

export async function createOpportunity(db: Db, actor: Actor, input: CreateOpportunityInput): Promise<{ opportunity: OpportunityRow }> {
  const fields = validate(z.object({ ...opportunityFields, stage: opportunityFields.stage.nullish() }), input);
  return withIdempotency(
    db,
    actor,
    'createOpportunity',
    input.idempotencyKey,
    input,
    async (tx) => {
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
    },
    rowsCodec<{ opportunity: OpportunityRow }>({ opportunity: opportunities }),
  );
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
