// Where a CLI command runs: on the database itself when this process can open it, or through the
// running server when that server holds the embedded data directory (endpoint.ts), so the README's
// commands work whether or not `npm start` is running. Any other holder (another CLI command, a
// server on another host) is a refusal naming it (DataDirInUseError).
import os from 'node:os';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { DataDirInUseError, readDataDirLock, type LockHolder } from '../db/data-dir-lock';
import { openConfiguredDatabase } from '../db/open';
import { commands, CommandError, type CommandName, type CommandProgress, type CommandResult } from './commands';
import { COMMAND_PATH } from './endpoint';

export type CommandTarget = {
  /** How the command runs ("directly on the embedded database", "through the running server (…)"). */
  description: string;
  run<C extends CommandName>(command: C, args: unknown, progress?: CommandProgress): Promise<CommandResult<C>>;
  close(): Promise<void>;
};

const STARTING_SERVER_WAIT_MS = 60_000;

export async function openCommandTarget(config: Config, command: string): Promise<CommandTarget> {
  const started = Date.now();
  let waiting = false;
  for (;;) {
    try {
      return await direct(config, command);
    } catch (error) {
      if (!(error instanceof DataDirInUseError) || error.holder?.role !== 'server' || error.holder.hostname !== os.hostname()) throw error;
      const holder = readDataDirLock(config.dataDir) ?? error.holder;
      if (holder.port && holder.address && holder.secret) return throughServer(holder);
      // The server is still migrating or creating demo data; it announces its port once it listens.
      if (Date.now() - started > STARTING_SERVER_WAIT_MS) throw error;
      if (!waiting) process.stderr.write(`Waiting for the server (pid ${holder.pid}) to finish starting…\n`);
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Opens the database in this process. Ctrl-C or SIGTERM stops a running command between two of its
 * transactions, then the database is closed (ending the lock); a second signal, or 10 s, exits at once
 * (the lock goes with the process, and PGlite recovers as after a crash).
 */
async function direct(config: Config, command: string): Promise<CommandTarget> {
  const cancelled = new AbortController();
  let database: Database | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (!database || cancelled.signal.aborted) process.exit(code);
    process.stderr.write(`\n${signal}: stopping after the current batch (again to stop at once)\n`);
    cancelled.abort();
    setTimeout(() => process.exit(code), 10_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const removeHandlers = () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  try {
    database = await openConfiguredDatabase(config, { role: 'cli', command });
  } catch (error) {
    removeHandlers();
    throw error;
  }
  const opened = database;
  return {
    description: `directly on the ${opened.kind} database`,
    run: (name, args, progress) => commands[name](opened, args, progress, cancelled.signal) as Promise<CommandResult<typeof name>>,
    close: async () => {
      try {
        await opened.close();
      } finally {
        removeHandlers();
      }
    },
  };
}

function throughServer(holder: LockHolder): CommandTarget {
  const host = holder.address!.includes(':') ? `[${holder.address}]` : holder.address!;
  return {
    description: `through the running server (pid ${holder.pid}, port ${holder.port})`,
    async run(command, args, progress) {
      let response: Response;
      try {
        response = await fetch(`http://${host}:${holder.port}${COMMAND_PATH}/${command}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${holder.secret}` },
          body: JSON.stringify(args),
        });
      } catch (error) {
        throw new CommandError(
          `The data directory is held by the server (pid ${holder.pid}), but it does not answer on port ${holder.port}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
        );
      }
      if (!response.ok || !response.body) throw new CommandError(`The server (pid ${holder.pid}) refused the command: HTTP ${response.status}`);
      let buffered = '';
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffered += decoder.decode(chunk, { stream: true });
          let newline;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const message = JSON.parse(buffered.slice(0, newline)) as {
              progress?: { done: number; total: number };
              result?: unknown;
              error?: { message: string };
            };
            buffered = buffered.slice(newline + 1);
            if (message.progress) progress?.(message.progress);
            if (message.error) throw new CommandError(message.error.message);
            if ('result' in message) return message.result as CommandResult<typeof command>;
          }
        }
      } catch (error) {
        if (error instanceof CommandError) throw error;
        // The connection dropped (the server was killed): what it committed so far stays, batch by batch.
      }
      throw new CommandError(`The server (pid ${holder.pid}) stopped before the command finished; what it had written stays.`);
    },
    close: async () => undefined,
  };
}

/** The environment variables every command reads, for its --help (`what`: "the command runs"…). */
export function environmentHelp(what: string): string {
  return [
    '  DATABASE_URL   postgres://… to use a PostgreSQL server; unset: the embedded database in DATA_DIR',
    '  DATA_DIR       Where the embedded database keeps its files (default .data). If a server',
    `                 started with \`npm start\` holds it, ${what} through that server.`,
  ].join('\n');
}
