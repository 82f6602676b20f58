// Portal tokens as bearer tokens: `crmp_…`, looked up by hash like users' tokens (src/auth/tokens.ts);
// a live one becomes a portal viewer bound to its one customer.
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { generateToken, hashToken, type TokenKind } from '../auth/tokens';
import type { PortalViewer } from '../auth/viewer';
import type { Db } from '../db/client';
import { organisations } from '../tenancy/tables';
import { portalTokens } from './tables';

const PORTAL_PREFIX = 'crmp_';

export function generatePortalToken(): string {
  return generateToken(PORTAL_PREFIX);
}

async function portalViewerForToken(db: Db, token: string): Promise<PortalViewer | null> {
  const [row] = await db
    .select({ portal: portalTokens, organisation: organisations })
    .from(portalTokens)
    .innerJoin(organisations, eq(organisations.id, portalTokens.organisationId))
    .where(
      and(
        eq(portalTokens.tokenHash, hashToken(token)),
        isNull(portalTokens.revokedAt),
        or(isNull(portalTokens.expiresAt), gt(portalTokens.expiresAt, new Date())),
      ),
    )
    .limit(1);
  if (!row) return null;
  return {
    kind: 'portal',
    portal: row.portal,
    permissions: new Set(row.portal.permissions),
    organisation: row.organisation,
    organisationId: row.organisation.id,
    user: null,
    role: null,
    userId: null,
  };
}

export const portalTokenKind: TokenKind = { prefix: PORTAL_PREFIX, viewer: portalViewerForToken };
