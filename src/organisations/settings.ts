// An organisation's settings (its invoice address format, its service case SLA defaults, the order of
// its customer statuses) change under the organisation's one version (`Organisation.version`): each
// such change locks the organisation's row, refuses a stale `expectedVersion` as every versioned
// update does (db/versioned.ts), and moves the version on.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { refuseStaleVersion } from '../db/versioned';
import { organisations, type OrganisationRow } from '../tenancy/tables';

/**
 * The organisation's row, locked until the transaction ends. FOR NO KEY UPDATE, not FOR UPDATE: it
 * queues other settings changes but not the inserts whose foreign keys name the organisation (they
 * take FOR KEY SHARE), which is nearly every write of every area.
 */
export async function lockOrganisationSettings(tx: Db, organisationId: string, expectedVersion: number | null | undefined): Promise<OrganisationRow> {
  const [row] = await tx.select().from(organisations).where(eq(organisations.id, organisationId)).for('no key update');
  // The actor's own organisation: it exists while its token authenticates.
  refuseStaleVersion(row!, expectedVersion, 'organisation');
  return row!;
}

/** Writes `changes` (none: a setting kept in another table changed) and moves the version on. */
export async function writeOrganisationSettings(
  tx: Db,
  organisationId: string,
  changes: Partial<Pick<OrganisationRow, 'invoiceAddressFormat'>> = {},
): Promise<OrganisationRow> {
  const [row] = await tx
    .update(organisations)
    .set({ ...changes, version: sql`${organisations.version} + 1` })
    .where(eq(organisations.id, organisationId))
    .returning();
  return row!;
}
