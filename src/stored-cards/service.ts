// Stored cards (docs/domain.md#stored-cards): added for a customer the actor may see, from what the
// payment provider gave back (token, brand, last four digits, expiry), and removed. Each is one
// transaction with its audit entry; adding takes an idempotency key. Card numbers and security codes
// never get here: the area refuses them in any input before this runs (`refusesCardData`).
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Db } from '../db/client';
import { onUniqueViolation } from '../db/unique';
import { lockForUpdate } from '../db/versioned';
import type { AddStoredCardInput, RemoveStoredCardInput } from '../generated/graphql';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { NAME_MAX, optionalText, requiredText } from '../graph/text';
import { userError, validate } from '../graph/user-errors';
import { payerOf } from '../invoices/payer';
import { storedCards, type StoredCardRow } from './tables';

/** How far ahead an expiry may be: cards are issued for a few years, never fifty. */
const MAX_YEARS_AHEAD = 50;
const TOKEN_MAX = 255;

/** The current month, UTC: a card expiring this month is still valid until it ends. */
function thisMonth(now = new Date()): { year: number; month: number } {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 };
}

/** Whether a card with this expiry has expired (its month has ended, UTC). */
export function hasExpired(card: Pick<StoredCardRow, 'expiryYear' | 'expiryMonth'>, now = new Date()): boolean {
  const { year, month } = thisMonth(now);
  return card.expiryYear < year || (card.expiryYear === year && card.expiryMonth < month);
}

const newCardSchema = z.object({
  provider: requiredText(NAME_MAX),
  providerToken: z
    .string()
    .trim()
    .min(1, { message: 'must not be blank' })
    .max(TOKEN_MAX, { message: `must be at most ${TOKEN_MAX} characters` })
    .regex(/^\S*$/, { message: "must be the provider's token, without spaces" }),
  last4: z.string().regex(/^[0-9]{4}$/, { message: 'must be exactly four digits (0–9)' }),
  expiryMonth: z.number().int().min(1, { message: 'must be a month from 1 to 12' }).max(12, { message: 'must be a month from 1 to 12' }),
  expiryYear: z
    .number()
    .int()
    .refine((y) => y >= 1000 && y <= 9999, { message: 'must be a four-digit year' })
    .refine((y) => y <= thisMonth().year + MAX_YEARS_AHEAD, { message: `must be at most ${MAX_YEARS_AHEAD} years ahead` }),
  label: optionalText(NAME_MAX),
});

export type StoredCardResult = { storedCard: StoredCardRow };

export async function addStoredCard(db: Db, actor: Actor, input: AddStoredCardInput): Promise<StoredCardResult> {
  const fields = validate(newCardSchema, {
    provider: input.provider,
    providerToken: input.providerToken,
    last4: input.last4,
    expiryMonth: input.expiryMonth,
    expiryYear: input.expiryYear,
    label: input.label,
  });
  if (hasExpired(fields)) {
    const { year } = thisMonth();
    const field = fields.expiryYear < year ? 'expiryYear' : 'expiryMonth';
    throw userError(
      ['input', field],
      `${field}: the card expired at the end of ${String(fields.expiryMonth).padStart(2, '0')}/${fields.expiryYear}; only a card that is still valid can be stored.`,
      'INVALID',
    );
  }
  const duplicate = () => userError(['input', 'providerToken'], `providerToken: a card with this ${fields.provider} token is already stored.`, 'DUPLICATE');
  return onUniqueViolation('stored_cards_token_key', duplicate, () =>
    withIdempotency(
      db,
      actor,
      'addStoredCard',
      input.idempotencyKey,
      input,
      async (tx) => {
        const customer = await payerOf(tx, actor, input.customerId, ['input', 'customerId']);
        if (customer.anonymisedAt) {
          throw userError(['input', 'customerId'], 'customerId: the customer has been anonymised; no card can be stored for it.', 'INVALID_STATE');
        }
        const [storedCard] = await tx
          .insert(storedCards)
          .values({ organisationId: actor.organisationId, customerId: customer.id, brand: input.brand, ...fields, label: fields.label ?? null })
          .returning();
        await recordAudit(tx, actor, { action: 'storedCard.add', entityType: 'StoredCard', entityId: storedCard!.id, after: storedCard });
        return { storedCard: storedCard! };
      },
      rowsCodec<StoredCardResult>({ storedCard: storedCards }),
    ),
  );
}

export async function removeStoredCard(db: Db, actor: Actor, id: string, input: RemoveStoredCardInput): Promise<{ removedStoredCardId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, storedCards, actor, id, input.expectedVersion, 'stored card');
    await tx.delete(storedCards).where(eq(storedCards.id, before.id));
    await recordAudit(tx, actor, { action: 'storedCard.remove', entityType: 'StoredCard', entityId: before.id, before });
    return { removedStoredCardId: before.id };
  });
}
