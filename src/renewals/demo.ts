// The demo organisation's renewals: the first asset due for renewal within two months and linked to
// a renewal opportunity, and an expiry (a contract with another supplier) ending next month from
// which no opportunity has been raised yet, so `expiringSoon(withinDays: 60)` and
// `raiseOpportunityFromExpiry` can be tried in GraphiQL straight away.
import { asc, eq } from 'drizzle-orm';
import { createExpiry } from '../activity/service';
import { assets } from '../assets/tables';
import { systemActor } from '../auth/actor';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { toGlobalId } from '../graph/ids';
import { createOpportunity } from '../pipeline/opportunities';
import { linkAssetToOpportunity } from './service';

const inDays = (days: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days)).toISOString().slice(0, 10);
};

export async function createDemoRenewals(db: Db, organisationId: string): Promise<void> {
  const actor = systemActor(organisationId, 'demo renewals');
  const [asset] = await db.select().from(assets).where(eq(assets.organisationId, organisationId)).orderBy(asc(assets.createdAt), asc(assets.id)).limit(1);
  if (asset) {
    await db
      .update(assets)
      .set({ renewalDate: inDays(45) })
      .where(eq(assets.id, asset.id));
    const { opportunity } = await createOpportunity(db, actor, {
      recordId: toGlobalId('Customer', asset.customerId),
      name: 'Boiler renewal',
      value: { amountMinor: 240_000 },
      expectedCloseDate: inDays(30),
    });
    await linkAssetToOpportunity(db, actor, {
      assetId: toGlobalId('Asset', asset.id),
      opportunityId: toGlobalId('Opportunity', opportunity.id),
      kind: 'RENEWAL',
    });
  }
  const [customer] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(eq(customers.organisationId, organisationId))
    .orderBy(asc(customers.name))
    .limit(1);
  if (customer) {
    await createExpiry(db, actor, {
      ownerId: toGlobalId('Customer', customer.id),
      supplier: 'HomeServe',
      description: 'Boiler and central heating cover',
      endsOn: inDays(35),
      notes: 'Paying £18 a month; open to a service plan with us.',
    });
  }
}
