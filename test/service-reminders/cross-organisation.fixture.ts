// The service-reminders area's twin records for test/auth/cross-organisation.test.ts: a reminder type
// and a reminder at the twin work address, with a decision about it (which raised a job).
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

export async function populate({ make, workAddressId }: FixtureRecords): Promise<void> {
  const type = await make(
    `mutation($input: CreateServiceReminderTypeInput!) { createServiceReminderType(input: $input) { serviceReminderType { id } userErrors { code field message } } }`,
    { name: 'Twin check', defaultIntervalMonths: 12 },
  );
  const reminder = await make(
    `mutation($input: CreateServiceReminderInput!) { createServiceReminder(input: $input) { serviceReminder { id } userErrors { code field message } } }`,
    { workAddressId, typeId: type.serviceReminderType.id, dueDate: '2099-01-01' },
  );
  await make(
    `mutation($input: DecideServiceRemindersInput!) { decideServiceReminders(input: $input) { results { decided } userErrors { code field message } } }`,
    { items: [{ reminderId: reminder.serviceReminder.id, decision: 'AUTHORISE', accessMethod: 'OCCUPIER' }] },
  );
}
