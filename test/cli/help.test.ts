// The CLIs answer --help with their usage on stdout and exit 0, without reading the database or the
// data directory; an unknown command or option prints the usage on stderr and exits 2.
// @database-independent: the CLIs answer --help without a database, so the PostgreSQL run leaves it out (jest.config.ts).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');

let parent: string;
let env: NodeJS.ProcessEnv;

/** A port nothing listens on: a database URL there fails at once if anything tries to connect. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function npm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '-s', ...args], { cwd: root, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-help-'));
  env = {
    ...process.env,
    DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/none`,
    DATA_DIR: path.join(parent, 'data'),
    LOG_LEVEL: 'silent',
    NODE_OPTIONS: '',
  };
});
afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));

describe.each([
  { script: 'admin', names: ['create-organisation', '--name', '--admin-email', '--json', 'DATABASE_URL', 'DATA_DIR'] },
  { script: 'seed', names: ['--customers', '--organisation', '--batch-size', 'DATABASE_URL', 'DATA_DIR'] },
  { script: 'db:migrate', names: ['npm run db:migrate', 'DATABASE_URL', 'DATA_DIR'] },
])('npm run $script', ({ script, names }) => {
  test('--help prints the usage, commands and options on stdout and exits 0 without opening the database', async () => {
    const answer = await npm(script, '--', '--help');
    expect({ code: answer.code, stderr: answer.stderr }).toEqual({ code: 0, stderr: '' });
    expect(answer.stdout).toMatch(/^Usage: npm run /);
    for (const name of names) expect(answer.stdout).toContain(name);
    expect(answer.stdout).toContain('Example');
    // DATABASE_URL points at a closed port and DATA_DIR at nothing: neither was touched.
    expect(fs.existsSync(path.join(parent, 'data'))).toBe(false);
    expect(await npm(script, '--', '-h')).toEqual(answer);
  });

  test('an unknown option prints the usage on stderr and exits 2', async () => {
    const answer = await npm(script, '--', '--no-such-option');
    expect(answer).toMatchObject({ code: 2, stdout: '' });
    expect(answer.stderr).toContain("Unknown option '--no-such-option'");
    expect(answer.stderr).toContain('Usage: npm run ');
  });
});

test('npm run admin with an unknown command prints the usage on stderr and exits 2', async () => {
  const answer = await npm('admin', '--', 'delete-everything');
  expect(answer).toMatchObject({ code: 2, stdout: '' });
  expect(answer.stderr).toContain('Unknown command: delete-everything');
  expect(answer.stderr).toContain('create-organisation');
});
