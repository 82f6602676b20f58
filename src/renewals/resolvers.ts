// GraphQL resolvers for renewals and upgrades: thin, over the service and the loaders.
import { actorOf } from '../audit/actor';
import type { Resolvers } from '../generated/graphql';
import { payload } from '../graph/user-errors';
import { assetsOfOpportunity, expiringSoonPage, expiryLinkOfOpportunity, opportunityLinkOfExpiry, renewalsOf } from './loaders';
import { linkAssetToOpportunity, raiseOpportunityFromExpiry, unlinkAssetFromOpportunity } from './service';

export const renewalsResolvers: Resolvers = {
  Asset: {
    renewals: (a, _args, ctx) => renewalsOf(ctx, a.id),
  },
  AssetRenewal: {
    opportunity: (r, _a, ctx) => (r.opportunityId ? ctx.loaders.byId('Opportunity').load(r.opportunityId) : null),
    quote: (r, _a, ctx) => (r.quoteId ? ctx.loaders.byId('Quote').load(r.quoteId) : null),
  },
  Opportunity: {
    assets: async (o, _args, ctx) => {
      const links = await assetsOfOpportunity(ctx, o.id);
      const rows = await Promise.all(links.map((l) => ctx.loaders.byId('Asset').load(l.assetId)));
      return links.flatMap((l, i) => (rows[i] ? [{ kind: l.kind, createdAt: l.createdAt, asset: rows[i] }] : []));
    },
    expiry: async (o, _args, ctx) => {
      const link = await expiryLinkOfOpportunity(ctx, o.id);
      return link ? ctx.loaders.byId('Expiry').load(link.expiryId) : null;
    },
  },
  Expiry: {
    opportunity: async (e, _args, ctx) => {
      const link = await opportunityLinkOfExpiry(ctx, e.id);
      return link ? ctx.loaders.byId('Opportunity').load(link.opportunityId) : null;
    },
  },
  ExpiringItem: {
    expiry: (item, _a, ctx) => (item.kind === 'EXPIRY' ? ctx.loaders.byId('Expiry').load(item.id) : null),
    asset: (item, _a, ctx) => (item.kind === 'ASSET' ? ctx.loaders.byId('Asset').load(item.id) : null),
    customer: (item, _a, ctx) => (item.customerId ? ctx.loaders.byId('Customer').load(item.customerId) : null),
    lead: (item, _a, ctx) => (item.leadId ? ctx.loaders.byId('Lead').load(item.leadId) : null),
  },
  Query: {
    expiringSoon: (_p, args, ctx) => expiringSoonPage(ctx, args),
  },
  Mutation: {
    linkAssetToOpportunity: (_p, { input }, ctx) => payload(() => linkAssetToOpportunity(ctx.db, actorOf(ctx), input), { asset: null, opportunity: null }),
    unlinkAssetFromOpportunity: (_p, { input }, ctx) =>
      payload(() => unlinkAssetFromOpportunity(ctx.db, actorOf(ctx), input), { asset: null, opportunity: null }),
    raiseOpportunityFromExpiry: (_p, { input }, ctx) =>
      payload(() => raiseOpportunityFromExpiry(ctx.db, actorOf(ctx), input), { opportunity: null, expiry: null }),
  },
};
