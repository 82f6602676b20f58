// The lists every new organisation starts with (docs/domain.md#customers): customer types, statuses
// with their workflow flags, and one business unit. Admins can change them afterwards.
import type { Db } from '../db/client';
import { businessUnits, customerStatuses, customerTypes } from './tables';

export const seedCustomerTypes = [
  { name: 'Private', allowsPrimaryContact: true, requiredFields: [] as string[] },
  { name: 'Company', allowsPrimaryContact: false, requiredFields: [] as string[] },
  { name: 'Landlord', allowsPrimaryContact: false, requiredFields: ['BILLING_ADDRESS'] },
  { name: 'Estate agent', allowsPrimaryContact: false, requiredFields: ['VAT_NUMBER'] },
];

export const seedCustomerStatuses = [
  { code: 'P', name: 'Prospect', active: true, allowsNewWork: true, automatedCommunications: true, isDefault: true },
  { code: 'H', name: 'Hold for Credit Check', active: true, allowsNewWork: false, automatedCommunications: false },
  { code: 'C', name: 'Credit Check in Progress', active: true, allowsNewWork: false, automatedCommunications: false },
  { code: 'A', name: 'Active', active: true, allowsNewWork: true, automatedCommunications: true },
  // Active, but no new work without an override.
  { code: 'D', name: 'Do Not Service', active: true, allowsNewWork: false, automatedCommunications: false },
  // Invoices for open jobs are still allowed; nothing automated is sent.
  { code: 'Z', name: 'Dormant', active: false, allowsNewWork: false, automatedCommunications: false, isDormant: true },
  { code: 'I', name: 'Inactive', active: false, allowsNewWork: false, automatedCommunications: false },
];

export async function seedReferenceData(db: Db, organisationId: string): Promise<void> {
  await db.insert(customerTypes).values(seedCustomerTypes.map((t, position) => ({ ...t, organisationId, position })));
  await db.insert(customerStatuses).values(seedCustomerStatuses.map((s, position) => ({ ...s, organisationId, position })));
  await db.insert(businessUnits).values({ organisationId, name: 'Head office' });
}
