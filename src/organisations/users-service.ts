// Users of an organisation and their API tokens (docs/domain.md#organisations-users-and-roles): listing
// users, adding and changing them (always keeping one active admin), and issuing and revoking tokens.
// Tokens are shown once and kept only as hashes; neither ever reaches the audit trail.
import { and, asc, eq, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { assignStatusGroups } from '../access/status-groups';
import { statusGroups, userStatusGroups } from '../access/tables';
import { recordAudit, type Actor } from '../audit/service';
import { roles } from '../auth/roles';
import { generateToken, hashToken } from '../auth/tokens';
import { containsPattern } from '../customers/service';
import type { Db } from '../db/client';
import { onUniqueViolation } from '../db/unique';
import { refuseStaleVersion } from '../db/versioned';
import type { CreateApiTokenInput, CreateUserInput, UpdateUserInput, UserFilter } from '../generated/graphql';
import { nameAndTimeSorts, paginate, parsePageArgs, uuidArray, type PageArgs, type SortSpec } from '../graph/connection';
import { NAME_MAX, requiredText } from '../graph/text';
import { inputId, notFound, userError, validate } from '../graph/user-errors';
import { apiTokens, users, type ApiTokenRow, type Role, type UserRow } from '../tenancy/tables';

const createUserSchema = z.object({
  email: z.email({ message: 'must be an email address' }).max(320),
  name: requiredText(NAME_MAX),
  role: z.enum(roles),
});

const updateUserSchema = z.object({
  name: requiredText(NAME_MAX).nullish(),
  role: z.enum(roles).nullish(),
  active: z.boolean().nullish(),
});

const futureDate = z
  .date()
  .nullish()
  .refine((d) => d == null || d.getTime() > Date.now(), { message: 'must be in the future' });

const createTokenSchema = z.object({ name: requiredText(NAME_MAX), expiresAt: futureDate });

/** The token row without its hash, for the audit trail. */
export function auditableToken<T extends { tokenHash: string }>(row: T): Omit<T, 'tokenHash'> {
  const { tokenHash, ...rest } = row;
  void tokenHash;
  return rest;
}

const userSort: SortSpec = {
  ...nameAndTimeSorts({ name: users.name, createdAt: users.createdAt, updatedAt: users.createdAt }).NAME,
  direction: 'ASC',
};

/** A page of the organisation's users by name. */
export async function listUsers(db: Db, organisationId: string, args: PageArgs & { filter?: UserFilter | null }, maxPageSize: number) {
  const page = parsePageArgs(args, userSort, maxPageSize);
  const f = args.filter ?? {};
  const conditions: (SQL | undefined)[] = [eq(users.organisationId, organisationId)];
  if (f.search != null && f.search.trim() !== '') {
    const pattern = containsPattern(f.search.trim());
    conditions.push(or(sql`${users.name} ilike ${pattern}`, sql`${users.email} ilike ${pattern}`));
  }
  // Roles are enum values GraphQL has already checked, so the array literal cannot be malformed.
  if (f.roles != null) conditions.push(sql`${users.role} = any(${`{${f.roles.join(',')}}`}::user_role[])`);
  if (f.active != null) conditions.push(f.active ? isNull(users.deactivatedAt) : isNotNull(users.deactivatedAt));
  // A search pattern: unprepared, planned for its pattern (see listCustomers).
  return paginate({ db, table: users, where: and(...conditions), sort: userSort, page, prepare: !(f.search != null && f.search.trim() !== '') });
}

/** Status group IDs from mutation input → uuids of the organisation's groups, or NOT_FOUND naming the item. */
async function statusGroupIdsOf(tx: Db, organisationId: string, globalIds: readonly string[]): Promise<string[]> {
  const ids = globalIds.map((g, i) => inputId(g, ['StatusGroup'], ['input', 'statusGroupIds', i]).id);
  const unique = [...new Set(ids)];
  const found = unique.length
    ? await tx
        .select({ id: statusGroups.id })
        .from(statusGroups)
        .where(and(eq(statusGroups.organisationId, organisationId), sql`${statusGroups.id} = any(${uuidArray(unique)})`))
    : [];
  const known = new Set(found.map((r) => r.id));
  const missing = ids.findIndex((id) => !known.has(id));
  if (missing >= 0) throw notFound(['input', 'statusGroupIds', missing], 'status group');
  return unique;
}

async function groupIdsOfUser(tx: Db, userId: string): Promise<string[]> {
  const rows = await tx.select({ id: userStatusGroups.groupId }).from(userStatusGroups).where(eq(userStatusGroups.userId, userId));
  return rows.map((r) => r.id).sort();
}

const duplicateEmail = () => userError(['input', 'email'], 'email: another user of the organisation has this email address.', 'DUPLICATE');

export async function createUser(db: Db, actor: Actor, input: CreateUserInput): Promise<{ user: UserRow }> {
  const fields = validate(createUserSchema, input);
  return onUniqueViolation('users_organisation_email_key', duplicateEmail, () =>
    db.transaction(async (tx) => {
      const [taken] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.organisationId, actor.organisationId), sql`lower(${users.email}) = lower(${fields.email})`));
      if (taken) throw duplicateEmail();
      const groupIds = input.statusGroupIds == null ? undefined : await statusGroupIdsOf(tx, actor.organisationId, input.statusGroupIds);
      const [user] = await tx
        .insert(users)
        .values({ organisationId: actor.organisationId, email: fields.email, name: fields.name, role: fields.role })
        .returning();
      await assignStatusGroups(tx, actor.organisationId, user!.id, groupIds);
      const statusGroupIds = await groupIdsOfUser(tx, user!.id);
      await recordAudit(tx, actor, { action: 'user.create', entityType: 'User', entityId: user!.id, after: { ...user, statusGroupIds } });
      return { user: user! };
    }),
  );
}

const isActiveAdmin = (u: { role: Role; deactivatedAt: Date | null }) => u.role === 'ADMIN' && u.deactivatedAt == null;

export async function updateUser(db: Db, actor: Actor, userId: string, input: UpdateUserInput): Promise<{ user: UserRow }> {
  const fields = validate(updateUserSchema, input);
  return db.transaction(async (tx) => {
    // Lock the organisation's active admins first, always in the same order, so that two admins
    // demoting each other at once are serialised and the second sees the first's change.
    const admins = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.organisationId, actor.organisationId), eq(users.role, 'ADMIN'), isNull(users.deactivatedAt)))
      .orderBy(asc(users.id))
      .for('update');
    const [before] = await tx
      .select()
      .from(users)
      .where(and(eq(users.id, userId), eq(users.organisationId, actor.organisationId)))
      .for('update');
    if (!before) throw notFound(['input', 'id'], 'user');
    refuseStaleVersion(before, input.expectedVersion, 'user');

    const changes: Partial<typeof users.$inferInsert> = {};
    if (fields.name != null) changes.name = fields.name;
    if (fields.role != null) changes.role = fields.role;
    if (fields.active === false && before.deactivatedAt == null) changes.deactivatedAt = new Date();
    if (fields.active === true && before.deactivatedAt != null) changes.deactivatedAt = null;

    const next = { ...before, ...changes };
    if (isActiveAdmin(before) && !isActiveAdmin(next) && !admins.some((a) => a.id !== before.id)) {
      const field = next.role !== 'ADMIN' ? 'role' : 'active';
      throw userError(['input', field], `${field}: this is the organisation's last active admin; make another user an admin first.`, 'INVALID_STATE');
    }

    const beforeGroups = await groupIdsOfUser(tx, before.id);
    let afterGroups = beforeGroups;
    if (input.statusGroupIds != null) {
      const groupIds = await statusGroupIdsOf(tx, actor.organisationId, input.statusGroupIds);
      await tx.delete(userStatusGroups).where(eq(userStatusGroups.userId, before.id));
      await assignStatusGroups(tx, actor.organisationId, before.id, groupIds);
      afterGroups = await groupIdsOfUser(tx, before.id);
    }

    // A change of the groups alone is a change of the user too: its version moves on.
    const changed = Object.keys(changes).length > 0 || afterGroups.join() !== beforeGroups.join();
    const after = changed
      ? (
          await tx
            .update(users)
            .set({ ...changes, version: sql`${users.version} + 1` })
            .where(eq(users.id, before.id))
            .returning()
        )[0]!
      : before;
    await recordAudit(tx, actor, {
      action: 'user.update',
      entityType: 'User',
      entityId: before.id,
      before: { ...before, statusGroupIds: beforeGroups },
      after: { ...after, statusGroupIds: afterGroups },
    });
    return { user: after };
  });
}

/** Who is asking for a token: their own id, and whether they may act for others. */
export type TokenIssuer = { userId: string; isAdmin: boolean };

export async function createApiToken(db: Db, actor: Actor, issuer: TokenIssuer, input: CreateApiTokenInput): Promise<{ apiToken: ApiTokenRow; token: string }> {
  const targetId = input.userId ? inputId(input.userId, ['User'], ['input', 'userId']).id : issuer.userId;
  if (targetId !== issuer.userId && !issuer.isAdmin) {
    throw userError(['input', 'userId'], 'userId: only admins make tokens for other users.', 'NOT_PERMITTED');
  }
  const fields = validate(createTokenSchema, input);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.id, targetId), eq(users.organisationId, actor.organisationId)));
    if (!user) throw notFound(['input', 'userId'], 'user');
    if (user.deactivatedAt != null) {
      throw userError(['input', 'userId'], 'userId: the user is deactivated; their tokens would not work.', 'INVALID_STATE');
    }
    const token = generateToken();
    const [apiToken] = await tx
      .insert(apiTokens)
      .values({ organisationId: actor.organisationId, userId: user.id, name: fields.name, expiresAt: fields.expiresAt ?? null, tokenHash: hashToken(token) })
      .returning();
    await recordAudit(tx, actor, { action: 'apiToken.create', entityType: 'ApiToken', entityId: apiToken!.id, after: auditableToken(apiToken!) });
    return { apiToken: apiToken!, token };
  });
}

/** Revokes a token of the issuer's own, or any of the organisation's for an admin; others are not found. */
export async function revokeApiToken(
  db: Db,
  actor: Actor,
  issuer: TokenIssuer,
  tokenId: string,
  expectedVersion?: number | null,
): Promise<{ apiToken: ApiTokenRow }> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(apiTokens)
      .where(
        and(eq(apiTokens.id, tokenId), eq(apiTokens.organisationId, actor.organisationId), issuer.isAdmin ? undefined : eq(apiTokens.userId, issuer.userId)),
      )
      .for('update');
    if (!before) throw notFound(['input', 'id'], 'API token');
    refuseStaleVersion(before, expectedVersion, 'API token');
    // Revoking twice changes nothing and keeps the first revocation time.
    if (before.revokedAt != null) return { apiToken: before };
    const [after] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date(), version: sql`${apiTokens.version} + 1` })
      .where(eq(apiTokens.id, before.id))
      .returning();
    await recordAudit(tx, actor, {
      action: 'apiToken.revoke',
      entityType: 'ApiToken',
      entityId: before.id,
      before: auditableToken(before),
      after: auditableToken(after!),
    });
    return { apiToken: after! };
  });
}

/** True while a token authenticates (the user's own state aside). */
export function tokenLive(token: { revokedAt: Date | null; expiresAt: Date | null }, now = new Date()): boolean {
  return token.revokedAt == null && (token.expiresAt == null || token.expiresAt > now);
}
