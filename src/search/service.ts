// Customer search (docs/domain.md#search) and saved searches: a filter (basic or advanced, see
// filter.ts) and/or a saved search, run among the customers the viewer may see, paged by keyset like
// every list.
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import type { Visibility } from '../auth/visibility';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import type { CustomerOrder, CustomerSearchFilter, SaveSearchInput } from '../generated/graphql';
import { nameAndTimeSorts, paginate, parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import { badUserInput } from '../graph/errors';
import { decodeIdArgument } from '../graph/ids';
import { requiredText } from '../graph/text';
import { inputId, notFound, userError, UserErrors, validate } from '../graph/user-errors';
import { compileCustomerFilter, formatPath, FilterProblem } from './filter';
import { savedSearches, type SavedSearchRow } from './tables';

const customerSorts = nameAndTimeSorts(customers);

/** Who is searching: their organisation, what they may see, and (for saved searches) who they are. */
export type Searcher = { visibility: Visibility; userId: string | null };

/** The saved searches a user sees: their own and those shared in the organisation. */
function visibleSavedSearches(organisationId: string, userId: string | null): SQL {
  return and(eq(savedSearches.organisationId, organisationId), or(eq(savedSearches.shared, true), userId ? eq(savedSearches.ownerId, userId) : undefined))!;
}

/** The filter as a condition, or BAD_USER_INPUT naming where in it the problem is (`filter.all[1].rule.value`). */
async function filterCondition(db: Db, organisationId: string, filter: unknown, root: string): Promise<SQL | undefined> {
  try {
    return await compileCustomerFilter(db, organisationId, filter);
  } catch (error) {
    if (error instanceof FilterProblem) {
      const where = formatPath(root, error.path);
      throw badUserInput(`${where}: ${error.problem}`, where);
    }
    throw error;
  }
}

export async function searchCustomers(
  db: Db,
  searcher: Searcher,
  args: PageArgs & { filter?: CustomerSearchFilter | null; savedSearchId?: string | null; orderBy?: CustomerOrder | null },
  maxPageSize: number,
) {
  const order = args.orderBy ?? { field: 'NAME', direction: 'ASC' };
  const sort: SortSpec = { ...customerSorts[order.field], direction: order.direction ?? 'ASC' };
  const page = parsePageArgs(args, sort, maxPageSize);
  const organisationId = searcher.visibility.organisationId;
  const conditions: (SQL | undefined)[] = [eq(customers.organisationId, organisationId), searcher.visibility.record('customer')];
  conditions.push(await filterCondition(db, organisationId, args.filter, 'filter'));
  if (args.savedSearchId != null) {
    const { id } = decodeIdArgument(args.savedSearchId, ['SavedSearch'], 'savedSearchId');
    const [saved] = await db
      .select()
      .from(savedSearches)
      .where(and(eq(savedSearches.id, id), visibleSavedSearches(organisationId, searcher.userId)));
    if (!saved) throw badUserInput('savedSearchId: no saved search with this ID.', 'savedSearchId');
    // Custom fields may have changed since it was saved; say so in terms of the saved filter.
    conditions.push(await filterCondition(db, organisationId, saved.filter, 'savedSearch.filter'));
  }
  // The filter's rule tree shapes the statement: unprepared, so connections keep no plan per shape.
  return paginate({ db, table: customers, where: and(...conditions), sort, page, prepare: false });
}

const savedSearchSort: SortSpec = { name: 'NAME', expr: sql`lower(${savedSearches.name}) collate "C"`, cast: 'text', direction: 'ASC' };

export function listSavedSearches(db: Db, searcher: Searcher, args: PageArgs, maxPageSize: number) {
  const page = parsePageArgs(args, savedSearchSort, maxPageSize);
  return paginate({ db, table: savedSearches, where: visibleSavedSearches(searcher.visibility.organisationId, searcher.userId), sort: savedSearchSort, page });
}

const saveSchema = z.object({
  expectedVersion: z.number().int().nullish(),
  name: requiredText(100),
  shared: z.boolean().nullish(),
});

/** A saved search the actor may change: their own. Someone else's shared one is NOT_PERMITTED; a private one NOT_FOUND. */
async function lockOwn(tx: Db, actor: Actor, id: string, expectedVersion: number | null | undefined, adminMayShared: boolean): Promise<SavedSearchRow> {
  const row = await lockForUpdate(tx, savedSearches, actor, id, expectedVersion, 'saved search');
  if (row.ownerId === actor.userId) return row;
  if (!row.shared) throw notFound(['input', 'id'], 'saved search');
  if (adminMayShared && actor.isAdmin) return row;
  throw userError(['input', 'id'], 'id: only the user who saved this search may change it.', 'NOT_PERMITTED');
}

export async function saveSearch(db: Db, actor: Actor, input: SaveSearchInput): Promise<{ savedSearch: SavedSearchRow }> {
  const fields = validate(saveSchema, input);
  if (actor.kind !== 'user') throw userError(['input'], 'Only users save searches.', 'NOT_PERMITTED');
  const ownerId = actor.userId;
  const filter = JSON.parse(JSON.stringify(input.filter)) as Record<string, unknown>;
  return db.transaction(async (tx) => {
    try {
      await compileCustomerFilter(tx, actor.organisationId, filter);
    } catch (error) {
      if (error instanceof FilterProblem) {
        const field = ['input', 'filter', ...error.path].map(String);
        throw new UserErrors([{ field, message: `${formatPath('filter', error.path)}: ${error.problem}`, code: 'INVALID' }]);
      }
      throw error;
    }
    const before = input.id != null ? await lockOwn(tx, actor, inputId(input.id, ['SavedSearch'], ['input', 'id']).id, fields.expectedVersion, false) : null;
    const [clash] = await tx
      .select({ id: savedSearches.id })
      .from(savedSearches)
      .where(
        and(
          eq(savedSearches.organisationId, actor.organisationId),
          eq(savedSearches.ownerId, before?.ownerId ?? ownerId),
          eq(savedSearches.name, fields.name),
          before ? sql`${savedSearches.id} <> ${before.id}` : undefined,
        ),
      );
    if (clash) throw userError(['input', 'name'], `name: you already have a saved search called ${JSON.stringify(fields.name)}.`, 'DUPLICATE');
    if (before) {
      const after = await writeUpdate(tx, savedSearches, before.id, { name: fields.name, shared: fields.shared ?? before.shared, filter });
      await recordAudit(tx, actor, { action: 'savedSearch.update', entityType: 'SavedSearch', entityId: after.id, before, after });
      return { savedSearch: after };
    }
    const [row] = await tx
      .insert(savedSearches)
      .values({ organisationId: actor.organisationId, ownerId, name: fields.name, shared: fields.shared ?? false, filter })
      .returning();
    await recordAudit(tx, actor, { action: 'savedSearch.create', entityType: 'SavedSearch', entityId: row!.id, after: row });
    return { savedSearch: row! };
  });
}

export async function deleteSavedSearch(db: Db, actor: Actor, id: string, expectedVersion?: number | null): Promise<{ deletedSavedSearchId: string }> {
  return db.transaction(async (tx) => {
    const before = await lockOwn(tx, actor, id, expectedVersion, true);
    await tx.delete(savedSearches).where(eq(savedSearches.id, before.id));
    await recordAudit(tx, actor, { action: 'savedSearch.delete', entityType: 'SavedSearch', entityId: before.id, before, after: null });
    return { deletedSavedSearchId: before.id };
  });
}
