// PDFs of statements, invoices and credit notes (pdfkit, its built-in Helvetica: no font files). A
// document is a title block, then tables with a header row, then totals; long tables carry on over
// pages with their header repeated. Money is formatted as everywhere else (src/graph/money.ts).
import type PDFKit from 'pdfkit';
import { lazyModule } from '../lazy-module';

/** pdfkit and its fonts, loaded with the first PDF rather than with the server (they are large). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pdfkit = lazyModule(() => require('pdfkit') as typeof PDFKit);
function PDFDocument(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  const Document = pdfkit();
  return new Document(options);
}

type Align = 'left' | 'right';
export type Column = { header: string; width: number; align?: Align };

const MARGIN = 50;
const ROW_GAP = 4;

/** A PDF being written: the few things our documents do with pdfkit. */
export class PdfWriter {
  private readonly doc = PDFDocument({ size: 'A4', margin: MARGIN, info: { Producer: 'customer-records-api', Creator: 'customer-records-api' } });
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(title: string) {
    this.doc.info.Title = title;
    this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.done = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
    this.doc.font('Helvetica-Bold').fontSize(18).text(title);
    this.doc.moveDown(0.5);
  }

  /** Lines of plain text (the parties, the dates). */
  lines(texts: ReadonlyArray<string | null | undefined>): this {
    this.doc.font('Helvetica').fontSize(10);
    for (const text of texts) if (text) this.doc.text(text);
    this.doc.moveDown(0.5);
    return this;
  }

  heading(text: string): this {
    this.doc.moveDown(0.3).font('Helvetica-Bold').fontSize(11).text(text, MARGIN);
    this.doc.moveDown(0.2);
    return this;
  }

  /** A table: header row, then the rows; a new page repeats the header. */
  table(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): this {
    const header = () =>
      this.row(
        columns,
        columns.map((c) => c.header),
        'Helvetica-Bold',
      );
    header();
    for (const cells of rows) {
      if (this.doc.y > this.doc.page.height - MARGIN - 30) {
        this.doc.addPage();
        header();
      }
      this.row(columns, cells, 'Helvetica');
    }
    this.doc.moveDown(0.5);
    return this;
  }

  /** Label–value pairs, right-aligned values (totals). */
  totals(pairs: ReadonlyArray<readonly [string, string]>): this {
    const columns: Column[] = [
      { header: '', width: 395 },
      { header: '', width: 100, align: 'right' },
    ];
    for (const [label, value] of pairs) this.row(columns, [label, value], 'Helvetica-Bold');
    this.doc.moveDown(0.5);
    return this;
  }

  private row(columns: readonly Column[], cells: readonly string[], font: string): void {
    this.doc.font(font).fontSize(9);
    const y = this.doc.y;
    let x = MARGIN;
    let bottom = y;
    columns.forEach((column, i) => {
      this.doc.text(cells[i] ?? '', x, y, { width: column.width - 6, align: column.align ?? 'left' });
      bottom = Math.max(bottom, this.doc.y);
      x += column.width;
    });
    this.doc.x = MARGIN;
    this.doc.y = bottom + ROW_GAP;
  }

  /** Finishes the document and returns its bytes. */
  end(): Promise<Buffer> {
    this.doc.end();
    return this.done;
  }
}
