// Who may do what in this area: merged into the one rule tree (src/auth/permissions.ts).
import { allow } from 'graphql-shield';
import type { AreaRules } from '../auth/area-rules';
import { sellers } from '../auth/roles';
import { hasRole, isUser } from '../auth/rules';
import { pipelineRules } from '../pipeline/rules';

/** Whoever may change an opportunity may say what it renews, and raise one: the pipeline's sellers. */
const opportunityWriters = hasRole(sellers);

export const renewalsRules: AreaRules = {
  Query: { expiringSoon: isUser },
  Mutation: {
    linkAssetToOpportunity: opportunityWriters,
    unlinkAssetFromOpportunity: opportunityWriters,
    raiseOpportunityFromExpiry: pipelineRules.Mutation!.createOpportunity!,
  },
  // Reached through an asset, an opportunity or an expiry (whose own rules and visibility decide), or
  // expiringSoon (users, each item through the visibility layer). Not for portal tokens.
  types: {
    AssetRenewal: isUser,
    OpportunityAsset: isUser,
    ExpiringItem: isUser,
    ExpiringItemConnection: allow,
    ExpiringItemEdge: allow,
    AssetOpportunityLinkPayload: allow,
    RaiseOpportunityFromExpiryPayload: allow,
  },
  // Asset, Opportunity and Expiry each have one rule for the whole type (their areas'), which covers
  // the fields added here: Asset.renewals, Opportunity.assets and .expiry, Expiry.opportunity.
};
