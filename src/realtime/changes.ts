// The change feed behind subscriptions: committed events (src/events/), relayed to every instance's
// subscribers. One instance at a time (a lease in the broker) reads the event stream in order, with
// the gap-free rule of src/events/stream.ts, and publishes each organisation's changes on its own
// channel; every instance listens to the channels of the organisations its subscribers belong to.
// Reading from the outbox, not from the request that made the change, means nothing committed is
// missed when an instance dies between its commit and its answer, and a change made over HTTP
// routes or by a background job reaches subscribers too.
//
// Latency: the relay reads every REALTIME_POLL_MS, and at once when a mutation ends (on any
// instance: it nudges the relay through the broker). Cost when nobody listens: none on the database.
// Instances with listeners keep a "wanted" key alive; without it the relay reads nothing and forgets
// its place. A new listener tells the relay where the stream ended when it started listening, so the
// relay (re)starts from there and the listener misses nothing committed after it subscribed.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { Broker } from './broker';

/** A place in the event stream: after the event at (transaction, position). */
export type StreamPosition = { transactionId: number; position: number };

/**
 * The committed changes, in order and without gaps: the event outbox, which the events area supplies
 * (src/events/change-stream.ts) and this layer only reads.
 */
export type ChangeStream = {
  /** Where the readable stream ends now. */
  end(db: Db): Promise<StreamPosition>;
  /** Every organisation's changes after `after`, oldest first, at most `limit`. */
  readAfter(db: Db, after: StreamPosition, limit: number): Promise<Array<ChangeNotice & StreamPosition>>;
};

/** What a subscriber hears of a change: enough to decide whether it wants it, and to read the record. */
export type ChangeNotice = {
  /** The event's id (the same as in the events list and webhooks). */
  id: string;
  organisationId: string;
  type: string;
  resourceType: string;
  resourceId: string;
  customerId: string | null;
  version: number | null;
  occurredAt: string;
  actorUserId: string | null;
};

export type ChangeFeed = {
  /**
   * Calls `handler` with each change committed in the organisation from now on, in stream order,
   * until the function it resolves to is called.
   */
  listen(organisationId: string, handler: (notice: ChangeNotice) => void): Promise<() => void>;
  /** A change may have committed (a mutation has just ended): read the stream now, not at the next poll. */
  nudge(): void;
  stop(): Promise<void>;
};

const LEASE = 'relay:lease';
const CURSOR = 'relay:cursor';
const NUDGE = 'relay:nudge';
const WANTED = 'relay:wanted';
const WANTED_MS = 10_000;
const BATCH = 500;
/** A stored cursor older than this is not caught up from: nobody is still waiting for such changes. */
const CATCH_UP_MS = 60_000;

const before = (a: StreamPosition, b: StreamPosition) => a.transactionId < b.transactionId || (a.transactionId === b.transactionId && a.position < b.position);

const channelOf = (organisationId: string) => `changes:${organisationId}`;

export function startChangeFeed(options: { db: Db; stream: ChangeStream; broker: Broker; log: Logger; pollMs: number }): ChangeFeed {
  const { db, stream, broker, log, pollMs } = options;
  const holder = randomUUID();
  const leaseMs = Math.max(3000, pollMs * 10);
  let leading = false;
  let cursor: StreamPosition | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let listeners = 0;
  let lastWarning = 0;
  let pendingFrom: StreamPosition | null = null;

  async function publishFrom(start: StreamPosition): Promise<void> {
    let position = start;
    for (;;) {
      const rows = await stream.readAfter(db, position, BATCH);
      if (rows.length === 0) return;
      const byOrganisation = new Map<string, ChangeNotice[]>();
      for (const { transactionId: _t, position: _p, ...notice } of rows) {
        let list = byOrganisation.get(notice.organisationId);
        if (!list) byOrganisation.set(notice.organisationId, (list = []));
        list.push(notice);
      }
      for (const [organisationId, notices] of byOrganisation) await broker.publish(channelOf(organisationId), JSON.stringify(notices));
      const last = rows[rows.length - 1]!;
      position = { transactionId: last.transactionId, position: last.position };
      cursor = position;
      await broker.set(CURSOR, JSON.stringify({ ...position, at: Date.now() }));
      if (rows.length < BATCH) return;
    }
  }

  async function turn(): Promise<void> {
    if (listeners > 0) await broker.holdLease(WANTED, 'wanted', WANTED_MS);
    if (!(await broker.holdLease(LEASE, holder, leaseMs))) {
      leading = false;
      return;
    }
    if (!(await broker.get(WANTED))) {
      // Nobody listens anywhere: nothing to read, and no place to keep.
      if (cursor) await broker.set(CURSOR, '');
      cursor = null;
      leading = true;
      return;
    }
    if (!leading || !cursor) {
      // Taking over: from where the last relay stopped, if it stopped a moment ago; else from where
      // the earliest new listener started; else from now.
      const stored = await broker.get(CURSOR);
      const parsed = stored ? (JSON.parse(stored) as StreamPosition & { at: number }) : null;
      cursor = parsed && Date.now() - parsed.at < CATCH_UP_MS ? parsed : (pendingFrom ?? (await stream.end(db)));
      leading = true;
    }
    pendingFrom = null;
    await publishFrom(cursor);
  }

  /** A listener started at `from`: an idle relay starts there (not later, or it would miss what came between). */
  function startFrom(from: StreamPosition): void {
    if (!pendingFrom || before(from, pendingFrom)) pendingFrom = from;
    if (leading) runTurn();
  }

  /** One turn at a time; a nudge during a turn asks for another right after it. */
  function runTurn(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = turn()
      .catch((err: unknown) => {
        // Once a minute at most: the relay tries again every poll while the database or Redis is away.
        if (Date.now() - lastWarning < 60_000) return;
        lastWarning = Date.now();
        log.warn({ err }, 'realtime: the change relay could not read the event stream or reach the broker; it keeps trying');
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          runTurn();
        }
      });
  }

  const timer = setInterval(runTurn, pollMs);
  timer.unref();
  const nudges = broker
    .subscribe(NUDGE, (message) => {
      if (message) startFrom(JSON.parse(message) as StreamPosition);
      else if (leading) runTurn();
    })
    .catch((err: unknown) => {
      log.warn({ err }, 'realtime: the change relay could not subscribe to nudges; it reads every REALTIME_POLL_MS');
      return () => undefined;
    });
  runTurn();

  return {
    async listen(organisationId, handler) {
      const stop = await broker.subscribe(channelOf(organisationId), (message) => {
        for (const notice of JSON.parse(message) as ChangeNotice[]) handler(notice);
      });
      listeners += 1;
      let stopped = false;
      try {
        await broker.holdLease(WANTED, 'wanted', WANTED_MS);
        // Subscribed first, then the stream's end: whatever commits after it reaches this listener.
        await broker.publish(NUDGE, JSON.stringify(await stream.end(db)));
      } catch (err) {
        listeners -= 1;
        stop();
        throw err;
      }
      return () => {
        if (stopped) return;
        stopped = true;
        listeners -= 1;
        stop();
      };
    },
    nudge() {
      if (leading) runTurn();
      else void broker.publish(NUDGE, '');
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      (await nudges)();
      await running;
      if (leading) await broker.releaseLease(LEASE, holder).catch(() => undefined);
    },
  };
}
