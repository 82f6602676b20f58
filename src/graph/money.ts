// Money: integer minor units plus an ISO currency, formatted for people without going through floats.
import { z } from 'zod';
export type MoneyValue = { amountMinor: number; currency: string; locale: string };

const fractionDigitsCache = new Map<string, number>();

export function currencyFractionDigits(currency: string): number {
  let digits = fractionDigitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    fractionDigitsCache.set(currency, digits);
  }
  return digits;
}

export function isKnownCurrency(currency: string): boolean {
  return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('currency').includes(currency);
}

const formats = new Map<string, Intl.NumberFormat>();

/** Building an Intl.NumberFormat costs far more than using one: one per locale and currency. */
function currencyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(key, format);
  }
  return format;
}

/** `12345, GBP` → `£123.45`, using a decimal string so large amounts stay exact. */
export function formatMoney({ amountMinor, currency, locale }: MoneyValue): string {
  const digits = currencyFractionDigits(currency);
  const negative = amountMinor < 0;
  const abs = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  const format = currencyFormat(locale, currency);
  // Intl accepts decimal strings (ES2023), which keeps amounts beyond 2^53 / 100 exact.
  return format.format(`${negative ? '-' : ''}${decimal}` as unknown as number);
}

/** A `MoneyInput` as mutations validate it: whole minor units, not negative, a known currency or none (the record's). */
export const moneyInputSchema = z.object({
  amountMinor: z.number().int().min(0, { message: 'must not be negative' }),
  currency: z
    .string()
    .nullish()
    .refine((c) => c == null || isKnownCurrency(c), { message: 'is not a known ISO 4217 currency' }),
});
