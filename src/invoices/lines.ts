// The priced lines of invoices and credit notes as clients give them: a description, a decimal
// quantity, a unit price in minor units, a tax rate in percent and an optional category. Checked here
// once; the database computes each line's net and tax (src/invoices/tables.ts).
import { z } from 'zod';
import { NAME_MAX, TEXT_MAX, optionalText, requiredText } from '../graph/text';

/** "1.5" → 1500 thousandths; more than 0, at most three decimal places. */
export const quantityInput = z
  .string()
  .trim()
  .regex(/^\d{1,9}(\.\d{1,3})?$/, { message: 'must be a number more than 0, with at most nine digits before the point and three after, e.g. 1.5' })
  .transform((v) => {
    const [whole, fraction = ''] = v.split('.');
    return Number(whole) * 1000 + Number(fraction.padEnd(3, '0'));
  })
  .refine((milli) => milli > 0, { message: 'must be more than 0' });

/** 20 → 2000 basis points; 0 to 100 with at most two decimal places. */
export const taxRateInput = z
  .number()
  .min(0, { message: 'must be from 0 to 100' })
  .max(100, { message: 'must be from 0 to 100' })
  .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, { message: 'must have at most two decimal places' })
  .transform((p) => Math.round(p * 100));

/** The largest unit price a line takes (a trillion minor units): a line's net stays a safe integer. */
export const UNIT_PRICE_MAX = 1_000_000_000_000;
export const LINES_MAX = 200;

/** The largest net a line may come to (10^13 minor units): 200 lines with their tax stay exact integers. */
export const LINE_NET_MAX = 10_000_000_000_000;

export const pricedLineInput = z
  .object({
    description: requiredText(TEXT_MAX),
    quantity: quantityInput,
    unitPriceMinor: z
      .number()
      .int()
      .min(0, { message: 'must not be negative' })
      .max(UNIT_PRICE_MAX, { message: `must be at most ${UNIT_PRICE_MAX}` }),
    taxRatePercent: taxRateInput.nullish().transform((v) => v ?? 0),
    category: optionalText(NAME_MAX),
  })
  .superRefine((line, ctx) => {
    if ((line.quantity * line.unitPriceMinor) / 1000 > LINE_NET_MAX) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: `quantity × unitPriceMinor must come to at most ${LINE_NET_MAX} minor units` });
    }
  });

export const pricedLinesInput = z.array(pricedLineInput).max(LINES_MAX, { message: `at most ${LINES_MAX} lines` });

export type PricedLine = { description: string; quantityMilli: number; unitPriceMinor: number; taxRateBp: number; category: string | null };

/** Parsed lines as rows' values, in the order given. */
export function pricedLineValues(lines: z.output<typeof pricedLinesInput>): PricedLine[] {
  return lines.map((line) => ({
    description: line.description,
    quantityMilli: line.quantity,
    unitPriceMinor: line.unitPriceMinor,
    taxRateBp: line.taxRatePercent,
    category: line.category ?? null,
  }));
}
