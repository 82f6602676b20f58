// Renewals and upgrades (docs/domain.md#renewals-and-upgrades): which opportunities renew or upgrade
// which of a customer's assets, and which opportunity was raised from an expiry (a contract the lead
// or customer holds with another supplier). Quote lines carry their asset themselves
// (src/pipeline/tables.ts). Both link tables join rows of one customer (or lead) and go with either
// end: a merge moves both ends to the survivor, so a link never crosses customers.
import { sql } from 'drizzle-orm';
import { index, pgTable, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { expiries } from '../activity/tables';
import { assetLinkKindEnum, assets } from '../assets/tables';
import { id, organisationId } from '../db/columns';
import { opportunities } from '../pipeline/tables';
import { users } from '../tenancy/tables';

const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .default(sql`clock_timestamp()`);

/** An opportunity that renews or upgrades one of the customer's assets (one link per pair). */
export const assetOpportunityLinks = pgTable(
  'asset_opportunity_links',
  {
    id: id(),
    organisationId: organisationId(),
    assetId: uuid('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    opportunityId: uuid('opportunity_id')
      .notNull()
      .references(() => opportunities.id, { onDelete: 'cascade' }),
    kind: assetLinkKindEnum('kind').notNull(),
    linkedByUserId: uuid('linked_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('asset_opportunity_links_pair_key').on(t.assetId, t.opportunityId), index('asset_opportunity_links_opportunity_idx').on(t.opportunityId)],
);

/** The opportunity raised from an expiry: at most one per expiry, and an opportunity comes from at most one. */
export const expiryOpportunities = pgTable(
  'expiry_opportunities',
  {
    id: id(),
    organisationId: organisationId(),
    expiryId: uuid('expiry_id')
      .notNull()
      .references(() => expiries.id, { onDelete: 'cascade' }),
    opportunityId: uuid('opportunity_id')
      .notNull()
      .references(() => opportunities.id, { onDelete: 'cascade' }),
    raisedByUserId: uuid('raised_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('expiry_opportunities_expiry_key').on(t.expiryId), uniqueIndex('expiry_opportunities_opportunity_key').on(t.opportunityId)],
);

export type AssetOpportunityLinkRow = typeof assetOpportunityLinks.$inferSelect;
export type ExpiryOpportunityRow = typeof expiryOpportunities.$inferSelect;
