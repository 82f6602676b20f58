// Field resolvers shared by every record type.
import type { Context } from './context';
import { toGlobalId, type NodeType } from './ids';
import type { MoneyValue } from './money';

/** `id` resolver producing the type's global ID. */
export const globalIdField =
  (type: NodeType) =>
  (row: { id: string }): string =>
    toGlobalId(type, row.id);

/** A Money value in the viewer's organisation's locale, or null for no amount. */
export function moneyOf(ctx: Context, amountMinor: number | null, currency: string): MoneyValue | null {
  if (amountMinor == null) return null;
  return { amountMinor, currency, locale: ctx.viewer?.organisation.locale ?? 'en-GB' };
}
