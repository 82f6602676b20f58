// What subscriptions stand on (src/subscriptions/ is the area with the schema's Subscription type):
// the broker between instances, the change feed from the event outbox, and presence. One per server
// instance, started with the HTTP app and stopped before the database closes.
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { localBroker, redisBroker, type Broker } from './broker';
import { startChangeFeed, type ChangeFeed, type ChangeStream } from './changes';
import { presenceBoard, type PresenceBoard } from './presence';

export type { ChangeNotice } from './changes';
export type { PresenceEntry } from './presence';

export type Realtime = {
  broker: Broker;
  changes: ChangeFeed;
  presence: PresenceBoard;
  stop(): Promise<void>;
};

export function startRealtime(options: { config: Config; database: Database; log: Logger; stream: ChangeStream }): Realtime {
  const { config, database, log, stream } = options;
  const broker = config.redisUrl ? redisBroker({ url: config.redisUrl, prefix: config.realtimeRedisPrefix, log }) : localBroker();
  const changes = startChangeFeed({ db: database.db, stream, broker, log, pollMs: config.realtimePollMs });
  const presence = presenceBoard(broker);
  return {
    broker,
    changes,
    presence,
    async stop() {
      presence.stop();
      await changes.stop();
      await broker.close();
    },
  };
}
