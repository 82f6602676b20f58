// Webhook signatures, the Standard Webhooks scheme (https://www.standardwebhooks.com): each request
// carries `webhook-id` (the event's id: the same on every retry, so a receiver drops duplicates),
// `webhook-timestamp` (Unix seconds: a receiver refuses old ones, so a captured request cannot be
// replayed later) and `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`
// keyed with the secret's bytes (the part after `whsec_`, base64).
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The headers of one delivery. */
export function signedHeaders(secret: string, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(secret, id, timestamp, body),
  };
}
