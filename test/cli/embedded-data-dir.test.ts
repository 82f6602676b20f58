// The embedded database's data directory is opened by one process at a time (issue 10, item 3):
// the README's CLI commands run against a running server through it, a second server is refused
// with a message naming the holder, and a lock left by a killed process is recovered.
// Every process here is a real child process on a real data directory, as an operator would run them.
// @database-independent: it is about the embedded data directory itself, so the PostgreSQL run leaves it out (jest.config.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { acquireDataDirLock } from '../../src/db/data-dir-lock';
import { serverEntry } from '../helpers/child-server';
import { MIGRATED_DIR_ENV } from '../helpers/database';

const root = path.join(__dirname, '../..');
const execFileAsync = promisify(execFile);

jest.setTimeout(180_000);

function envFor(dataDir: string): NodeJS.ProcessEnv {
  // The embedded database only: these tests are about its data directory, whatever the suite runs on.
  return { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'false', LOG_LEVEL: 'info', NODE_OPTIONS: '' };
}

type RunningServer = { child: ChildProcess; port: number; output: () => string; exited: Promise<number | null> };

/** `npm start`'s program (dist/src/main.js); resolves once it listens, rejects if it exits first. */
function startServer(dataDir: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [serverEntry], { cwd: root, env: envFor(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+),"msg":"listening"/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), output: () => output, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(Object.assign(new Error(`server exited with ${code}:\n${output}`), { code, output })));
  });
}

async function stopServer(server: RunningServer): Promise<number | null> {
  server.child.kill('SIGTERM');
  return server.exited;
}

async function npmRun(dataDir: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('npm', ['run', '-s', ...args], { cwd: root, env: envFor(dataDir) });
}

async function graphql(port: number, token: string, query: string): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

const customerCount = `{ viewer { organisation { name } } customers(first: 1) { totalCount } }`;

let dataDir: string;
const started: RunningServer[] = [];
/**
 * A migrated data directory: the tests that are not about a first start begin from a copy. It is a copy
 * of the one global setup migrated (an initdb and every migration cost ~7 s of CPU on the embedded
 * database; the first test's first start does them), brought up to date by `npm run db:migrate`.
 */
let migrated: string;

beforeAll(async () => {
  migrated = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-datadir-migrated-'));
  const template = process.env[MIGRATED_DIR_ENV];
  if (template) fs.cpSync(template, migrated, { recursive: true });
  const { stderr } = await npmRun(migrated, ['db:migrate']);
  expect(stderr).toContain('Migrations applied');
  expect(fs.existsSync(path.join(migrated, 'data-dir.lock'))).toBe(false);
});
afterAll(() => fs.rmSync(migrated, { recursive: true, force: true }));

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-datadir-'));
});

/** The data directory starts as a copy of the migrated one (a server's first start is the first test's). */
function fromMigrated(): void {
  fs.cpSync(migrated, dataDir, { recursive: true });
}

afterEach(async () => {
  for (const server of started.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) await stopServer(server);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<RunningServer> {
  const server = await startServer(dataDir);
  started.push(server);
  return server;
}

it('runs the admin and seed commands against a running server, whose data survives a restart', async () => {
  const server = await start();

  const { stdout } = await npmRun(dataDir, ['admin', '--', 'create-organisation', '--name', 'Acme', '--admin-email', 'admin@acme.test', '--json']);
  const created = JSON.parse(stdout) as { organisationId: string; token: string };
  // The token the CLI printed works against the server that was already running.
  expect((await graphql(server.port, created.token, customerCount)).data).toEqual({ viewer: { organisation: { name: 'Acme' } }, customers: { totalCount: 0 } });

  await npmRun(dataDir, ['seed', '--', '--customers', '25', '--organisation', created.organisationId]);
  expect((await graphql(server.port, created.token, customerCount)).data.customers.totalCount).toBe(25);

  expect(await stopServer(server)).toBe(0);
  expect(fs.existsSync(path.join(dataDir, 'data-dir.lock'))).toBe(false);

  // The next start finds everything (before the lock, PGlite aborted here: RuntimeError: Aborted()).
  const again = await start();
  expect((await graphql(again.port, created.token, customerCount)).data).toEqual({ viewer: { organisation: { name: 'Acme' } }, customers: { totalCount: 25 } });
});

it('refuses a second server on the same data directory with a message naming the holder', async () => {
  fromMigrated();
  const first = await start();
  const lockBefore = fs.readFileSync(path.join(dataDir, 'data-dir.lock'), 'utf8');

  const second = await startServer(dataDir).then(
    (s) => {
      started.push(s);
      throw new Error(`a second server started on port ${s.port}`);
    },
    (error: { code: number; output: string }) => error,
  );
  expect(second.code).not.toBe(0);
  expect(JSON.parse(lockBefore).pid).toBe(first.child.pid);
  expect(second.output).toContain(`is in use by the server (pid ${first.child.pid}, port ${first.port})`);
  expect(second.output).not.toMatch(/\n\s+at /); // one clear message, no stack trace
  // It touched nothing: the first server's lock is as it was, and the first server still answers.
  expect(fs.readFileSync(path.join(dataDir, 'data-dir.lock'), 'utf8')).toBe(lockBefore);
  expect((await fetch(`http://127.0.0.1:${first.port}/readyz`)).status).toBe(200);

  // The endpoint the CLI uses answers only callers with the secret from the 0600 lock file.
  const url = `http://127.0.0.1:${first.port}/_local/commands/create-organisation`;
  const body = JSON.stringify({ name: 'Intruder', adminEmail: 'x@intruder.test' });
  for (const authorization of [undefined, 'Bearer not-the-secret', `Bearer ${JSON.parse(lockBefore).nonce}`]) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
    expect(response.status).toBe(404);
  }
});

it('refuses to start while a CLI command holds the data directory', async () => {
  fs.mkdirSync(dataDir, { recursive: true });
  const lock = acquireDataDirLock(dataDir, { role: 'cli', command: 'seed' });
  try {
    const refused = await startServer(dataDir).then(
      (s) => {
        started.push(s);
        throw new Error('the server started');
      },
      (error: { code: number; output: string }) => error,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(`is in use by \`seed\` (pid ${process.pid}`);
  } finally {
    lock.release();
  }
});

it('recovers the lock of a process that was killed', async () => {
  fromMigrated();
  const first = await start();
  const { stdout } = await npmRun(dataDir, ['admin', '--', 'create-organisation', '--name', 'Acme', '--admin-email', 'admin@acme.test', '--json']);
  const created = JSON.parse(stdout) as { token: string };
  // The server itself (the process the lock names), as an OOM killer or a power cut would.
  process.kill(JSON.parse(fs.readFileSync(path.join(dataDir, 'data-dir.lock'), 'utf8')).pid, 'SIGKILL');
  await first.exited;
  expect(fs.existsSync(path.join(dataDir, 'data-dir.lock'))).toBe(true);

  const second = await start();
  expect(second.output()).toContain('stale lock');
  expect((await graphql(second.port, created.token, customerCount)).data.viewer.organisation.name).toBe('Acme');
  // And the CLI, with no server running, opens the directory itself and leaves no lock behind.
  expect(await stopServer(second)).toBe(0);
  const { stdout: direct } = await npmRun(dataDir, ['admin', '--', 'create-organisation', '--name', 'Beta', '--admin-email', 'admin@beta.test', '--json']);
  expect(JSON.parse(direct).token).toMatch(/^crm_/);
  expect(fs.existsSync(path.join(dataDir, 'data-dir.lock'))).toBe(false);
});

it('stops a seed running through the server between two batches when the server is stopped', async () => {
  fromMigrated();
  const server = await start();
  const serverPid = JSON.parse(fs.readFileSync(path.join(dataDir, 'data-dir.lock'), 'utf8')).pid as number;
  const { stdout } = await npmRun(dataDir, ['admin', '--', 'create-organisation', '--name', 'Acme', '--admin-email', 'admin@acme.test', '--json']);
  const created = JSON.parse(stdout) as { organisationId: string; token: string };

  const seed = spawn('npm', ['run', '-s', 'seed', '--', '--customers', '100000', '--batch-size', '100', '--organisation', created.organisationId], {
    cwd: root,
    env: envFor(dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seedOutput = '';
  const seedExited = new Promise<number | null>((resolve) => seed.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    seed.stderr!.on('data', (chunk: Buffer) => {
      seedOutput += chunk.toString();
      if (seedOutput.includes('Seeding through the running server')) resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // The server keeps answering while the seed runs in it (PGlite's queries run in its thread).
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
  process.kill(serverPid, 'SIGTERM');

  expect(await server.exited).toBe(0);
  expect(await seedExited).toBe(1);
  expect(seedOutput).toContain('the command was cancelled');

  // Whole batches only, and the directory opens again.
  const again = await start();
  const count = (await graphql(again.port, created.token, customerCount)).data.customers.totalCount as number;
  expect(count % 100).toBe(0);
  expect(count).toBeLessThan(100000);
});
