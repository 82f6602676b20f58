// Lists and batched reads of SLAs: the organisation's SLAs, each customer's own SLA (one query for
// every customer in the request), and the jobs whose SLA deadline has passed unmet.
import { and, eq, sql } from 'drizzle-orm';
import type { SlaBreachKind } from '../generated/graphql';
import { paginate, parsePageArgs, uuidArray, type PageArgs, type SortSpec } from '../graph/connection';
import { viewerOf, type Context } from '../graph/context';
import { jobs } from '../pipeline/tables';
import { customerSlas, slas, type SlaRow } from './tables';

/** By name, ignoring case. */
const slaSort: SortSpec = { name: 'NAME', expr: sql`lower(${slas.name}) collate "C"`, cast: 'text', direction: 'ASC' };

export function slasPage(ctx: Context, args: PageArgs & { includeArchived?: boolean | null }) {
  return paginate({
    db: ctx.db,
    table: slas,
    where: and(eq(slas.organisationId, viewerOf(ctx).organisationId), args.includeArchived ? undefined : eq(slas.archived, false)),
    sort: slaSort,
    page: parsePageArgs(args, slaSort, ctx.config.maxPageSize),
  });
}

/** The SLA each customer holds of its own (the newest given, should a merge have left several). */
export function customerSla(ctx: Context, customerId: string): Promise<SlaRow | null> {
  const organisationId = viewerOf(ctx).organisationId;
  return ctx.loaders
    .batch('customer.sla', async (customerIds) => {
      const rows = await ctx.db
        .selectDistinctOn([customerSlas.customerId], { customerId: customerSlas.customerId, sla: slas })
        .from(customerSlas)
        .innerJoin(slas, eq(slas.id, customerSlas.slaId))
        .where(and(eq(customerSlas.organisationId, organisationId), sql`${customerSlas.customerId} = any(${uuidArray(customerIds)})`))
        .orderBy(customerSlas.customerId, sql`${customerSlas.createdAt} desc`, sql`${customerSlas.id} desc`);
      const byCustomer = new Map(rows.map((r) => [r.customerId, r.sla]));
      return customerIds.map((id) => byCustomer.get(id) ?? null);
    })
    .load(customerId);
}

/**
 * Each kind's unmet deadline and its sort: most overdue (the earliest deadline) first. The conditions
 * are those of the partial indexes `jobs_response_due_idx` and `jobs_resolution_due_idx`
 * (src/pipeline/tables.ts), so a page is one index range scan.
 */
const breaches = {
  RESPONSE: {
    sort: { name: 'RESPOND_BY', expr: jobs.respondBy, cast: 'timestamptz', direction: 'ASC' } satisfies SortSpec,
    unmet: sql`${jobs.respondBy} is not null and ${jobs.respondedAt} is null and ${jobs.respondBy} < now()`,
  },
  RESOLUTION: {
    sort: { name: 'RESOLVE_BY', expr: jobs.resolveBy, cast: 'timestamptz', direction: 'ASC' } satisfies SortSpec,
    unmet: sql`${jobs.resolveBy} is not null and ${jobs.resolvedAt} is null and ${jobs.resolveBy} < now()`,
  },
} as const;

/** The jobs whose `kind` deadline has passed unmet, among the customers the viewer sees. */
export function slaBreachesPage(ctx: Context, kind: SlaBreachKind, args: PageArgs) {
  const { sort, unmet } = breaches[kind];
  return paginate({
    db: ctx.db,
    table: jobs,
    where: and(eq(jobs.organisationId, viewerOf(ctx).organisationId), unmet, ctx.visibility.rows(jobs)),
    sort,
    page: parsePageArgs(args, sort, ctx.config.maxPageSize),
  });
}
