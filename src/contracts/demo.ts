// The demo organisation's service agreements, so GraphiQL has them to show: two SLAs (Standard and
// Gold), a service plan held by a demo customer for its property, a contract granting Gold that is
// due for renewal next month, and open jobs with SLA deadlines, one raised three days ago whose
// response deadline has been missed (slaBreaches lists it). The customers picked are the first by
// name whose status allows new work and who have no agreements yet.
import { and, asc, eq, sql } from 'drizzle-orm';
import { systemActor } from '../auth/actor';
import { customers, customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { toGlobalId } from '../graph/ids';
import { createJob } from '../pipeline/jobs';
import { jobs } from '../pipeline/tables';
import { assignServicePlan, createServicePlan } from '../service-plans/service';
import { createSla, setCustomerSla } from '../slas/service';
import { jobPriorities } from '../slas/tables';
import { createWorkAddress } from '../work-addresses/service';
import { workAddresses } from '../work-addresses/tables';
import { addMonths, createContract } from './service';

const targets = (hours: Record<(typeof jobPriorities)[number], [number, number]>) =>
  jobPriorities.map((priority) => ({ priority, responseHours: hours[priority][0], resolutionHours: hours[priority][1] }));

/** The customer's first work address, or a new one at `line1`. */
async function propertyOf(db: Db, actor: ReturnType<typeof systemActor>, customerId: string, line1: string): Promise<string> {
  const [existing] = await db
    .select({ id: workAddresses.id })
    .from(workAddresses)
    .where(eq(workAddresses.customerId, customerId))
    .orderBy(asc(workAddresses.createdAt))
    .limit(1);
  if (existing) return existing.id;
  const { workAddress } = await createWorkAddress(db, actor, { customerId: toGlobalId('Customer', customerId), line1, town: 'Leeds', postcode: 'LS1 4AP' });
  return workAddress.id;
}

export async function createDemoAgreements(db: Db, organisationId: string, today = new Date()): Promise<void> {
  const actor = systemActor(organisationId, 'demo agreements');
  const picked = await db
    .select({ id: customers.id, name: customers.name })
    .from(customers)
    .innerJoin(customerStatuses, eq(customerStatuses.id, customers.statusId))
    .where(and(eq(customers.organisationId, organisationId), eq(customerStatuses.allowsNewWork, true), eq(customerStatuses.isDormant, false)))
    .orderBy(asc(customers.name))
    .limit(2);
  if (picked.length < 2) return;
  const [planHolder, contractHolder] = picked as [{ id: string; name: string }, { id: string; name: string }];

  const { sla: standard } = await createSla(db, actor, {
    name: 'Standard',
    targets: targets({ LOW: [72, 336], NORMAL: [24, 120], HIGH: [8, 48], URGENT: [4, 24] }),
  });
  const { sla: gold } = await createSla(db, actor, { name: 'Gold', targets: targets({ LOW: [24, 120], NORMAL: [8, 48], HIGH: [4, 24], URGENT: [2, 8] }) });

  // A plan, held by the first customer for its property, with the Standard SLA of its own.
  const { servicePlan } = await createServicePlan(db, actor, {
    name: 'Boiler care',
    tasks: ['Service the boiler to the manufacturer’s schedule', 'Check the flue and ventilation', 'Test the carbon monoxide alarm'],
    materials: [
      { description: 'Filter cartridge', quantity: 1 },
      { description: 'Seal kit', quantity: 1 },
    ],
    price: { amountMinor: 1_450 },
    billingFrequency: 'MONTHLY',
    warrantyMonths: 12,
  });
  const todayIso = today.toISOString().slice(0, 10);
  const planProperty = await propertyOf(db, actor, planHolder.id, '14 Park Row');
  await assignServicePlan(db, actor, {
    customerId: toGlobalId('Customer', planHolder.id),
    planId: toGlobalId('ServicePlan', servicePlan.id),
    startDate: addMonths(todayIso, -11),
    expiryDate: addMonths(todayIso, 1),
    workAddressIds: [toGlobalId('WorkAddress', planProperty)],
  });
  await setCustomerSla(db, actor, { customerId: toGlobalId('Customer', planHolder.id), slaId: toGlobalId('Sla', standard.id) });

  // A contract granting Gold, a year old and due for renewal in three weeks.
  const renewal = new Date(today.getTime() + 21 * 86_400_000).toISOString().slice(0, 10);
  await createContract(db, actor, {
    customerId: toGlobalId('Customer', contractHolder.id),
    reference: 'MC-1001 Planned maintenance',
    termMonths: 12,
    startDate: addMonths(renewal, -12),
    renewalDate: renewal,
    autoRenew: false,
    pricingTerms: 'Quarterly in advance by direct debit; call-outs included.',
    price: { amountMinor: 18_000 },
    billingFrequency: 'QUARTERLY',
    slaId: toGlobalId('Sla', gold.id),
  });

  // Open jobs with deadlines: one for each customer now, and one raised three days ago, past its deadlines.
  const contractProperty = await propertyOf(db, actor, contractHolder.id, '2 Wellington Street');
  const job = (customerId: string, workAddressId: string, description: string, priority: 'NORMAL' | 'HIGH' | 'URGENT') =>
    createJob(
      db,
      actor,
      { customerId: toGlobalId('Customer', customerId), workAddressId: toGlobalId('WorkAddress', workAddressId), description, priority },
      true,
    );
  await job(planHolder.id, planProperty, 'Annual boiler service', 'NORMAL');
  await job(contractHolder.id, contractProperty, 'Radiators cold upstairs', 'HIGH');
  const { job: late } = await job(contractHolder.id, contractProperty, 'No heating or hot water', 'URGENT');
  // Back-dated as though raised three days ago: Gold's URGENT hours (2 to respond, 8 to resolve) have passed.
  await db
    .update(jobs)
    .set({
      createdAt: sql`${jobs.createdAt} - interval '3 days'`,
      updatedAt: sql`${jobs.updatedAt} - interval '3 days'`,
      respondBy: sql`${jobs.respondBy} - interval '3 days'`,
      resolveBy: sql`${jobs.resolveBy} - interval '3 days'`,
    })
    .where(eq(jobs.id, late.id));
}
