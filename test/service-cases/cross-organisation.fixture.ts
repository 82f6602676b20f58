// The service-cases area's twin records for test/auth/cross-organisation.test.ts: an SLA default, and
// a case at the twin work address with a note.
import type { FixtureRecords } from '../helpers/cross-organisation-fixtures';

export async function populate({ make, customerId, workAddressId }: FixtureRecords): Promise<void> {
  await make(
    `mutation($input: SetServiceCaseSlaDefaultInput!) { setServiceCaseSlaDefault(input: $input) { slaDefault { priority } userErrors { code field message } } }`,
    { priority: 'URGENT', respondWithinHours: 2, resolveWithinHours: 12 },
  );
  const opened = await make(
    `mutation($input: OpenServiceCaseInput!) { openServiceCase(input: $input) { serviceCase { id } userErrors { code field message } } }`,
    { customerId, workAddressId, subject: 'Twin case', priority: 'URGENT' },
  );
  await make(`mutation($input: AddServiceCaseNoteInput!) { addServiceCaseNote(input: $input) { note { body } userErrors { code field message } } }`, {
    id: opened.serviceCase.id,
    body: 'Twin note',
  });
}
