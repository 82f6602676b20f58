// A person's first visit: the server from `npm start` (built, embedded database, demo data), opened
// in a real browser. GraphiQL loads with no network beyond this machine, runs its preloaded query
// with the preloaded demo token, and shows customers.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const root = path.join(__dirname, '..');

let server: ChildProcess;
let browser: Browser | undefined;
let dataDir: string;
let baseUrl: string;
let serverOutput = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}:\n${serverOutput}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${serverOutput}`);
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``);
  if (!fs.existsSync(path.join(root, 'dist/src/main.js'))) throw new Error('dist/src/main.js is missing: run `npm run build` first');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-e2e-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO_DATA: 'true', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.NODE_OPTIONS;
  // As `npm start` runs it: Jest sets NODE_ENV=test, which changes Apollo's signal handling.
  delete env.NODE_ENV;
  server = spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d) => (serverOutput += d));
  server.stderr!.on('data', (d) => (serverOutput += d));
  await waitUntilReady(`${baseUrl}/readyz`, 90_000);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

it('opens GraphiQL, runs the preloaded query with the demo token, and shows customers', async () => {
  const page = await browser!.newPage();
  const hosts = new Set<string>();
  page.on('request', (request) => hosts.add(new URL(request.url()).host));

  await page.goto(`${baseUrl}/graphql`);
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
  // The headers editor holds the demo admin token the server printed.
  await expect(page.locator('.graphiql-editor-tool').textContent()).resolves.toContain('Bearer crm_');

  await page.locator('.graphiql-execute-button').click();
  const response = page.locator('.graphiql-response');
  await response.getByText('"totalCount"').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'graphiql-e2e.png') });

  const text = (await response.innerText()).replace(/\s+/g, ' ');
  expect(text).toContain('"totalCount": 60');
  // The editor renders only the lines in view: the first customer, with a contact, is among them.
  expect(text).toMatch(/"name": "[^"]+"/);
  expect(text).toMatch(/"fullName": "[^"]+"/);
  expect(text).not.toContain('"errors"');

  // Everything came from this server: GraphiQL works offline.
  expect([...hosts]).toEqual([new URL(baseUrl).host]);
});

// Last: it stops the server. A hang detector, not a speed target: Apollo's own signal handler once
// held shutdown in a 10 s drain that raced the server's 10 s limit (which exits 1).
test('the server finishes and exits 0 on SIGTERM', async () => {
  await browser?.close();
  browser = undefined;
  const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
  const started = Date.now();
  server.kill('SIGTERM');
  const code = await exited;
  expect({ code, output: code === 0 ? '' : serverOutput }).toEqual({ code: 0, output: '' });
  expect(Date.now() - started).toBeLessThan(5000);
});
