// The demo organisation's pipeline: a few leads with a SENT quote whose lines name assets, so the
// lead → customer → assets path (signQuote, then salesOrderConversionPreview and
// convertSalesOrderToAssets) can be tried in GraphiQL straight away.
import { and, asc, eq, inArray } from 'drizzle-orm';
import { assetGroups, assetModels } from '../assets/tables';
import { systemActor } from '../auth/actor';
import type { Db } from '../db/client';
import { toGlobalId } from '../graph/ids';
import { leads } from '../leads/tables';
import { createOpportunity } from './opportunities';
import { createQuote, sendQuote } from './quotes';

export async function createDemoPipeline(db: Db, organisationId: string, count = 3): Promise<void> {
  const actor = systemActor(organisationId, 'demo pipeline');
  const [boilers] = await db
    .select()
    .from(assetGroups)
    .where(and(eq(assetGroups.organisationId, organisationId), eq(assetGroups.name, 'Boilers')));
  const [model] = await db
    .select()
    .from(assetModels)
    .where(and(eq(assetModels.organisationId, organisationId), eq(assetModels.name, 'Greenstar 30i')));
  const open = await db
    .select({ id: leads.id, name: leads.name })
    .from(leads)
    .where(and(eq(leads.organisationId, organisationId), inArray(leads.status, ['QUALIFIED', 'CONTACTED'])))
    .orderBy(asc(leads.name))
    .limit(count);
  for (const lead of open) {
    const recordId = toGlobalId('Lead', lead.id);
    const { opportunity } = await createOpportunity(db, actor, { recordId, name: `New boiler for ${lead.name}`, value: { amountMinor: 285_000 } });
    const { quote } = await createQuote(db, actor, {
      recordId,
      opportunityId: toGlobalId('Opportunity', opportunity.id),
      lines: [
        {
          description: 'Worcester Bosch Greenstar 30i combination boiler',
          quantity: '1',
          unitPriceMinor: 195_000,
          taxRatePercent: 20,
          assetGroupId: boilers ? toGlobalId('AssetGroup', boilers.id) : null,
          assetMakeId: model ? toGlobalId('AssetMake', model.makeId) : null,
          assetModelId: model ? toGlobalId('AssetModel', model.id) : null,
        },
        { description: 'Installation (hours)', quantity: '12', unitPriceMinor: 7_500, taxRatePercent: 20 },
      ],
    });
    await sendQuote(db, actor, quote.id, { id: toGlobalId('Quote', quote.id) });
  }
}
