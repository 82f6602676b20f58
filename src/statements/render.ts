// What each PDF shows: a statement (the open items, grouped by contact when asked, totals and aging),
// an invoice (its lines and totals, paid, credited, outstanding) and a credit note (its lines as its
// breakdown style says). The data comes in already read and checked by the caller.
import { creditNoteReference } from '../credit-notes/service';
import type { CreditNoteLineRow, CreditNoteRow } from '../credit-notes/tables';
import { AGING_BUCKETS } from '../finance/balance';
import { formatMoney } from '../graph/money';
import { invoiceReference, quantityText } from '../invoices/service';
import type { InvoiceLineRow, InvoiceRow } from '../invoices/tables';
import { PdfWriter, type Column } from './pdf';
import { groupByContact, type Statement, type StatementLine } from './statement';

/** Who the document is from and to, and how to write money. */
export type Parties = { organisation: string; customer: string; locale: string };

const money = (amountMinor: number, currency: string, locale: string) => formatMoney({ amountMinor, currency, locale });
const KIND_LABEL: Record<StatementLine['kind'], string> = { INVOICE: 'Invoice', CREDIT_NOTE: 'Credit note', PAYMENT: 'Payment' };

const statementColumns: Column[] = [
  { header: 'Date', width: 70 },
  { header: 'Item', width: 75 },
  { header: 'Reference', width: 95 },
  { header: 'Due', width: 70 },
  { header: 'Total', width: 90, align: 'right' },
  { header: 'Open', width: 95, align: 'right' },
];

export function renderStatement(
  statement: Statement,
  parties: Parties,
  options: { groupByContact: boolean; contactNames: ReadonlyMap<string, string> },
): Promise<Buffer> {
  const { currency } = statement;
  const m = (minor: number) => money(minor, currency, parties.locale);
  const pdf = new PdfWriter('Statement').lines([parties.organisation, `To: ${parties.customer}`, `As of ${statement.asOf} (${currency})`]);
  const rows = (lines: readonly StatementLine[]) =>
    lines.map((l) => [l.date, KIND_LABEL[l.kind], l.reference ?? '', l.dueDate ?? '', m(l.totalMinor), m(l.openMinor)]);
  if (statement.lines.length === 0) pdf.lines(['Nothing is open.']);
  else if (options.groupByContact) {
    for (const group of groupByContact(statement.lines)) {
      pdf.heading(group.contactId ? (options.contactNames.get(group.contactId) ?? 'Contact') : 'The customer');
      pdf.table(statementColumns, rows(group.lines));
      pdf.totals([['Open', m(group.lines.reduce((sum, l) => sum + l.openMinor, 0))]]);
    }
  } else pdf.table(statementColumns, rows(statement.lines));
  const b = statement.balance;
  pdf.totals([
    ['Outstanding', m(b.outstandingMinor)],
    ['Overdue', m(b.overdueMinor)],
    ['Account credit', m(b.accountCreditMinor)],
    ['Balance', m(b.outstandingMinor - b.accountCreditMinor)],
  ]);
  pdf.heading('Aging (days since issue)');
  pdf.table(
    AGING_BUCKETS.map((bucket) => ({ header: bucket.label, width: 100, align: 'right' as const })),
    [b.agingMinor.map(m)],
  );
  return pdf.end();
}

const lineColumns: Column[] = [
  { header: 'Description', width: 185 },
  { header: 'Qty', width: 45, align: 'right' },
  { header: 'Unit price', width: 80, align: 'right' },
  { header: 'Tax %', width: 45, align: 'right' },
  { header: 'Net', width: 70, align: 'right' },
  { header: 'Total', width: 70, align: 'right' },
];

type PricedLine = Pick<InvoiceLineRow, 'description' | 'quantityMilli' | 'unitPriceMinor' | 'taxRateBp' | 'netMinor' | 'taxMinor' | 'category'>;

function lineRows(lines: readonly PricedLine[], currency: string, locale: string): string[][] {
  return lines.map((l) => [
    l.description,
    quantityText(l.quantityMilli),
    money(l.unitPriceMinor, currency, locale),
    String(l.taxRateBp / 100),
    money(l.netMinor, currency, locale),
    money(l.netMinor + l.taxMinor, currency, locale),
  ]);
}

const sum = (lines: readonly PricedLine[], pick: (l: PricedLine) => number) => lines.reduce((total, l) => total + pick(l), 0);

/**
 * `addressedTo`: who and where the invoice is addressed to, a line each (src/invoice-addresses/addressed-to.ts),
 * printed under "To:".
 */
export function renderInvoice(
  invoice: InvoiceRow,
  lines: readonly InvoiceLineRow[],
  parties: Parties & { contact: string | null; addressedTo: readonly string[] },
): Promise<Buffer> {
  const m = (minor: number) => money(minor, invoice.currency, parties.locale);
  const [first = parties.customer, ...rest] = parties.addressedTo;
  const pdf = new PdfWriter(`Invoice ${invoiceReference(invoice) ?? '(draft)'}`).lines([
    parties.organisation,
    `To: ${first}${parties.contact ? `, for ${parties.contact}` : ''}`,
    ...rest,
    invoice.issueDate ? `Issued ${invoice.issueDate}, due ${invoice.dueDate}` : 'Draft: not issued',
    invoice.status === 'VOID' ? `VOID: ${invoice.voidReason}` : null,
    invoice.notes,
  ]);
  pdf.table(lineColumns, lineRows(lines, invoice.currency, parties.locale));
  pdf.totals([
    ['Net', m(sum(lines, (l) => l.netMinor))],
    ['Tax', m(sum(lines, (l) => l.taxMinor))],
    ['Total', m(invoice.totalMinor)],
    ['Paid', m(invoice.paidMinor)],
    ['Credited', m(invoice.creditedMinor)],
    ['Outstanding', m(invoice.status === 'VOID' ? 0 : invoice.totalMinor - invoice.paidMinor - invoice.creditedMinor)],
  ]);
  return pdf.end();
}

/** A credit note as its breakdown style says: one total, totals by category, every line, or every line under its category. */
export function renderCreditNote(note: CreditNoteRow, lines: readonly CreditNoteLineRow[], parties: Parties & { invoice: string | null }): Promise<Buffer> {
  const m = (minor: number) => money(minor, note.currency, parties.locale);
  const pdf = new PdfWriter(`Credit note ${creditNoteReference(note)}`).lines([
    parties.organisation,
    `To: ${parties.customer}`,
    `Issued ${note.issueDate}${parties.invoice ? `, against invoice ${parties.invoice}` : ''}`,
    `Reason: ${note.reason}`,
    note.status === 'VOID' ? `VOID: ${note.voidReason}` : null,
  ]);
  const categories = new Map<string, CreditNoteLineRow[]>();
  for (const line of lines) {
    const key = line.category ?? 'Other';
    categories.set(key, [...(categories.get(key) ?? []), line]);
  }
  if (note.breakdown === 'FULL') pdf.table(lineColumns, lineRows(lines, note.currency, parties.locale));
  if (note.breakdown === 'FULL_BY_CATEGORY') {
    for (const [category, group] of categories) {
      pdf.heading(category).table(lineColumns, lineRows(group, note.currency, parties.locale));
      pdf.totals([[`${category} total`, m(sum(group, (l) => l.netMinor + l.taxMinor))]]);
    }
  }
  if (note.breakdown === 'BY_CATEGORY') {
    pdf.table(
      [
        { header: 'Category', width: 300 },
        { header: 'Total', width: 195, align: 'right' },
      ],
      [...categories].map(([category, group]) => [category, m(sum(group, (l) => l.netMinor + l.taxMinor))]),
    );
  }
  pdf.totals([
    ['Net', m(sum(lines, (l) => l.netMinor))],
    ['Tax', m(sum(lines, (l) => l.taxMinor))],
    ['Total', m(note.totalMinor)],
    ['Allocated', m(note.allocatedMinor)],
  ]);
  return pdf.end();
}
