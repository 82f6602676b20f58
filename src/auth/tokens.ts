// API tokens: random, shown once, stored as a SHA-256 hash. A token is looked up by its hash on
// every request; a revoked, expired or deactivated user's token authenticates no one. Users' tokens
// start `crm_`; other kinds (portal tokens, bound to one customer: src/portal/tokens.ts) are the areas'.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { PREPARED, type Db } from '../db/client';
import { apiTokens, organisations, users } from '../tenancy/tables';
import type { UserViewer, Viewer } from './viewer';

const PREFIX = 'crm_';

/** Another kind of bearer token, issued by an area (a portal token): its prefix and how it becomes a viewer. */
export type TokenKind = { prefix: string; viewer(db: Db, token: string): Promise<Viewer | null> };

export function generateToken(prefix: string = PREFIX): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The token of an `Authorization: Bearer <token>` header; null when the header is absent or not that shape. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token for a user and returns it in plain text: the only time it is ever seen. */
export async function issueToken(db: Db, user: { id: string; organisationId: string }, name: string): Promise<string> {
  const token = generateToken();
  await db.insert(apiTokens).values({ organisationId: user.organisationId, userId: user.id, name, tokenHash: hashToken(token) });
  return token;
}

/**
 * Every request runs it: its SQL is built once per database handle (placeholders for the values),
 * and parsed and planned once per connection.
 */
function buildTokenLookup(db: Db) {
  return db
    .select({ user: users, organisation: organisations })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(organisations, eq(organisations.id, apiTokens.organisationId))
    .where(
      and(
        eq(apiTokens.tokenHash, sql.placeholder('hash')),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql.placeholder('now'))),
        isNull(users.deactivatedAt),
      ),
    )
    .limit(1)
    .prepare(PREPARED);
}

const tokenLookups = new WeakMap<Db, ReturnType<typeof buildTokenLookup>>();

function tokenLookup(db: Db): ReturnType<typeof buildTokenLookup> {
  let lookup = tokenLookups.get(db);
  if (!lookup) {
    lookup = buildTokenLookup(db);
    tokenLookups.set(db, lookup);
  }
  return lookup;
}

/** The viewer a token stands for: a user's token, or one of the areas' kinds (`kinds`, from the composition). */
export async function viewerForToken(db: Db, token: string, kinds: readonly TokenKind[]): Promise<Viewer | null> {
  if (token.length > 200) return null;
  const other = kinds.find((kind) => token.startsWith(kind.prefix));
  if (other) return other.viewer(db, token);
  if (!token.startsWith(PREFIX)) return null;
  const [row] = await tokenLookup(db).execute({ hash: hashToken(token), now: new Date().toISOString() });
  if (!row) return null;
  const viewer: UserViewer = {
    kind: 'user',
    portal: null,
    user: row.user,
    organisation: row.organisation,
    role: row.user.role,
    organisationId: row.organisation.id,
    userId: row.user.id,
  };
  return viewer;
}
