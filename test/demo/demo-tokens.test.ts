// `npm start` with demo data: the demo tokens it prints work, GraphiQL gets the admin's, and none of
// them is stored in plain text; each start issues fresh ones and revokes the previous start's. With
// demo data on and no HOST, the server listens on 127.0.0.1 only and says so.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { issueToken } from '../../src/auth/tokens';
import { selectRows, type Database } from '../../src/db/client';
import { serverEntry } from '../helpers/child-server';
import { createChildDatabase, type ChildDatabase } from '../helpers/database';

jest.setTimeout(180_000);

const root = path.join(__dirname, '../..');

type Started = { child: ChildProcess; output: string; url: string; tokens: Map<string, string> };

/** Runs the server as `npm start` does (dist/src/main.js) and waits for its start-up message. */
async function start(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, [serverEntry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  const ready = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      output += d;
      const match = /ready: (http:\/\/\S+\/graphql)/.exec(output);
      if (match && /Demo tokens[\s\S]*READ_ONLY.*crm_\S+/.test(output)) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const url = await ready;
  const tokens = new Map(
    [...output.matchAll(/^\s+(ADMIN|MANAGER|SALES|SERVICE|FINANCE|READ_ONLY)\s+\S+@demo\.test\s+(crm_\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  return { child, output, url, tokens };
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  await exited;
}

async function ask(url: string, token: string, query = '{ customers(first: 1) { totalCount } }') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
}

/** Rows of any table in the public schema whose text contains `needle`. */
async function tablesContaining(database: Database, needle: string): Promise<string[]> {
  const tables = await selectRows<{ name: string }>(
    database.db,
    sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const found: string[] = [];
  for (const { name } of tables) {
    const [row] = await selectRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from ${sql.identifier(name)} t where strpos(t::text, ${needle}) > 0`,
    );
    if (row!.n > 0) found.push(name);
  }
  return found;
}

let database: ChildDatabase;
let baseEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  // The server's database, opened by the test between the server's runs (database.use).
  database = await createChildDatabase();
  baseEnv = { ...process.env, PORT: '0', ...database.env, DEMO_DATA: 'true', LOG_LEVEL: 'warn', NODE_ENV: 'development' };
  delete baseEnv.HOST;
  delete baseEnv.NODE_OPTIONS;
});

afterAll(async () => {
  await database.drop();
});

it('prints working demo tokens, stores none in plain text, and replaces them on the next start', async () => {
  const first = await start(baseEnv);
  let firstTokens: Map<string, string>;
  try {
    firstTokens = first.tokens;
    expect([...firstTokens.keys()]).toEqual(['ADMIN', 'MANAGER', 'SALES', 'SERVICE', 'FINANCE', 'READ_ONLY']);
    for (const [role, token] of firstTokens) {
      const { body } = await ask(first.url, token, '{ viewer { user { role } } }');
      expect(body.data?.viewer?.user?.role).toBe(role);
    }
    const page = await fetch(first.url, { headers: { accept: 'text/html' } }).then((r) => r.text());
    expect(page).toContain(firstTokens.get('ADMIN'));
  } finally {
    await stop(first);
  }

  await database.use(async (database) => {
    for (const token of firstTokens.values()) expect(await tablesContaining(database, token)).toEqual([]);
    // A database written by an earlier version kept a demo token in plain text: it goes, and stops working.
    const [admin] = await selectRows<{ id: string; organisation_id: string }>(
      database.db,
      sql`select id, organisation_id from users where email = 'admin@demo.test'`,
    );
    const legacy = await issueToken(database.db, { id: admin!.id, organisationId: admin!.organisation_id }, 'admin token');
    await database.db.execute(sql`insert into demo_credentials (user_id, organisation_id, token) values (${admin!.id}, ${admin!.organisation_id}, ${legacy})`);
    firstTokens.set('LEGACY', legacy);
  });

  const second = await start(baseEnv);
  try {
    const admin = second.tokens.get('ADMIN')!;
    expect(admin).not.toBe(firstTokens.get('ADMIN'));
    expect((await ask(second.url, admin)).body.data?.customers.totalCount).toBe(60);
    // The demo's customers have money on their finance tab (src/finance/demo.ts).
    const finance = await ask(second.url, admin, '{ customers(first: 60) { nodes { name balance { balance { amountMinor } } } } }');
    const balances = (finance.body.data?.customers.nodes ?? []) as Array<{ name: string; balance: { balance: { amountMinor: number } } }>;
    expect(balances.filter((c) => c.balance.balance.amountMinor !== 0).length).toBeGreaterThan(0);
    for (const [, old] of firstTokens) {
      const { status, body } = await ask(second.url, old);
      expect({ status, code: body.errors?.[0]?.extensions?.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
  } finally {
    await stop(second);
  }
  await database.use(async (database) => {
    const [row] = await selectRows<{ n: number }>(database.db, sql`select count(*)::int as n from demo_credentials`);
    expect(row!.n).toBe(0);
    for (const token of second.tokens.values()) expect(await tablesContaining(database, token)).toEqual([]);
  });
});

it('listens on 127.0.0.1 only with demo data on and no HOST, and says so', async () => {
  const started = await start(baseEnv);
  try {
    expect(started.output).toMatch(/127\.0\.0\.1 only/);
    expect(started.output).toMatch(/HOST=0\.0\.0\.0/);
    const port = Number(new URL(started.url).port);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === 'IPv4');
    if (external) {
      const reached = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, external.address, () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      expect(reached).toBe(false);
    }
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  } finally {
    await stop(started);
  }
});
