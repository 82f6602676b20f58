// The local command endpoint: while a server holds the embedded data directory, `npm run admin`,
// `npm run seed` and `npm run db:migrate` cannot open it themselves, so they ask the server to run the
// same code (commands.ts) in its process. Only for callers on this machine that can read the lock file
// (0600, where the server wrote its port and a random secret): anyone else gets a plain 404.
// The answer is newline-delimited JSON: `{"progress":{…}}` lines, then `{"result":…}` or `{"error":…}`.
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import type { Database } from '../db/client';
import { CommandError, commands, isCommandName } from './commands';

export const COMMAND_PATH = '/_local/commands';

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

/** Where a CLI on this machine reaches a server listening on `address`. */
function localAddress(address: string): string {
  if (address === '0.0.0.0' || address === '::' || address === '::ffff:0.0.0.0') return '127.0.0.1';
  return address;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function localCommandRouter(options: { database: Database; server: http.Server; log: Logger }): express.Router {
  const { database, server, log } = options;
  const router = express.Router();
  const lock = database.dataDirLock;
  // Only a server on an embedded data directory has one; on PostgreSQL the CLI connects itself.
  if (!lock || lock.holder.role !== 'server' || !lock.holder.secret) return router;
  const secret = lock.holder.secret;

  // main.ts binds the port before opening the database, so the server usually listens already.
  const announce = () => {
    const bound = server.address();
    if (bound && typeof bound === 'object') lock.announce({ port: bound.port, address: localAddress(bound.address) });
  };
  if (server.listening) announce();
  else server.once('listening', announce);

  router.post(`${COMMAND_PATH}/:command`, express.json({ limit: '64kb' }), async (req, res) => {
    // Local means loopback, or our own address when HOST is one interface (the CLI then connects to it).
    const remote = req.socket.remoteAddress;
    const local = isLoopback(remote) || (remote !== undefined && remote === req.socket.localAddress);
    const header = req.headers.authorization ?? '';
    if (!local || !header.startsWith('Bearer ') || !sameSecret(header.slice(7), secret)) {
      res.status(404).json({ error: { message: 'Not found' } });
      return;
    }
    const name = String(req.params.command);
    if (!isCommandName(name)) {
      res.status(404).json({ error: { message: `Unknown command: ${name}` } });
      return;
    }
    // The client going away (Ctrl-C on the CLI), or the server shutting down, stops a long command
    // between two batches, so the shutdown's drain is not kept waiting by a 100,000-customer seed.
    const cancelled = new AbortController();
    const cancel = () => cancelled.abort();
    res.on('close', () => {
      if (!res.writableFinished) cancel();
    });
    process.once('SIGTERM', cancel);
    process.once('SIGINT', cancel);
    res.status(200).type('application/x-ndjson');
    res.flushHeaders();
    const line = (value: unknown) => res.write(`${JSON.stringify(value)}\n`);
    log.info({ command: name }, 'running a local command for the CLI');
    try {
      const result = await commands[name](database, req.body ?? {}, (progress) => line({ progress }), cancelled.signal);
      line({ result });
      log.info({ command: name }, 'local command done');
    } catch (error) {
      // Not the error itself: a failed statement's message carries its parameters (emails, names).
      if (!(error instanceof CommandError)) log.error({ command: name, error: (error as Error).name }, 'local command failed');
      line({ error: { message: (error as Error).message } });
    } finally {
      process.removeListener('SIGTERM', cancel);
      process.removeListener('SIGINT', cancel);
    }
    res.end();
  });
  return router;
}
