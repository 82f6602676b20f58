// Registering and managing webhook endpoints, and queueing a delivery again. Every change is audited
// (and so is an event itself); the signing secret is never written to the audit trail or an event.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/service';
import type { UserActor } from '../auth/actor';
import type { Db } from '../db/client';
import { retryingTransaction } from '../db/faults';
import { serialiseWrites } from '../db/serialise';
import { lockForUpdate, writeUpdate } from '../db/versioned';
import { settledBelow } from '../events/stream';
import { events } from '../events/tables';
import { EVENT_TYPE_PATTERN } from '../events/types';
import { rowsCodec, withIdempotency } from '../graph/idempotency';
import { optionalText } from '../graph/text';
import { notFound, userError, validate } from '../graph/user-errors';
import { newWebhookSecret } from './signing';
import { webhookDeliveries, webhookEndpoints, type WebhookDeliveryRow, type WebhookEndpointRow } from './tables';
import { refusedTarget, type TargetPolicy } from './targets';

const MAX_ENDPOINTS = 50;

const eventTypesField = z
  .array(z.string().regex(EVENT_TYPE_PATTERN, { message: 'must be an event type (customer.created) or all of a kind (customer.*)' }))
  .max(100, { message: 'must list at most 100 types' });

/** What the audit trail and events keep of an endpoint: its settings, never the secret (nor the delivery's place in the stream). */
function withoutSecret(row: WebhookEndpointRow): Omit<WebhookEndpointRow, 'secret' | 'cursorTransactionId' | 'cursorPosition'> {
  const { secret: _secret, cursorTransactionId: _t, cursorPosition: _p, ...rest } = row;
  return rest;
}

function checkUrl(url: string, policy: TargetPolicy, field: string[]): string {
  const trimmed = url.trim();
  const refused = refusedTarget(trimmed, policy);
  if (refused) throw userError(field, `url: ${refused}.`, 'INVALID');
  return new URL(trimmed).toString();
}

/** Where a new endpoint starts in the stream: after every event there is now (it gets what happens next). */
async function streamEnd(tx: Db, organisationId: string): Promise<{ transactionId: number; position: number }> {
  const [row] = await tx
    .select({ transactionId: events.transactionId, position: events.position })
    .from(events)
    .where(and(eq(events.organisationId, organisationId), sql`${events.transactionId} < ${settledBelow}`))
    .orderBy(sql`${events.transactionId} desc, ${events.position} desc`)
    .limit(1);
  return row ?? { transactionId: 0, position: 0 };
}

export type CreateWebhookEndpointInput = { url: string; eventTypes?: string[] | null; description?: string | null; idempotencyKey?: string | null };

export function createWebhookEndpoint(db: Db, actor: UserActor, policy: TargetPolicy, input: CreateWebhookEndpointInput) {
  const fields = validate(z.object({ eventTypes: eventTypesField.nullish(), description: optionalText(500) }), input);
  const url = checkUrl(input.url, policy, ['input', 'url']);
  return withIdempotency(
    db,
    actor,
    'createWebhookEndpoint',
    input.idempotencyKey,
    input,
    async (tx) => {
      // Endpoints are counted and made one at a time per organisation.
      await serialiseWrites(tx, 'webhook_endpoints', actor.organisationId);
      const [{ n } = { n: 0 }] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.organisationId, actor.organisationId));
      if (n >= MAX_ENDPOINTS) throw userError(['input'], `An organisation may have at most ${MAX_ENDPOINTS} webhook endpoints.`, 'INVALID_STATE');
      const end = await streamEnd(tx, actor.organisationId);
      const secret = newWebhookSecret();
      const [row] = await tx
        .insert(webhookEndpoints)
        .values({
          organisationId: actor.organisationId,
          url,
          description: fields.description ?? null,
          eventTypes: fields.eventTypes ?? [],
          secret,
          cursorTransactionId: end.transactionId,
          cursorPosition: end.position,
          createdByUserId: actor.userId,
        })
        .returning();
      await recordAudit(tx, actor, { action: 'webhookEndpoint.create', entityType: 'WebhookEndpoint', entityId: row!.id, after: withoutSecret(row!) });
      return { webhookEndpoint: row!, secret };
    },
    rowsCodec<{ webhookEndpoint: WebhookEndpointRow; secret: string }>({ webhookEndpoint: webhookEndpoints }),
  );
}

export type UpdateWebhookEndpointInput = {
  id: string;
  expectedVersion?: number | null;
  url?: string | null;
  eventTypes?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
};

export async function updateWebhookEndpoint(db: Db, actor: UserActor, policy: TargetPolicy, id: string, input: UpdateWebhookEndpointInput) {
  const fields = validate(z.object({ eventTypes: eventTypesField.nullish(), description: optionalText(500) }), input);
  if (input.url === null) throw userError(['input', 'url'], 'url: must not be null; omit it to keep the URL.', 'REQUIRED');
  if (input.enabled === null) throw userError(['input', 'enabled'], 'enabled: must not be null; omit it to leave it as it is.', 'REQUIRED');
  const url = input.url !== undefined ? checkUrl(input.url, policy, ['input', 'url']) : undefined;
  return db.transaction(async (tx) => {
    const before = await lockForUpdate(tx, webhookEndpoints, actor, id, input.expectedVersion, 'webhook endpoint');
    const changes: Partial<WebhookEndpointRow> = {};
    if (url !== undefined) changes.url = url;
    if (input.eventTypes !== undefined) changes.eventTypes = fields.eventTypes ?? [];
    if (input.description !== undefined) changes.description = fields.description ?? null;
    if (input.enabled === false && before.enabled) Object.assign(changes, { enabled: false, disabledReason: 'Disabled by an admin.', disabledAt: new Date() });
    if (input.enabled === true && !before.enabled) Object.assign(changes, { enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0 });
    const after = await writeUpdate(tx, webhookEndpoints, id, changes);
    await recordAudit(tx, actor, {
      action: 'webhookEndpoint.update',
      entityType: 'WebhookEndpoint',
      entityId: id,
      before: withoutSecret(before),
      after: withoutSecret(after),
    });
    return { webhookEndpoint: after };
  });
}

export function rotateWebhookSecret(db: Db, actor: UserActor, id: string, input: { expectedVersion?: number | null; idempotencyKey?: string | null }) {
  return withIdempotency(
    db,
    actor,
    'rotateWebhookSecret',
    input.idempotencyKey,
    { id, ...input },
    async (tx) => {
      const before = await lockForUpdate(tx, webhookEndpoints, actor, id, input.expectedVersion, 'webhook endpoint');
      const secret = newWebhookSecret();
      const after = await writeUpdate(tx, webhookEndpoints, id, { secret });
      await recordAudit(tx, actor, {
        action: 'webhookEndpoint.rotateSecret',
        entityType: 'WebhookEndpoint',
        entityId: id,
        before: withoutSecret(before),
        after: withoutSecret(after),
      });
      return { webhookEndpoint: after, secret };
    },
    rowsCodec<{ webhookEndpoint: WebhookEndpointRow; secret: string }>({ webhookEndpoint: webhookEndpoints }),
  );
}

export async function deleteWebhookEndpoint(db: Db, actor: UserActor, id: string, expectedVersion: number | null | undefined) {
  // The delete cascades to the endpoint's deliveries, which the delivery loop locks in its own
  // order: PostgreSQL may pick this transaction as a deadlock's victim (seen in CI). Run again then.
  return retryingTransaction(db, async (tx) => {
    const before = await lockForUpdate(tx, webhookEndpoints, actor, id, expectedVersion, 'webhook endpoint');
    await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    await recordAudit(tx, actor, { action: 'webhookEndpoint.delete', entityType: 'WebhookEndpoint', entityId: id, before: withoutSecret(before) });
    return { deletedWebhookEndpointId: id };
  });
}

export function redeliverWebhook(db: Db, actor: UserActor, deliveryId: string, input: { idempotencyKey?: string | null }) {
  return withIdempotency(
    db,
    actor,
    'redeliverWebhook',
    input.idempotencyKey,
    { deliveryId },
    async (tx) => {
      const [before] = await tx
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.organisationId, actor.organisationId)))
        .for('update');
      if (!before) throw notFound(['input', 'deliveryId'], 'webhook delivery');
      const [after] = await tx
        .update(webhookDeliveries)
        .set({ status: 'PENDING', nextAttemptAt: sql`clock_timestamp()`, leasedUntil: null })
        .where(eq(webhookDeliveries.id, deliveryId))
        .returning();
      await recordAudit(tx, actor, { action: 'webhookDelivery.redeliver', entityType: 'WebhookDelivery', entityId: deliveryId, before, after });
      return { delivery: after! };
    },
    rowsCodec<{ delivery: WebhookDeliveryRow }>({ delivery: webhookDeliveries }),
  );
}

export function listWebhookEndpoints(db: Db, organisationId: string): Promise<WebhookEndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.organisationId, organisationId))
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
}

export type { WebhookDeliveryRow };
