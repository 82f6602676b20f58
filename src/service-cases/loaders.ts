// Lists of service cases: a customer's, an asset's and a work address's (batched across every parent
// in the request: one query for the pages, one for the counts), the organisation's with filters,
// and the notes of each case (batched the same way).
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { ServiceCaseFilter } from '../generated/graphql';
import { paginate, parsePageArgs, type PageArgs, type SortSpec } from '../graph/connection';
import type { Context } from '../graph/context';
import { viewerOf } from '../graph/context';
import { decodeIdArgument } from '../graph/ids';
import { breachedSql } from './sla';
import { serviceCaseNotes, serviceCases } from './tables';

/** Newest first, ties broken by id. */
export const caseSort: SortSpec = { name: 'CREATED_AT', expr: serviceCases.createdAt, cast: 'timestamptz', direction: 'DESC' };
/** Oldest first: a case's notes read as a conversation. */
export const noteSort: SortSpec = { name: 'CREATED_AT', expr: serviceCaseNotes.createdAt, cast: 'timestamptz', direction: 'ASC' };

type CaseArgs = PageArgs & { filter?: ServiceCaseFilter | null };

/** The filter as SQL, and a stable key naming it (so parents asking the same share one loader). */
export function caseFilterSql(filter: ServiceCaseFilter | null | undefined): { where: SQL | undefined; key: string } {
  const parts: SQL[] = [];
  const key: Record<string, unknown> = {};
  if (filter?.status != null) {
    const statuses = [...new Set(filter.status)].sort();
    parts.push(sql`${serviceCases.status}::text = any(${`{${statuses.join(',')}}`}::text[])`);
    key.status = statuses;
  }
  if (filter?.priority != null) {
    const priorities = [...new Set(filter.priority)].sort();
    parts.push(sql`${serviceCases.priority}::text = any(${`{${priorities.join(',')}}`}::text[])`);
    key.priority = priorities;
  }
  if (filter?.assigneeId != null) {
    const { id } = decodeIdArgument(filter.assigneeId, ['User'], 'filter.assigneeId');
    parts.push(eq(serviceCases.assigneeUserId, id));
    key.assigneeId = id;
  }
  if (filter?.breached != null) {
    parts.push(filter.breached ? breachedSql : sql`not ${breachedSql}`);
    key.breached = filter.breached;
  }
  return { where: parts.length ? and(...parts) : undefined, key: JSON.stringify(key) };
}

const parents: Record<'customer' | 'asset' | 'workAddress', PgColumn> = {
  customer: serviceCases.customerId,
  asset: serviceCases.assetId,
  workAddress: serviceCases.workAddressId,
};

export function serviceCasesOf(ctx: Context, parent: keyof typeof parents, parentId: string, args: CaseArgs) {
  const { where, key } = caseFilterSql(args.filter);
  return ctx.loaders
    .childPage({
      table: serviceCases,
      parentColumn: parents[parent],
      where,
      name: `${parent}.serviceCases:${key}`,
      sort: caseSort,
      page: parsePageArgs(args, caseSort, ctx.config.maxPageSize),
    })
    .load(parentId);
}

/** The organisation's cases, among the customers the viewer sees. */
export function serviceCasesPage(ctx: Context, args: CaseArgs) {
  const { where } = caseFilterSql(args.filter);
  return paginate({
    db: ctx.db,
    table: serviceCases,
    where: and(eq(serviceCases.organisationId, viewerOf(ctx).organisationId), where, ctx.visibility.rows(serviceCases)),
    sort: caseSort,
    page: parsePageArgs(args, caseSort, ctx.config.maxPageSize),
  });
}

export function caseNotesPage(ctx: Context, caseId: string, args: PageArgs) {
  return ctx.loaders
    .childPage({
      table: serviceCaseNotes,
      parentColumn: serviceCaseNotes.caseId,
      where: undefined,
      name: 'serviceCase.notes',
      sort: noteSort,
      page: parsePageArgs(args, noteSort, ctx.config.maxPageSize),
    })
    .load(caseId);
}
