// A page of contacts for a lead or customer, batched across all parents in the request.
import { sql } from 'drizzle-orm';
import { parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { columnsForConnection, type SelectionInfo } from '../graph/selection';
import { contacts } from './tables';

export const contactSort: SortSpec = {
  name: 'SURNAME',
  expr: sql`lower(${contacts.surname}) collate "C"`,
  cast: 'text',
  direction: 'ASC',
};

/** Fields read from columns of their own name besides the row's: what else a list of contacts reads. */
const derivedFields = { fullName: [contacts.title, contacts.firstName, contacts.surname] };

export function contactsPage(ctx: Context, owner: 'customer' | 'lead', parentId: string, args: PageArgs, info: SelectionInfo) {
  return ctx.loaders
    .childPage({
      table: contacts,
      parentColumn: owner === 'customer' ? contacts.customerId : contacts.leadId,
      where: undefined,
      name: `${owner}.contacts`,
      sort: contactSort,
      page: parsePageArgs(args, contactSort, ctx.config.maxPageSize),
      columns: columnsForConnection(ctx.composition, info, 'Contact', contacts, derivedFields),
    })
    .load(parentId);
}
