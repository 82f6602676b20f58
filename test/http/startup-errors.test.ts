// Issue 10, item 12: a server that cannot start says why in one line naming the variable, exits with
// a non-zero code, and writes nothing: an unreachable DATABASE_URL (refused, unknown host, refused
// login or missing database) and a taken PORT (checked before any database is opened or demo data made).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnServer } from '../helpers/child-server';
import { testDatabaseUrl, withDatabaseName } from '../helpers/database';
import { freePort } from '../helpers/pg-cluster';

async function failedStart(env: Record<string, string>) {
  const server = spawnServer(env);
  const timer = setTimeout(() => void server.kill(), 40_000);
  try {
    const code = await server.exited;
    return { code, stderr: server.stderr(), stdout: server.stdout() };
  } finally {
    clearTimeout(timer);
  }
}

/** One line on stderr, no stack trace, no SQL. */
function expectOneClearLine(stderr: string) {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toMatch(/CREATE SCHEMA|Failed query/i);
}

describe('a database that cannot be reached', () => {
  it('refused: names DATABASE_URL and ECONNREFUSED, exits non-zero', async () => {
    const port = await freePort();
    const result = await failedStart({ DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/crm`, PORT: '0' });
    expect(result.code).not.toBe(0);
    expectOneClearLine(result.stderr);
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    // The password never appears.
    expect(result.stderr + result.stdout).not.toContain('secret');
    expect(result.stdout).not.toMatch(/"msg":"listening"/);
  }, 60_000);

  it('unknown host: names DATABASE_URL and says the host was not found', async () => {
    const result = await failedStart({ DATABASE_URL: 'postgres://postgres@no-such-host.invalid:5432/crm', PORT: '0' });
    expect(result.code).not.toBe(0);
    expectOneClearLine(result.stderr);
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).toMatch(/host .*not found|ENOTFOUND|EAI_AGAIN/);
  }, 60_000);

  const url = testDatabaseUrl();
  (url ? it : it.skip)(
    'missing database on a reachable server: names DATABASE_URL and what PostgreSQL said',
    async () => {
      const result = await failedStart({ DATABASE_URL: withDatabaseName(url!, 'crm_no_such_database_pgfaults'), PORT: '0' });
      expect(result.code).not.toBe(0);
      expectOneClearLine(result.stderr);
      expect(result.stderr).toContain('DATABASE_URL');
      expect(result.stderr).toContain('does not exist');
    },
    60_000,
  );
});

describe('a port that is taken', () => {
  let blocker: net.Server;
  let port: number;
  let root: string;

  beforeAll(async () => {
    blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as net.AddressInfo).port;
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-startup-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('names PORT, exits non-zero, and writes nothing (no data folder, no demo data)', async () => {
    const dataDir = path.join(root, 'data');
    const result = await failedStart({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO_DATA: 'true' });
    expect(result.code).not.toBe(0);
    expectOneClearLine(result.stderr);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain(String(port));
    expect(result.stderr).not.toContain('EADDRINUSE\n    at');
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(result.stdout).not.toMatch(/demo organisation/);
  }, 60_000);
});
