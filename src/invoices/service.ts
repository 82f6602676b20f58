// Invoice arithmetic and the raising of invoices. Totals are always derived from the lines with
// integer arithmetic in minor units; each line's net and tax are rounded half away from zero, and
// the invoice's totals are the sums of its lines'.
import { and, eq } from 'drizzle-orm';
import { recordAudit, type Actor } from '../audit/service';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { documentReference, nextNumber } from '../db/sequences';
import { invoiceLines, invoices, type InvoiceLineRow, type InvoiceRow } from './tables';

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

export type NewInvoice = {
  customerId: string;
  lines: Array<{ description: string; quantityMilli: number; unitPriceMinor: number; taxRateBp?: number }>;
  /** Issue at once (numbered, dated, due after the customer's creditor days). */
  issueDate?: string;
};

/**
 * Raises an invoice for a customer, issued when `issueDate` is given: one transaction, audited.
 * Used by the demo data and tests until the finance area adds its mutations.
 */
export async function raiseInvoice(db: Db, actor: Actor, input: NewInvoice): Promise<InvoiceRow> {
  return db.transaction(async (tx) => {
    const [customer] = await tx
      .select({ id: customers.id, currency: customers.currency, creditorDays: customers.creditorDays })
      .from(customers)
      .where(and(eq(customers.id, input.customerId), eq(customers.organisationId, actor.organisationId)));
    if (!customer) throw new Error(`no customer ${input.customerId} in organisation ${actor.organisationId}`);
    let number: number | null = null;
    let dueDate: string | null = null;
    if (input.issueDate) {
      number = await nextNumber(tx, actor.organisationId, 'INVOICE');
      const due = new Date(`${input.issueDate}T00:00:00Z`);
      due.setUTCDate(due.getUTCDate() + customer.creditorDays);
      dueDate = due.toISOString().slice(0, 10);
    }
    const [invoice] = await tx
      .insert(invoices)
      .values({
        organisationId: actor.organisationId,
        customerId: customer.id,
        number,
        status: input.issueDate ? 'ISSUED' : 'DRAFT',
        issueDate: input.issueDate ?? null,
        dueDate,
        currency: customer.currency,
      })
      .returning();
    if (input.lines.length) {
      await tx.insert(invoiceLines).values(
        input.lines.map((line, position) => ({
          organisationId: actor.organisationId,
          invoiceId: invoice!.id,
          position,
          description: line.description,
          quantityMilli: line.quantityMilli,
          unitPriceMinor: line.unitPriceMinor,
          taxRateBp: line.taxRateBp ?? 0,
        })),
      );
    }
    await recordAudit(tx, actor, { action: 'invoice.create', entityType: 'Invoice', entityId: invoice!.id, after: { ...invoice, lines: input.lines } });
    return invoice!;
  });
}
