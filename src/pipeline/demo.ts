// The demo organisation's pipeline: a few leads with a SENT quote whose lines name assets, so the
// lead → customer → assets path (signQuote, then salesOrderConversionPreview and
// convertSalesOrderToAssets) can be tried in GraphiQL straight away; and jobs at a few customers'
// properties in every state of the work lifecycle.
import { and, asc, eq, inArray } from 'drizzle-orm';
import { assetGroups, assetModels } from '../assets/tables';
import { systemActor } from '../auth/actor';
import { customers, customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { toGlobalId } from '../graph/ids';
import { leads } from '../leads/tables';
import { createWorkAddress } from '../work-addresses/service';
import { abortJob, completeJob, scheduleJob } from './job-lifecycle';
import { createJob } from './jobs';
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

/**
 * A property of each of the first customers that may take new work, with a job in every state of the
 * work lifecycle (docs/domain.md#the-work-lifecycle): to do, booked, done, attended but not done — so
 * scheduleJob, completeJob, abortJob, cancelJob and markJobFreeOfCharge can be tried on real rows.
 */
export async function createDemoWorkLifecycle(db: Db, organisationId: string, count = 3): Promise<void> {
  const actor = systemActor(organisationId, 'demo work lifecycle');
  const rows = await db
    .select({ id: customers.id, name: customers.name })
    .from(customers)
    .innerJoin(customerStatuses, eq(customerStatuses.id, customers.statusId))
    .where(and(eq(customers.organisationId, organisationId), eq(customerStatuses.allowsNewWork, true)))
    .orderBy(asc(customers.name))
    .limit(count);
  const day = 24 * 60 * 60 * 1000;
  for (const [i, customer] of rows.entries()) {
    const customerId = toGlobalId('Customer', customer.id);
    const { workAddress } = await createWorkAddress(db, actor, {
      customerId,
      line1: `${12 + i} Orchard Row`,
      town: 'Bristol',
      postcode: `BS${i + 3} 4QT`,
      preferences: 'Key with the neighbour at number 10',
    });
    const workAddressId = toGlobalId('WorkAddress', workAddress.id);
    const job = async (description: string) => {
      const { job: made } = await createJob(db, actor, { customerId, workAddressId, description }, false);
      return { id: made.id, input: { id: toGlobalId('Job', made.id) } };
    };
    await job('Annual boiler service');
    const booked = await job('Replace thermostatic radiator valves');
    await scheduleJob(db, actor, booked.id, { ...booked.input, scheduledFor: new Date(Date.now() + (3 + i) * day) });
    const done = await job('Gas safety check');
    await completeJob(db, actor, done.id, { ...done.input, outcome: 'Passed: certificate issued', completedAt: new Date(Date.now() - (10 + i) * day) }, true);
    const attended = await job('Power flush of the heating system');
    await scheduleJob(db, actor, attended.id, { ...attended.input, scheduledFor: new Date(Date.now() - 2 * day) });
    await abortJob(db, actor, attended.id, { ...attended.input, reason: 'No access: nobody home at the booked time' });
  }
}
