// What a `presence` message resolves from: the record and its live sessions, as the subscriber reads them.
import type { PresenceEntry } from '../realtime';

export type PresenceValue = { recordId: string; entries: PresenceEntry[]; sessionId: string };
export type PresenceViewerValue = PresenceEntry & { you: boolean };
