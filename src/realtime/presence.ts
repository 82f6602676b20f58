// Who is viewing a record now: each `presence` subscription is a session on the record, kept in the
// broker (Redis when shared, so every instance sees every viewer) with an expiry that its instance
// renews while the subscription lasts. An instance that dies stops renewing, and its viewers drop
// out within PRESENCE_TTL_MS. Every join and leave is announced on the record's channel.
import type { Broker } from './broker';

export type PresenceEntry = { sessionId: string; userId: string; name: string; since: string };

export type PresenceBoard = {
  join(organisationId: string, recordId: string, entry: PresenceEntry): Promise<void>;
  leave(organisationId: string, recordId: string, sessionId: string): Promise<void>;
  /** The record's live sessions, oldest first. */
  entries(organisationId: string, recordId: string): Promise<PresenceEntry[]>;
  /** Calls `handler` when someone joins or leaves the record (on any instance). */
  listen(organisationId: string, recordId: string, handler: () => void): Promise<() => void>;
  stop(): void;
};

export const PRESENCE_TTL_MS = 30_000;
/** How often a subscription re-reads the list even without an announcement (to drop the expired). */
export const PRESENCE_REFRESH_MS = 10_000;

const keyOf = (organisationId: string, recordId: string) => `presence:${organisationId}:${recordId}`;

export function presenceBoard(broker: Broker): PresenceBoard {
  // This instance's sessions, renewed until they leave.
  const local = new Map<string, { key: string; entry: PresenceEntry }>();
  const renew = setInterval(() => {
    for (const { key, entry } of local.values()) void broker.putEntry(key, entry.sessionId, JSON.stringify(entry), PRESENCE_TTL_MS).catch(() => undefined);
  }, PRESENCE_TTL_MS / 3);
  renew.unref();
  return {
    async join(organisationId, recordId, entry) {
      const key = keyOf(organisationId, recordId);
      local.set(`${key} ${entry.sessionId}`, { key, entry });
      await broker.putEntry(key, entry.sessionId, JSON.stringify(entry), PRESENCE_TTL_MS);
      await broker.publish(key, 'join');
    },
    async leave(organisationId, recordId, sessionId) {
      const key = keyOf(organisationId, recordId);
      local.delete(`${key} ${sessionId}`);
      await broker.removeEntry(key, sessionId);
      await broker.publish(key, 'leave');
    },
    async entries(organisationId, recordId) {
      const values = await broker.liveEntries(keyOf(organisationId, recordId));
      return values.map((v) => JSON.parse(v) as PresenceEntry).sort((a, b) => a.since.localeCompare(b.since) || a.sessionId.localeCompare(b.sessionId));
    },
    listen(organisationId, recordId, handler) {
      return broker.subscribe(keyOf(organisationId, recordId), () => handler());
    },
    stop() {
      clearInterval(renew);
    },
  };
}
