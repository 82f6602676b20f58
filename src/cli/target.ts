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
  /** How the command runs, for a line on stderr. */
  description: string;
  run<C extends CommandName>(command: C, args: unknown, progress?: CommandProgress): Promise<CommandResult<C>>;
  close(): Promise<void>;
};

const STARTING_SERVER_WAIT_MS = 60_000;

export async function openCommandTarget(config: Config, command: string): Promise<CommandTarget> {
  const started = Date.now();
  for (;;) {
    try {
      return direct(await openConfiguredDatabase(config, { role: 'cli', command }));
    } catch (error) {
      if (!(error instanceof DataDirInUseError) || error.holder?.role !== 'server' || error.holder.hostname !== os.hostname()) throw error;
      const holder = readDataDirLock(config.dataDir) ?? error.holder;
      if (holder.port && holder.address && holder.secret) return throughServer(holder);
      // The server is still migrating or creating demo data; it announces its port once it listens.
      if (Date.now() - started > STARTING_SERVER_WAIT_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function direct(database: Database): CommandTarget {
  // Ctrl-C or SIGTERM: close the database (ending the lock) rather than die holding it.
  const stop = (code: number) => () => void database.close().finally(() => process.exit(code));
  const onInt = stop(130);
  const onTerm = stop(143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return {
    description: `${database.kind} database`,
    run: (command, args, progress) => commands[command](database, args, progress) as Promise<CommandResult<typeof command>>,
    close: async () => {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      await database.close();
    },
  };
}

function throughServer(holder: LockHolder): CommandTarget {
  const host = holder.address!.includes(':') ? `[${holder.address}]` : holder.address!;
  return {
    description: `the running server (pid ${holder.pid}, port ${holder.port})`,
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
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const message = JSON.parse(buffered.slice(0, newline)) as { progress?: { done: number; total: number }; result?: unknown; error?: { message: string } };
          buffered = buffered.slice(newline + 1);
          if (message.progress) progress?.(message.progress);
          if (message.error) throw new CommandError(message.error.message);
          if ('result' in message) return message.result as CommandResult<typeof command>;
        }
      }
      throw new CommandError(`The server (pid ${holder.pid}) stopped before the command finished.`);
    },
    close: async () => undefined,
  };
}
