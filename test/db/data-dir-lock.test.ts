// The data directory lock's decisions, one by one: which locks are stale and recovered, which are
// refused and with what message. (test/cli/embedded-data-dir.test.ts runs the real processes.)
// @database-independent: it is about the embedded data directory itself, so the PostgreSQL run leaves it out (jest.config.ts).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE, readDataDirLock, type LockHolder } from '../../src/db/data-dir-lock';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-lock-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function writeLock(holder: Partial<LockHolder>) {
  const full: LockHolder = { pid: 1, role: 'server', command: 'server', hostname: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z', nonce: 'n', ...holder };
  fs.writeFileSync(path.join(dataDir, LOCK_FILE), JSON.stringify(full));
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

it('writes a 0600 lock naming this process, refuses a second holder, and removes it on release', () => {
  const lock = acquireDataDirLock(dataDir, { role: 'cli', command: 'seed' });
  expect(fs.statSync(path.join(dataDir, LOCK_FILE)).mode & 0o777).toBe(0o600);
  expect(readDataDirLock(dataDir)).toMatchObject({ pid: process.pid, role: 'cli', command: 'seed' });
  expect(() => acquireDataDirLock(dataDir, { role: 'server', command: 'server' })).toThrow(DataDirInUseError);
  lock.release();
  expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  acquireDataDirLock(dataDir, { role: 'server', command: 'server' }).release();
});

it('recovers the lock of a process that is gone', () => {
  writeLock({ pid: deadPid() });
  const said: string[] = [];
  const lock = acquireDataDirLock(dataDir, { role: 'server', command: 'server' }, (line) => said.push(line));
  expect(said.join()).toContain('recovered a stale lock');
  expect(readDataDirLock(dataDir)?.pid).toBe(process.pid);
  lock.release();
});

it('recovers a lock whose pid now belongs to another process (start time differs)', async () => {
  const child = spawn('sleep', ['30']);
  try {
    if (!fs.existsSync(`/proc/${child.pid}/stat`)) return; // Linux only
    writeLock({ pid: child.pid, processStart: '1' });
    acquireDataDirLock(dataDir, { role: 'server', command: 'server' }).release();
  } finally {
    child.kill();
  }
});

it('refuses a live holder, and a holder on another host with how to recover', async () => {
  const child = spawn('sleep', ['30']);
  try {
    writeLock({ pid: child.pid, port: 4000 });
    expect(() => acquireDataDirLock(dataDir, { role: 'cli', command: 'seed' })).toThrow(`is in use by the server (pid ${child.pid}, port 4000)`);
  } finally {
    child.kill();
  }
  writeLock({ pid: deadPid(), hostname: 'elsewhere' });
  expect(() => acquireDataDirLock(dataDir, { role: 'server', command: 'server' })).toThrow(/on host elsewhere[\s\S]*delete .*data-dir\.lock/);
  // Refusals touch nothing.
  expect(readDataDirLock(dataDir)?.hostname).toBe('elsewhere');
});

it('counts a lock with our own pid that we do not hold as stale (a restarted container is pid 1 again)', () => {
  writeLock({ pid: process.pid, nonce: 'previous-run' });
  acquireDataDirLock(dataDir, { role: 'server', command: 'server' }).release();
});
