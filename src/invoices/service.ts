// Invoice arithmetic. Totals are always derived from the lines with integer arithmetic in minor
// units; each line's net and tax are rounded half away from zero, and the invoice's totals are the
// sums of its lines'. The database computes the same for stored lines (generated columns,
// src/invoices/tables.ts); this serves documents that are not stored as invoice lines (quotes, sales
// orders) and the test that holds the two equal. The write side is in write.ts.
import { documentReference } from '../db/sequences';
import type { InvoiceLineRow, InvoiceRow } from './tables';

/** `a / b` rounded half away from zero, for integers. */
function divideRounded(a: number, b: number): number {
  const q = Math.round(Math.abs(a) / b);
  return a < 0 ? -q : q;
}

export type LineAmounts = { netMinor: number; taxMinor: number; totalMinor: number };

export function lineAmounts(line: Pick<InvoiceLineRow, 'quantityMilli' | 'unitPriceMinor' | 'taxRateBp'>): LineAmounts {
  const netMinor = divideRounded(line.quantityMilli * line.unitPriceMinor, 1000);
  const taxMinor = divideRounded(netMinor * line.taxRateBp, 10_000);
  return { netMinor, taxMinor, totalMinor: netMinor + taxMinor };
}

export function invoiceAmounts(lines: readonly Pick<InvoiceLineRow, 'quantityMilli' | 'unitPriceMinor' | 'taxRateBp'>[]): LineAmounts {
  return lines
    .map(lineAmounts)
    .reduce((sum, l) => ({ netMinor: sum.netMinor + l.netMinor, taxMinor: sum.taxMinor + l.taxMinor, totalMinor: sum.totalMinor + l.totalMinor }), {
      netMinor: 0,
      taxMinor: 0,
      totalMinor: 0,
    });
}

/** `1500` thousandths → `"1.5"`: how a line's quantity is shown (invoices, quotes, orders). */
export function quantityText(milli: number): string {
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  const fraction = String(abs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return `${sign}${Math.floor(abs / 1000)}${fraction ? `.${fraction}` : ''}`;
}

/** "INV-000042": how people quote an invoice. */
export function invoiceReference(invoice: Pick<InvoiceRow, 'number'>): string | null {
  return invoice.number === null ? null : documentReference('INV', invoice.number);
}
