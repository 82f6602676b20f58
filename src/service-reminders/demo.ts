// The demo organisation's service reminders, so a newcomer can try the due list and a batch decision in
// GraphiQL: three reminder types, a work address or two at each of a dozen customers that may be sent
// reminders, and reminders on them with due dates around today: some overdue (last month and earlier
// this month), some later this month, some next month and beyond.
//   dueServiceReminders(from: <1st of this month>, to: <last day>) { nodes { id dueDate } }
//   decideServiceReminders(input: { items: [{ reminderId: …, decision: AUTHORISE, accessMethod: OCCUPIER }] })
import { and, asc, eq } from 'drizzle-orm';
import { customers, customerStatuses } from '../customers/tables';
import type { Db } from '../db/client';
import { workAddresses } from '../work-addresses/tables';
import { serviceReminders, serviceReminderTypes } from './tables';

const STREETS = ['Mill Lane', 'Station Road', 'Church Street', 'Park Avenue', 'Victoria Road', 'Queens Road'];

/** Today (UTC) plus `days`, as YYYY-MM-DD. */
function day(days: number, from = new Date()): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + days));
  return d.toISOString().slice(0, 10);
}

export async function createDemoServiceReminders(db: Db, organisationId: string, count = 12): Promise<void> {
  await db.transaction(async (tx) => {
    const sendable = await tx
      .select({ id: customers.id, name: customers.name })
      .from(customers)
      .innerJoin(customerStatuses, eq(customerStatuses.id, customers.statusId))
      .where(and(eq(customers.organisationId, organisationId), eq(customerStatuses.automatedCommunications, true), eq(customerStatuses.isDormant, false)))
      .orderBy(asc(customers.name))
      .limit(count);
    if (sendable.length === 0) return;
    const types = await tx
      .insert(serviceReminderTypes)
      .values([
        { organisationId, name: 'Annual boiler service', defaultIntervalMonths: 12 },
        { organisationId, name: 'Gas safety check (CP12)', defaultIntervalMonths: 12 },
        { organisationId, name: 'Smoke alarm test', defaultIntervalMonths: 6 },
      ])
      .returning();
    const now = new Date();
    const firstOfMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const monthDays = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
    // Spread over this month (both sides of today), with a few from last month and next month.
    const offsets = [-40, -20, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, monthDays - 1, monthDays + 10, monthDays + 45];
    let n = 0;
    for (const [i, customer] of sendable.entries()) {
      const addresses = await tx
        .insert(workAddresses)
        .values(
          Array.from({ length: i % 3 === 0 ? 2 : 1 }, (_x, k) => ({
            organisationId,
            customerId: customer.id,
            line1: `${10 + i * 2 + k} ${STREETS[(i + k) % STREETS.length]}`,
            town: 'Bristol',
            postcode: `BS${1 + (i % 9)} ${1 + k}AB`,
            country: 'GB',
          })),
        )
        .returning({ id: workAddresses.id });
      for (const address of addresses) {
        const reminderTypes = n % 2 === 0 ? [types[0]!, types[1]!] : [types[(n % 3) as 0 | 1 | 2]!];
        await tx.insert(serviceReminders).values(
          reminderTypes.map((type) => ({
            organisationId,
            customerId: customer.id,
            workAddressId: address.id,
            typeId: type.id,
            dueDate: day(offsets[n++ % offsets.length]!, firstOfMonth),
            intervalMonths: type.defaultIntervalMonths,
          })),
        );
      }
    }
  });
}
