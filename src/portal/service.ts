// Portal tokens (docs/domain.md#portal-tokens): API tokens bound to one customer, for a customer's or
// partner's portal, with the permissions they grant. Made and revoked by admins and managers; the token
// is shown once and kept only as a hash, which never reaches the audit trail.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/service';
import { hashToken } from '../auth/tokens';
import type { Db } from '../db/client';
import { refuseStaleVersion } from '../db/versioned';
import type { CreatePortalTokenInput } from '../generated/graphql';
import { NAME_MAX, requiredText } from '../graph/text';
import { notFound, userError, validate } from '../graph/user-errors';
import { auditableToken } from '../organisations/users-service';
import { visibleCustomerId } from '../records/owner';
import { portalPermissionEnum, portalTokens, type PortalTokenRow } from './tables';
import { generatePortalToken } from './tokens';

const createSchema = z.object({
  name: requiredText(NAME_MAX),
  permissions: z.array(z.enum(portalPermissionEnum.enumValues)),
  expiresAt: z
    .date()
    .nullish()
    .refine((d) => d == null || d.getTime() > Date.now(), { message: 'must be in the future' }),
});

export async function createPortalToken(db: Db, actor: Actor, input: CreatePortalTokenInput): Promise<{ portalToken: PortalTokenRow; token: string }> {
  const fields = validate(createSchema, input);
  if (fields.permissions.length === 0) {
    throw userError(['input', 'permissions'], 'permissions: a portal token needs at least one permission.', 'REQUIRED');
  }
  return db.transaction(async (tx) => {
    const customer = { id: await visibleCustomerId(tx, actor, input.customerId, ['input', 'customerId']) };
    const token = generatePortalToken();
    const [portalToken] = await tx
      .insert(portalTokens)
      .values({
        organisationId: actor.organisationId,
        customerId: customer.id,
        name: fields.name,
        permissions: [...new Set(fields.permissions)],
        expiresAt: fields.expiresAt ?? null,
        tokenHash: hashToken(token),
        createdByUserId: actor.userId,
      })
      .returning();
    await recordAudit(tx, actor, {
      action: 'portalToken.create',
      entityType: 'PortalToken',
      entityId: portalToken!.id,
      after: auditableToken(portalToken!),
    });
    return { portalToken: portalToken!, token };
  });
}

/** Revokes a portal token of a customer the actor may see; revoking twice keeps the first time. */
export async function revokePortalToken(db: Db, actor: Actor, tokenId: string, expectedVersion?: number | null): Promise<{ portalToken: PortalTokenRow }> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(portalTokens)
      .where(and(eq(portalTokens.id, tokenId), eq(portalTokens.organisationId, actor.organisationId), actor.visibility?.rows(portalTokens)))
      .for('update');
    if (!before) throw notFound(['input', 'id'], 'portal token');
    refuseStaleVersion(before, expectedVersion, 'portal token');
    if (before.revokedAt != null) return { portalToken: before };
    const [after] = await tx
      .update(portalTokens)
      .set({ revokedAt: new Date(), revokedByUserId: actor.userId, version: sql`${portalTokens.version} + 1` })
      .where(eq(portalTokens.id, before.id))
      .returning();
    await recordAudit(tx, actor, {
      action: 'portalToken.revoke',
      entityType: 'PortalToken',
      entityId: before.id,
      before: auditableToken(before),
      after: auditableToken(after!),
    });
    return { portalToken: after! };
  });
}
