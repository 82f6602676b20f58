// Reads for renewals and upgrades, batched per request: an asset's renewals (its opportunity links
// and the quote lines naming it, in one query for every asset asked about), an opportunity's assets
// and expiry, an expiry's opportunity, and the `expiringSoon` list, which pages expiries and assets
// as one list by keyset.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { expiries } from '../activity/tables';
import { assets } from '../assets/tables';
import { selectRows } from '../db/client';
import type { ExpiringKind } from '../generated/graphql';
import { buildConnection, parsePageArgs, uuidArray, type PageArgs, type SortSpec, type WithSortKey } from '../graph/connection';
import type { Context } from '../graph/context';
import { viewerOf } from '../graph/context';
import { badUserInput } from '../graph/errors';
import { quoteLines, quotes } from '../pipeline/tables';
import { assetOpportunityLinks, expiryOpportunities } from './tables';

export type AssetRenewalRow = {
  kind: 'RENEWAL' | 'UPGRADE';
  opportunityId: string | null;
  quoteId: string | null;
  quoteLinePosition: number | null;
  createdAt: Date;
};

/** Per asset: its opportunity links and the quote lines naming it, newest first. */
export function renewalsOf(ctx: Context, assetId: string): Promise<AssetRenewalRow[]> {
  const organisationId = viewerOf(ctx).organisationId;
  return ctx.loaders
    .batch<AssetRenewalRow[]>('asset.renewals', async (assetIds) => {
      const ids = uuidArray(assetIds);
      const rows = await selectRows<{
        asset_id: string;
        kind: 'RENEWAL' | 'UPGRADE';
        opportunity_id: string | null;
        quote_id: string | null;
        position: number | null;
        created_at: string | Date;
      }>(
        ctx.db,
        sql`
        select ${assetOpportunityLinks.assetId} as asset_id, ${assetOpportunityLinks.kind}::text as kind, ${assetOpportunityLinks.opportunityId} as opportunity_id,
               null::uuid as quote_id, null::int as position, ${assetOpportunityLinks.createdAt} as created_at
          from ${assetOpportunityLinks}
         where ${assetOpportunityLinks.assetId} = any(${ids}) and ${assetOpportunityLinks.organisationId} = ${organisationId}
        union all
        select ${quoteLines.assetId}, ${quoteLines.assetLinkKind}::text, ${quotes.opportunityId}, ${quotes.id}, ${quoteLines.position}, ${quotes.createdAt}
          from ${quoteLines} join ${quotes} on ${quotes.id} = ${quoteLines.quoteId}
         where ${quoteLines.assetId} = any(${ids}) and ${quoteLines.organisationId} = ${organisationId}
        order by created_at desc, position nulls first`,
      );
      const byAsset = new Map<string, AssetRenewalRow[]>();
      for (const r of rows) {
        const list = byAsset.get(r.asset_id) ?? [];
        list.push({
          kind: r.kind,
          opportunityId: r.opportunity_id,
          quoteId: r.quote_id,
          quoteLinePosition: r.position,
          createdAt: new Date(r.created_at),
        });
        byAsset.set(r.asset_id, list);
      }
      return assetIds.map((id) => byAsset.get(id) ?? []);
    })
    .load(assetId);
}

export const assetsOfOpportunity = (ctx: Context, opportunityId: string) =>
  ctx.loaders
    .allByParent(assetOpportunityLinks, assetOpportunityLinks.opportunityId, [assetOpportunityLinks.createdAt, assetOpportunityLinks.id], 'opportunity.assets')
    .load(opportunityId);

export const expiryLinkOfOpportunity = (ctx: Context, opportunityId: string) =>
  ctx.loaders.oneByParent(expiryOpportunities, expiryOpportunities.opportunityId, sql`true`, 'opportunity.expiry').load(opportunityId);

export const opportunityLinkOfExpiry = (ctx: Context, expiryId: string) =>
  ctx.loaders.oneByParent(expiryOpportunities, expiryOpportunities.expiryId, sql`true`, 'expiry.opportunity').load(expiryId);

// --- expiringSoon ---

export type ExpiringItemRow = {
  id: string;
  kind: ExpiringKind;
  endsOn: string;
  customerId: string | null;
  leadId: string | null;
};

/**
 * Soonest first; on one day expiries before assets, then by id. The key is the day number doubled,
 * plus one for assets: one integer, so the cursor compares it exactly.
 */
const expiringSort: SortSpec = { name: 'ENDS_ON', expr: sql.raw('sort_key'), cast: 'bigint', direction: 'ASC' };

export const MAX_WITHIN_DAYS = 3660;

/** Today, as the server's clock says (UTC), plus `days`. */
function dayFromToday(days: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days)).toISOString().slice(0, 10);
}

export type ExpiringArgs = PageArgs & { withinDays?: number | null; from?: string | null; to?: string | null; kind?: ExpiringKind | null };

/** The window of `expiringSoon`: `withinDays` from today, or `from`–`to`. */
export function expiringWindow(args: ExpiringArgs): { from: string; to: string } {
  const range = args.from != null || args.to != null;
  if (args.withinDays != null && range) throw badUserInput('Pass either `withinDays` or `from` and `to`, not both.', 'withinDays');
  if (args.withinDays != null) {
    if (args.withinDays < 0 || args.withinDays > MAX_WITHIN_DAYS) throw badUserInput(`withinDays must be between 0 and ${MAX_WITHIN_DAYS}.`, 'withinDays');
    return { from: dayFromToday(0), to: dayFromToday(args.withinDays) };
  }
  if (args.from == null || args.to == null) throw badUserInput('Pass `withinDays`, or both `from` and `to`.', args.from == null ? 'from' : 'to');
  if (args.from > args.to) throw badUserInput(`to: ${args.to} is before from (${args.from}).`, 'to');
  return { from: args.from, to: args.to };
}

export async function expiringSoonPage(ctx: Context, args: ExpiringArgs) {
  const { from, to } = expiringWindow(args);
  const page = parsePageArgs(args, expiringSort, ctx.config.maxPageSize);
  const organisationId = viewerOf(ctx).organisationId;
  const day = (column: SQL | typeof expiries.endsOn | typeof assets.renewalDate) => sql`(${column}::date - date '2000-01-01')`;
  const parts: SQL[] = [];
  if (args.kind !== 'ASSET') {
    parts.push(sql`select ${expiries.id} as id, 'EXPIRY' as kind, ${expiries.endsOn}::text as ends_on, ${expiries.customerId} as customer_id,
        ${expiries.leadId} as lead_id, (${day(expiries.endsOn)} * 2)::bigint as sort_key
      from ${expiries}
      where ${and(eq(expiries.organisationId, organisationId), sql`${expiries.endsOn} between ${from}::date and ${to}::date`, ctx.visibility.rows(expiries))}`);
  }
  if (args.kind !== 'EXPIRY') {
    parts.push(sql`select ${assets.id} as id, 'ASSET' as kind, ${assets.renewalDate}::text as ends_on, ${assets.customerId} as customer_id,
        null::uuid as lead_id, (${day(assets.renewalDate)} * 2 + 1)::bigint as sort_key
      from ${assets}
      where ${and(eq(assets.organisationId, organisationId), sql`${assets.renewalDate} between ${from}::date and ${to}::date`, ctx.visibility.rows(assets))}`);
  }
  const items = sql`(${sql.join(parts, sql` union all `)}) as items`;
  const direction = sql.raw(page.backwards ? 'desc' : 'asc');
  const beyond = page.cursor ? sql`where (sort_key, id) ${sql.raw(page.backwards ? '<' : '>')} (${page.cursor.key}::bigint, ${page.cursor.id}::uuid)` : sql``;
  const rows =
    page.limit === 0
      ? []
      : await selectRows<{ id: string; kind: ExpiringKind; ends_on: string; customer_id: string | null; lead_id: string | null; sort_key: string }>(
          ctx.db,
          sql`select id, kind, ends_on, customer_id, lead_id, sort_key::text as sort_key from ${items} ${beyond}
              order by sort_key ${direction}, id ${direction} limit ${page.limit + 1}`,
        );
  const nodes: Array<WithSortKey<ExpiringItemRow>> = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    endsOn: r.ends_on,
    customerId: r.customer_id,
    leadId: r.lead_id,
    _sortKey: r.sort_key,
  }));
  const totalCount = async () => {
    const [row] = await selectRows<{ count: number }>(ctx.db, sql`select count(*)::int as count from ${items}`);
    return row?.count ?? 0;
  };
  return buildConnection<ExpiringItemRow>(nodes, expiringSort, page, totalCount);
}
