// Estimates at a customer's work address (docs/domain.md#sales-pipeline), created in one transaction and audited.
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import type { CreateEstimateInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { moneyInputSchema } from '../graph/money';
import { TEXT_MAX, requiredText } from '../graph/text';
import { validate } from '../graph/user-errors';
import { customerAndWorkAddress } from './shared';
import { estimates, type EstimateRow } from './tables';

export async function createEstimate(db: Db, actor: Actor, input: CreateEstimateInput): Promise<{ estimate: EstimateRow }> {
  const fields = validate(z.object({ description: requiredText(TEXT_MAX), amount: moneyInputSchema }), {
    description: input.description,
    amount: input.amount,
  });
  return withIdempotency(
    db,
    actor,
    'createEstimate',
    input.idempotencyKey,
    input,
    async (tx) => {
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
    },
    rowsCodec<{ estimate: EstimateRow }>({ estimate: estimates }),
  );
}
