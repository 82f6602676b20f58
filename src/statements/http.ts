// PDFs over HTTP: a customer's statement (users who see the customer, and portal tokens with
// VIEW_STATEMENTS), an invoice (users, and portal tokens with VIEW_INVOICES) and a credit note
// (users). Whatever the caller may not see answers 404, like what does not exist.
//
//   GET /pdf/statements/<customer id>?asOf=YYYY-MM-DD&currency=GBP&groupByContact=true
//   GET /pdf/invoices/<invoice id>
//   GET /pdf/credit-notes/<credit note id>
import { and, asc, eq, sql } from 'drizzle-orm';
import express, { type Response } from 'express';
import { contextOf } from '../auth/http';
import { everyone } from '../auth/roles';
import { contacts } from '../contacts/tables';
import { creditNoteReference } from '../credit-notes/service';
import { creditNoteLines } from '../credit-notes/tables';
import type { AreaServices } from '../graph/area';
import { uuidArray } from '../graph/connection';
import type { Context } from '../graph/context';
import { parseGlobalId, toGlobalId } from '../graph/ids';
import { refuse } from '../http/refusal';
import { addressedTo } from '../invoice-addresses/addressed-to';
import { today } from '../invoices/payer';
import { invoiceReference } from '../invoices/service';
import { invoiceLines } from '../invoices/tables';
import { renderCreditNote, renderInvoice, renderStatement, type Parties } from './render';
import { statementOf } from './statement';

/** A real calendar date as `YYYY-MM-DD`, or null. */
export function calendarDate(text: unknown): string | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text ? text : null;
}

/** Where a statement's PDF is fetched, relative to the API's origin. */
export function statementPdfUrl(customerId: string, asOf: string, currency: string, groupByContact: boolean): string {
  const query = new URLSearchParams({ asOf, currency, ...(groupByContact ? { groupByContact: 'true' } : {}) });
  return `/pdf/statements/${toGlobalId('Customer', customerId)}?${query}`;
}

function sendPdf(res: Response, filename: string, bytes: Buffer): void {
  res.set({
    'content-type': 'application/pdf',
    'content-length': String(bytes.length),
    'content-disposition': `inline; filename="${filename}"`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  });
  res.end(bytes);
}

async function partiesOf(ctx: Context, customerId: string): Promise<Parties | null> {
  const customer = await ctx.loaders.byId('Customer').load(customerId);
  if (!customer || !ctx.viewer) return null;
  return { organisation: ctx.viewer.organisation.name, customer: customer.name, locale: ctx.viewer.organisation.locale };
}

export function statementsRouter({ authentication }: AreaServices): express.RequestHandler {
  const router = express.Router();
  const notFound = (res: Response, what: string) => refuse(res, 404, 'NOT_FOUND', `No ${what} with this ID.`);

  router.get('/pdf/statements/:customerId', authentication.requireViewer({ roles: everyone, portal: 'VIEW_STATEMENTS' }), async (req, res, next) => {
    try {
      const ctx: Context = contextOf(res);
      const parsed = parseGlobalId(String(req.params.customerId));
      const parties = parsed?.type === 'Customer' ? await partiesOf(ctx, parsed.id) : null;
      if (!parsed || !parties) return notFound(res, 'customer');
      const asOf = req.query.asOf === undefined ? today() : calendarDate(req.query.asOf);
      if (!asOf) return refuse(res, 400, 'BAD_USER_INPUT', 'asOf: must be a date, YYYY-MM-DD.');
      const currency = req.query.currency === undefined ? null : String(req.query.currency);
      if (currency !== null && !/^[A-Z]{3}$/.test(currency)) return refuse(res, 400, 'BAD_USER_INPUT', 'currency: must be an ISO 4217 code, e.g. GBP.');
      const { groupByContact } = req.query;
      if (groupByContact !== undefined && groupByContact !== 'true' && groupByContact !== 'false') {
        return refuse(res, 400, 'BAD_USER_INPUT', 'groupByContact: must be true or false.');
      }
      const grouped = groupByContact === 'true';
      const statement = await statementOf(ctx.db, ctx.viewer!.organisationId, parsed.id, asOf, currency);
      const contactIds = grouped ? [...new Set(statement.lines.flatMap((l) => (l.contactId ? [l.contactId] : [])))] : [];
      // The groups' headings: the contacts the invoices name (the customer's), in one query.
      const rows = contactIds.length
        ? await ctx.db
            .select({ id: contacts.id, firstName: contacts.firstName, surname: contacts.surname })
            .from(contacts)
            .where(and(eq(contacts.customerId, parsed.id), sql`${contacts.id} = any(${uuidArray(contactIds)})`))
        : [];
      const names = new Map(rows.map((row) => [row.id, [row.firstName, row.surname].filter(Boolean).join(' ')]));
      const bytes = await renderStatement(statement, parties, { groupByContact: grouped, contactNames: names });
      sendPdf(res, `statement-${asOf}.pdf`, bytes);
    } catch (error) {
      next(error);
    }
  });

  router.get('/pdf/invoices/:id', authentication.requireViewer({ roles: everyone, portal: 'VIEW_INVOICES' }), async (req, res, next) => {
    try {
      const ctx: Context = contextOf(res);
      const parsed = parseGlobalId(String(req.params.id));
      const invoice = parsed?.type === 'Invoice' ? await ctx.loaders.byId('Invoice').load(parsed.id) : null;
      const parties = invoice ? await partiesOf(ctx, invoice.customerId) : null;
      if (!invoice || !parties) return notFound(res, 'invoice');
      const lines = await ctx.db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(asc(invoiceLines.position));
      const contact = invoice.contactId ? await ctx.loaders.byId('Contact').load(invoice.contactId) : null;
      const bytes = await renderInvoice(invoice, lines, {
        ...parties,
        contact: contact ? [contact.firstName, contact.surname].filter(Boolean).join(' ') : null,
        addressedTo: await addressedTo(ctx, invoice),
      });
      sendPdf(res, `${invoiceReference(invoice) ?? 'draft-invoice'}.pdf`, bytes);
    } catch (error) {
      next(error);
    }
  });

  router.get('/pdf/credit-notes/:id', authentication.requireViewer({ roles: everyone }), async (req, res, next) => {
    try {
      const ctx: Context = contextOf(res);
      const parsed = parseGlobalId(String(req.params.id));
      const note = parsed?.type === 'CreditNote' ? await ctx.loaders.byId('CreditNote').load(parsed.id) : null;
      const parties = note ? await partiesOf(ctx, note.customerId) : null;
      if (!note || !parties) return notFound(res, 'credit note');
      const lines = await ctx.db.select().from(creditNoteLines).where(eq(creditNoteLines.creditNoteId, note.id)).orderBy(asc(creditNoteLines.position));
      const invoice = note.invoiceId ? await ctx.loaders.byId('Invoice').load(note.invoiceId) : null;
      const bytes = await renderCreditNote(note, lines, { ...parties, invoice: invoice ? invoiceReference(invoice) : null });
      sendPdf(res, `${creditNoteReference(note)}.pdf`, bytes);
    } catch (error) {
      next(error);
    }
  });

  return router;
}
