// The demo organisation's service cases: a few on the first customers (one about an asset, one
// assigned to the service user, one past its response deadline), so GraphiQL shows cases, notes,
// the breach state and the `serviceCases(filter: { breached: true })` list straight away.
import { and, asc, eq, sql } from 'drizzle-orm';
import { assets } from '../assets/tables';
import { systemActor } from '../auth/actor';
import { customers } from '../customers/tables';
import type { Db } from '../db/client';
import { toGlobalId } from '../graph/ids';
import { users } from '../tenancy/tables';
import { addServiceCaseNote, changeServiceCaseStatus, openServiceCase } from './service';
import { serviceCases } from './tables';

export async function createDemoServiceCases(db: Db, organisationId: string): Promise<void> {
  const actor = systemActor(organisationId, 'demo service cases');
  const [withAsset] = await db.select().from(assets).where(eq(assets.organisationId, organisationId)).orderBy(asc(assets.createdAt), asc(assets.id)).limit(1);
  const firstCustomers = await db
    .select({ id: customers.id })
    .from(customers)
    .where(eq(customers.organisationId, organisationId))
    .orderBy(asc(customers.name))
    .limit(3);
  const [engineer] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.organisationId, organisationId), eq(users.role, 'SERVICE')))
    .limit(1);
  const assigneeId = engineer ? toGlobalId('User', engineer.id) : null;
  if (withAsset) {
    const { serviceCase } = await openServiceCase(db, actor, {
      customerId: toGlobalId('Customer', withAsset.customerId),
      assetId: toGlobalId('Asset', withAsset.id),
      subject: 'Boiler loses pressure every few days',
      description: 'The customer tops it up weekly; the pressure gauge drops below 1 bar.',
      priority: 'HIGH',
      assigneeId,
    });
    const id = toGlobalId('ServiceCase', serviceCase.id);
    await changeServiceCaseStatus(db, actor, serviceCase.id, { id, status: 'IN_PROGRESS', note: 'Engineer booked for a pressure test.' });
  }
  for (const [i, customer] of firstCustomers.entries()) {
    const { serviceCase } = await openServiceCase(db, actor, {
      customerId: toGlobalId('Customer', customer.id),
      subject: ['Invoice query about the last service visit', 'No hot water since Monday', 'Request for a copy of the gas safety certificate'][i]!,
      priority: (['LOW', 'URGENT', 'NORMAL'] as const)[i],
      assigneeId: i === 1 ? assigneeId : null,
    });
    if (i === 1) {
      // Opened three hours ago and still not responded to: past its one-hour URGENT response deadline.
      await db
        .update(serviceCases)
        .set({
          createdAt: sql`now() - interval '3 hours'`,
          respondBy: sql`now() - interval '2 hours'`,
          resolveBy: sql`now() + interval '5 hours'`,
        })
        .where(eq(serviceCases.id, serviceCase.id));
      await addServiceCaseNote(db, actor, serviceCase.id, {
        id: toGlobalId('ServiceCase', serviceCase.id),
        body: 'Customer called twice; no engineer free yet.',
      });
    }
  }
}
