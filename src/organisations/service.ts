// Creating an organisation: the tenant, its reference lists, its first admin and that admin's token,
// in one transaction.
import { z } from 'zod';
import { assignStatusGroups, createSystemStatusGroup } from '../access/status-groups';
import { issueToken } from '../auth/tokens';
import { seedReferenceData } from '../customers/reference-data';
import type { Db } from '../db/client';
import { organisations, users, type OrganisationRow, type Role, type UserRow } from '../tenancy/tables';

const organisationInput = z.object({
  name: z.string().trim().min(1, { message: 'must not be blank' }).max(200),
  adminEmail: z.email({ message: 'must be an email address' }),
  adminName: z.string().trim().min(1).max(200).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: 'must be a three-letter ISO 4217 code' })
    .default('GBP'),
});

export type CreatedOrganisation = { organisation: OrganisationRow; admin: UserRow; token: string };

export async function createOrganisation(db: Db, input: z.input<typeof organisationInput>): Promise<CreatedOrganisation> {
  const parsed = organisationInput.safeParse(input);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const { name, adminEmail, adminName, currency } = parsed.data;
  return db.transaction(async (tx) => {
    const [organisation] = await tx.insert(organisations).values({ name, currency }).returning();
    await seedReferenceData(tx, organisation!.id);
    const systemGroupId = await createSystemStatusGroup(tx, organisation!.id);
    const [admin] = await tx
      .insert(users)
      .values({ organisationId: organisation!.id, email: adminEmail, name: adminName ?? adminEmail.split('@')[0]!, role: 'ADMIN' })
      .returning();
    await assignStatusGroups(tx, organisation!.id, admin!.id, [systemGroupId]);
    const token = await issueToken(tx, admin!, 'First admin token');
    return { organisation: organisation!, admin: admin!, token };
  });
}

export async function createUser(
  db: Db,
  organisationId: string,
  user: { email: string; name: string; role: Role; statusGroupIds?: readonly string[] },
): Promise<{ user: UserRow; token: string }> {
  const { statusGroupIds, ...values } = user;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({ organisationId, ...values })
      .returning();
    await assignStatusGroups(tx, organisationId, row!.id, statusGroupIds);
    const token = await issueToken(tx, row!, `${user.role.toLowerCase()} token`);
    return { user: row!, token };
  });
}
