// Webhook delivery, in every server process (and instance) that has WEBHOOK_DELIVERY on. Each turn:
//  1. dispatch: for each enabled endpoint, the events after its place in the stream (src/events/stream.ts:
//     never past an event still to commit) become deliveries, and its place moves on — in one
//     transaction, the endpoint row locked (`FOR UPDATE SKIP LOCKED`: one instance per endpoint at a time);
//  2. claim: due deliveries are leased (`FOR UPDATE SKIP LOCKED`, a lease longer than a request may
//     take), never one whose resource has an earlier delivery to the same endpoint still pending, so
//     each resource's events arrive in order;
//  3. send: a signed POST each (src/webhooks/signing.ts), to an address the target policy allows at
//     connect time; then the result is written: DELIVERED, or a retry after a doubling wait, FAILED
//     after the last attempt, and the endpoint disabled after too many failures in a row.
// A process that dies mid-send leaves the lease to run out: the delivery is sent again, with the same
// `webhook-id`. So every event is delivered at least once, and a receiver drops duplicates by id.
import http from 'node:http';
import https from 'node:https';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database, Db } from '../db/client';
import { selectRows } from '../db/client';
import { readEvents } from '../events/stream';
import { events, type EventRow } from '../events/tables';
import { matchesEventTypes } from '../events/types';
import { eventMessage } from '../events/wire';
import { signedHeaders } from './signing';
import { webhookDeliveries, webhookEndpoints, type WebhookEndpointRow } from './tables';
import { guardedLookup, type TargetPolicy } from './targets';

export type DeliverySettings = {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  disableAfterFailures: number;
  policy: TargetPolicy;
};

export function deliverySettings(config: Config): DeliverySettings {
  return {
    timeoutMs: config.webhookTimeoutMs,
    maxAttempts: config.webhookMaxAttempts,
    retryBaseMs: config.webhookRetryBaseMs,
    disableAfterFailures: config.webhookDisableAfterFailures,
    policy: { allowed: config.webhookAllowedPrivateTargets },
  };
}

const DISPATCH_BATCH = 1000;
const CLAIM_BATCH = 50;
/** Sends under way at once in one process. */
const MAX_IN_FLIGHT = 64;
const MAX_WAIT_MS = 6 * 3600_000;

/** Turns new events into deliveries for every enabled endpoint; returns how many were queued. */
export async function dispatchEvents(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const endpoints = await tx
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.enabled, true))
      .orderBy(asc(webhookEndpoints.id))
      .limit(100)
      .for('update', { skipLocked: true });
    let queued = 0;
    for (const endpoint of endpoints) {
      const after = { transactionId: endpoint.cursorTransactionId, position: endpoint.cursorPosition };
      const rows = await readEvents(tx, { organisationId: endpoint.organisationId, after, limit: DISPATCH_BATCH });
      if (rows.length === 0) continue;
      const wanted = rows.filter((e) => matchesEventTypes(e.type, endpoint.eventTypes));
      if (wanted.length > 0) {
        await tx
          .insert(webhookDeliveries)
          .values(
            wanted.map((e) => ({
              organisationId: endpoint.organisationId,
              endpointId: endpoint.id,
              eventId: e.id,
              transactionId: e.transactionId,
              position: e.position,
              resourceId: e.resourceId,
            })),
          )
          .onConflictDoNothing();
        queued += wanted.length;
      }
      const last = rows.at(-1)!;
      await tx
        .update(webhookEndpoints)
        .set({ cursorTransactionId: last.transactionId, cursorPosition: last.position })
        .where(eq(webhookEndpoints.id, endpoint.id));
    }
    return queued;
  });
}

export type ClaimedDelivery = { id: string; attempts: number; endpoint: WebhookEndpointRow; event: EventRow };

/** Leases up to `limit` due deliveries (see the top of this file); with their endpoints and events. */
export async function claimDeliveries(db: Db, leaseMs: number, limit = CLAIM_BATCH): Promise<ClaimedDelivery[]> {
  const claimed = await selectRows<{ id: string; endpoint_id: string; event_id: string; attempts: number }>(
    db,
    sql`
    with due as (
      select d.id from ${webhookDeliveries} d
      join ${webhookEndpoints} w on w.id = d.endpoint_id and w.enabled
      where d.status = 'PENDING' and d.next_attempt_at <= clock_timestamp()
        and (d.leased_until is null or d.leased_until < clock_timestamp())
        and not exists (
          select 1 from ${webhookDeliveries} p
          where p.endpoint_id = d.endpoint_id and p.resource_id = d.resource_id and p.status = 'PENDING'
            and (p.transaction_id, p.position) < (d.transaction_id, d.position))
      order by d.next_attempt_at, d.transaction_id, d.position
      limit ${limit}
      for update of d skip locked
    )
    update ${webhookDeliveries} d
    set leased_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond', attempts = d.attempts + 1, last_attempt_at = clock_timestamp()
    from due where d.id = due.id
    returning d.id, d.endpoint_id, d.event_id, d.attempts`,
  );
  if (claimed.length === 0) return [];
  const [endpointRows, eventRows] = await Promise.all([
    db
      .select()
      .from(webhookEndpoints)
      .where(inArray(webhookEndpoints.id, [...new Set(claimed.map((c) => c.endpoint_id))])),
    db
      .select()
      .from(events)
      .where(inArray(events.id, [...new Set(claimed.map((c) => c.event_id))])),
  ]);
  const endpointById = new Map(endpointRows.map((e) => [e.id, e]));
  const eventById = new Map(eventRows.map((e) => [e.id, e]));
  return claimed.flatMap((c) => {
    const endpoint = endpointById.get(c.endpoint_id);
    const event = eventById.get(c.event_id);
    return endpoint && event ? [{ id: c.id, attempts: Number(c.attempts), endpoint, event }] : [];
  });
}

export type SendResult = { ok: boolean; status: number | null; error: string | null };

/** One signed POST; never throws. */
export function sendWebhook(url: string, secret: string, id: string, body: string, settings: DeliverySettings, signal?: AbortSignal): Promise<SendResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ ok: false, status: null, error: 'The URL is not valid.' });
      return;
    }
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...signedHeaders(secret, id, body), 'content-length': Buffer.byteLength(body), 'user-agent': 'customer-records-webhooks/1' },
        lookup: guardedLookup(settings.policy),
        timeout: settings.timeoutMs,
        signal,
      },
      (response) => {
        // The answer's body is not ours to keep: read and drop it, so the connection is released.
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          resolve({ ok, status, error: ok ? null : `The receiver answered HTTP ${status}.` });
        });
        response.on('error', (err) => resolve({ ok: false, status: response.statusCode ?? null, error: err.message }));
        // Cut off before its end (the deadline, the receiver hanging up): a failure. After 'end' this changes nothing.
        response.on('close', () => resolve({ ok: false, status: response.statusCode ?? null, error: 'The answer was cut off.' }));
      },
    );
    // `timeout` is the socket's idle time; the deadline bounds the whole exchange (a receiver that
    // trickles an endless answer would otherwise hold the delivery past its lease).
    const deadline = setTimeout(() => request.destroy(new Error(`No complete answer within ${settings.timeoutMs} ms.`)), settings.timeoutMs);
    deadline.unref();
    request.on('close', () => clearTimeout(deadline));
    request.on('timeout', () => request.destroy(new Error(`No answer within ${settings.timeoutMs} ms.`)));
    request.on('error', (err) => resolve({ ok: false, status: null, error: err.message.slice(0, 500) }));
    request.end(body);
  });
}

/** The wait before attempt `attempts + 1`: doubling from the base, ±20% so retries spread, at most 6 hours. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  const plain = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_WAIT_MS);
  return Math.round(plain * (0.8 + Math.random() * 0.4));
}

/** Writes an attempt's outcome to the delivery and its endpoint, in one transaction. */
export async function recordAttempt(db: Db, claim: ClaimedDelivery, result: SendResult, settings: DeliverySettings): Promise<void> {
  await db.transaction(async (tx) => {
    if (result.ok) {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'DELIVERED', deliveredAt: sql`clock_timestamp()`, lastResponseStatus: result.status, lastError: null, leasedUntil: null })
        .where(eq(webhookDeliveries.id, claim.id));
      await tx.update(webhookEndpoints).set({ consecutiveFailures: 0 }).where(eq(webhookEndpoints.id, claim.endpoint.id));
      return;
    }
    const final = claim.attempts >= settings.maxAttempts;
    await tx
      .update(webhookDeliveries)
      .set({
        status: final ? 'FAILED' : 'PENDING',
        nextAttemptAt: sql`clock_timestamp() + ${final ? 0 : retryDelayMs(claim.attempts, settings.retryBaseMs)} * interval '1 millisecond'`,
        lastResponseStatus: result.status,
        lastError: result.error,
        leasedUntil: null,
      })
      .where(and(eq(webhookDeliveries.id, claim.id), eq(webhookDeliveries.status, 'PENDING')));
    await tx
      .update(webhookEndpoints)
      .set({
        consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        enabled: sql`${webhookEndpoints.enabled} and ${webhookEndpoints.consecutiveFailures} + 1 < ${settings.disableAfterFailures}`,
        disabledReason: sql`case when ${webhookEndpoints.enabled} and ${webhookEndpoints.consecutiveFailures} + 1 >= ${settings.disableAfterFailures}
          then ${`Disabled after ${settings.disableAfterFailures} failed attempts in a row; the last: `} || ${result.error ?? 'no answer'}
          else ${webhookEndpoints.disabledReason} end`,
        disabledAt: sql`case when ${webhookEndpoints.enabled} and ${webhookEndpoints.consecutiveFailures} + 1 >= ${settings.disableAfterFailures}
          then clock_timestamp() else ${webhookEndpoints.disabledAt} end`,
      })
      .where(eq(webhookEndpoints.id, claim.endpoint.id));
  });
}

/**
 * The delivery loop of one process. A turn dispatches new events and claims what is due, up to
 * MAX_IN_FLIGHT sends at once; sends run on their own (a slow receiver holds up only its own
 * deliveries) and each, when done, writes its outcome and starts a turn at once, so the next event of
 * the same resource goes without waiting for the poll. With nothing claimed, the next turn is after
 * WEBHOOK_POLL_MS. Errors are logged and the loop goes on; `stop` ends it and abandons sends under way
 * (their leases run out and another turn sends them again).
 */
export function startWebhookDelivery(options: { database: Database; config: Config; log: Logger }): { stop(): void } {
  const { database, config } = options;
  const log = options.log.child({ component: 'webhooks' });
  const settings = deliverySettings(config);
  const leaseMs = settings.timeoutMs + 5_000;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running = false;
  let again = false;
  let inFlight = 0;
  let failedTurns = 0;

  const send = async (claim: ClaimedDelivery) => {
    try {
      const body = JSON.stringify(eventMessage(claim.event));
      const result = await sendWebhook(claim.endpoint.url, claim.endpoint.secret, claim.event.id, body, settings, abort.signal);
      if (stopped) return;
      if (!result.ok)
        log.warn(
          { deliveryId: claim.id, endpointId: claim.endpoint.id, attempts: claim.attempts, status: result.status, error: result.error },
          'webhook delivery failed',
        );
      await recordAttempt(database.db, claim, result, settings);
    } catch (err) {
      if (!stopped) log.warn({ err, deliveryId: claim.id }, 'could not record a webhook delivery; its lease will run out and it is sent again');
    } finally {
      inFlight--;
      kick();
    }
  };

  /** One turn; true when it claimed something (another turn may find more at once). */
  const turn = async (): Promise<boolean> => {
    await dispatchEvents(database.db);
    const room = MAX_IN_FLIGHT - inFlight;
    if (room <= 0) return false;
    const claims = await claimDeliveries(database.db, leaseMs, Math.min(room, CLAIM_BATCH));
    inFlight += claims.length;
    for (const claim of claims) void send(claim);
    return claims.length > 0;
  };

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    if (timer) clearTimeout(timer);
    void turn()
      .then((claimed) => {
        failedTurns = 0;
        return claimed;
      })
      .catch((err: unknown) => {
        // While the database is away, turns back off (doubling, at most 30 s) rather than log twice a second.
        failedTurns++;
        if (!stopped) log.warn({ err, failedTurns }, 'webhook delivery turn failed; trying again');
        return false;
      })
      .then((claimed) => {
        running = false;
        if (stopped) return;
        if (failedTurns === 0 && (claimed || again)) {
          again = false;
          setImmediate(kick);
        } else {
          timer = setTimeout(kick, failedTurns === 0 ? config.webhookPollMs : Math.min(config.webhookPollMs * 2 ** failedTurns, 30_000));
          timer.unref();
        }
      });
  }

  kick();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
    },
  };
}
