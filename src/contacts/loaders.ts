// A page of contacts for a lead or customer, batched across all parents in the request.
import { sql } from 'drizzle-orm';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { asksForCursors, columnsForConnection, type SelectionInfo } from '../graph/selection';
import { contacts } from './tables';

export const contactSort: SortSpec = {
  name: 'SURNAME',
  expr: sql`lower(${contacts.surname}) collate "C"`,
  cast: 'text',
  direction: 'ASC',
};

/** Contact fields read from other columns than their own name's (src/graph/selection.ts). */
const derivedFields = { fullName: [contacts.title, contacts.firstName, contacts.surname] };

/** The page of a lead's or customer's contacts that `contacts(…)` reads, with the columns its selection needs. */
export function contactsPageSpec(ctx: Context, owner: 'customer' | 'lead', args: PageArgs, info: SelectionInfo) {
  return {
    table: contacts,
    parentColumn: owner === 'customer' ? contacts.customerId : contacts.leadId,
    where: undefined,
    name: `${owner}.contacts`,
    sort: contactSort,
    page: parsePageArgs(args, contactSort, ctx.config.maxPageSize),
    columns: columnsForConnection(ctx.composition, info, 'Contact', contacts, derivedFields),
    cursors: asksForCursors(info),
  };
}

export function contactsPage(ctx: Context, owner: 'customer' | 'lead', parentId: string, args: PageArgs, info: SelectionInfo) {
  // One loader per field of the query, not one page spec per parent (see Loaders.perField).
  const loader = ctx.loaders.perField(info.fieldNodes[0]!, owner === 'customer' ? 'customer.contacts' : 'lead.contacts', () =>
    ctx.loaders.childPage(contactsPageSpec(ctx, owner, args, info)),
  );
  return ctx.loaders.pageOf(loader, parentId);
}
