// One process at a time on an embedded (PGlite) data directory. PGlite is PostgreSQL in this process's
// memory, writing straight to the files: a second process opening the same directory does not see the
// first one's changes and, once both have written, the directory no longer opens (RuntimeError:
// Aborted()). So whoever opens it first writes a lock file naming itself (pid, server or CLI command,
// start time, for a server its port) and everyone else is refused with a message naming the holder.
// A lock whose process is gone (kill -9, power cut) is recovered: same host and the pid is dead, or
// the pid now belongs to another process (its start time differs).
// The lock file is 0600 because a server also records a secret there: local CLI commands read it to
// run through the server instead of opening the directory themselves (src/cli/endpoint.ts).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'data-dir.lock';

export type LockHolder = {
  pid: number;
  role: 'server' | 'cli';
  /** What runs: "server", or the CLI command ("seed", "admin create-organisation", …). */
  command: string;
  hostname: string;
  startedAt: string;
  /** The process's start time as the kernel counts it (Linux), to tell a reused pid from the holder. */
  processStart?: string;
  /** Unique per acquisition, so a process only ever removes its own lock. */
  nonce: string;
  /** A server's address for local CLI commands, once it listens. */
  port?: number;
  address?: string;
  secret?: string;
};

export type DataDirLock = {
  file: string;
  holder: LockHolder;
  /** Records where a server listens, for CLI commands run while it runs. */
  announce(endpoint: { port: number; address: string }): void;
  /** Removes the lock if it is still this process's; also done on process exit. */
  release(): void;
};

/** A refusal, not a bug: its message says who holds the directory and what to do. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
    readonly file: string,
  ) {
    super(describeRefusal(dataDir, holder, file));
    this.name = 'DataDirInUseError';
    // Printed as is by whoever catches it at the top: a stack trace would only bury the message.
    this.stack = this.message;
  }
}

function describeRefusal(dataDir: string, holder: LockHolder | null, file: string): string {
  if (!holder) {
    return (
      `The data directory ${dataDir} is in use by another process (its lock file ${file} cannot be read).\n` +
      `The embedded database is opened by one process at a time. Stop that process first, or set another DATA_DIR.`
    );
  }
  const who =
    holder.role === 'server' ? `the server (pid ${holder.pid}${holder.port ? `, port ${holder.port}` : ''})` : `\`${holder.command}\` (pid ${holder.pid})`;
  const where = holder.hostname !== os.hostname() ? ` on host ${holder.hostname}` : '';
  const lines = [`The data directory ${dataDir} is in use by ${who}${where}, since ${holder.startedAt}.`];
  lines.push('The embedded database is opened by one process at a time.');
  if (where) lines.push(`If that process is no longer running, delete ${file} and try again.`);
  else if (holder.role === 'server') {
    lines.push(
      `Stop that server first (kill -TERM ${holder.pid}), or use it${holder.port ? ` at http://localhost:${holder.port}/graphql` : ''}; ` +
        `\`npm run admin\` and \`npm run seed\` run through it. For a second server, set another DATA_DIR or use PostgreSQL (DATABASE_URL).`,
    );
  } else lines.push(`Wait for it to finish, or stop it (kill -TERM ${holder.pid}), then try again.`);
  return lines.join('\n');
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot (Linux only). */
function processStartOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isRunning(holder: LockHolder): boolean {
  // Another host's pids mean nothing here: assume it runs, and say so in the refusal.
  if (holder.hostname !== os.hostname()) return true;
  // Our own pid in a lock we do not hold: a previous run of a process that got the same pid
  // (typically pid 1 in a restarted container).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStartOf(holder.pid);
  return !(start && holder.processStart && start !== holder.processStart);
}

/** The current holder, or null if there is no lock; throws on an unreadable lock file. */
export function readDataDirLock(dataDir: string): LockHolder | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

function writeAtomically(file: string, holder: LockHolder): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

const held = new Map<string, DataDirLock>();

/**
 * Takes the data directory for this process or throws DataDirInUseError naming the holder.
 * Creates the directory if needed; touches nothing in it when refused.
 */
export function acquireDataDirLock(dataDir: string, who: { role: LockHolder['role']; command: string }, log?: (message: string) => void): DataDirLock {
  const directory = path.resolve(dataDir);
  const file = path.join(directory, LOCK_FILE);
  const mine = held.get(file);
  if (mine) throw new DataDirInUseError(directory, mine.holder, file);
  fs.mkdirSync(directory, { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    role: who.role,
    command: who.command,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    processStart: processStartOf(process.pid),
    nonce: randomBytes(16).toString('hex'),
    ...(who.role === 'server' ? { secret: randomBytes(32).toString('base64url') } : {}),
  };

  for (let attempt = 0; ; attempt++) {
    try {
      // O_EXCL: of two processes starting at once, exactly one creates the file.
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeSync(fd, `${JSON.stringify(holder)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
    }
    let current: LockHolder | null;
    try {
      current = readDataDirLock(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') throw new DataDirInUseError(directory, null, file);
      throw error;
    }
    if (current && isRunning(current)) throw new DataDirInUseError(directory, current, file);
    if (!current) {
      // Empty or half-written: another process may be writing it this instant. Give it a moment,
      // then count it as left behind by a crash.
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age < 2000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
        continue;
      }
    }
    // Recovering: move the stale lock aside under a name of our own (atomic), and only then check it
    // is still the stale one; a process that recovered it first will have replaced it with its own.
    const aside = `${file}.stale.${process.pid}`;
    try {
      fs.renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    let moved: LockHolder | null = null;
    try {
      moved = JSON.parse(fs.readFileSync(aside, 'utf8')) as LockHolder;
    } catch {
      /* unreadable: it was stale */
    }
    if (moved && current && moved.nonce !== current.nonce && isRunning(moved)) {
      // Someone else recovered it in between and now holds it: put theirs back and stop.
      try {
        fs.linkSync(aside, file);
      } catch {
        /* a third process took it meanwhile; theirs stays */
      }
      fs.rmSync(aside, { force: true });
      throw new DataDirInUseError(directory, moved, file);
    }
    fs.rmSync(aside, { force: true });
    log?.(
      current
        ? `recovered a stale lock on ${directory}: ${current.command} (pid ${current.pid}, since ${current.startedAt}) is no longer running`
        : `recovered a stale lock on ${directory} (empty lock file)`,
    );
  }

  const lock: DataDirLock = {
    file,
    holder,
    announce(endpoint) {
      Object.assign(holder, endpoint);
      writeAtomically(file, holder);
    },
    release() {
      if (held.get(file) !== lock) return;
      held.delete(file);
      process.removeListener('exit', onExit);
      try {
        if (readDataDirLock(directory)?.nonce === holder.nonce) fs.rmSync(file, { force: true });
      } catch {
        /* nothing more to do on the way out */
      }
    },
  };
  const onExit = () => lock.release();
  // Normal exit, process.exit() (the server's SIGTERM path ends there), and uncaught errors.
  process.on('exit', onExit);
  held.set(file, lock);
  return lock;
}
