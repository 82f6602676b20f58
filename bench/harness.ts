// What every benchmark needs: a one-line failure, the build, the demo organisation on the
// benchmark database (created if missing) with its admin's token, and the compiled server started
// on a free port (bench/serve.cjs, rule tree on or off) and stopped, with its memory read from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { loadConfig } from '../src/config';
import { postgresTarget, selectRows, type Db } from '../src/db/client';
import { openConfiguredDatabase } from '../src/db/open';
import { createDemoOrganisation, DEMO_ORGANISATION_NAME, issueDemoTokens } from '../src/demo/demo-organisation';
import { projectRoot } from '../src/paths';
import { organisations } from '../src/tenancy/tables';

/** The node flags `npm start` gives the server (package.json), so that the benchmark runs it as production does. */
function startFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const flags = /\bnode ((?:--\S+ )*)dist\/src\/main\.js/.exec(pkg.scripts.start)?.[1] ?? '';
  return flags.split(' ').filter(Boolean);
}

export type Bench = {
  log(message: string): void;
  fail(message: string): never;
  /** `npm run build`, its output on stderr so that stdout carries only the summary. */
  build(): void;
  /**
   * Runs `work` with the benchmark database, the demo organisation (made if missing, its customers
   * with `created`'s exact contact and address counts when given) and its admin's token.
   */
  withDemo<T>(databaseUrl: string, work: (demo: Demo) => Promise<T>, created?: DemoCounts): Promise<T>;
  startServer(options: { databaseUrl: string; shield?: boolean; env?: Record<string, string> }): Promise<Server>;
  stopServer(server: Server): Promise<number | null>;
};

export type DemoCounts = { contactsPerCustomer?: number; addressesPerCustomer?: number };

export type Demo = { db: Db; organisationId: string; adminToken: string; postgresVersion: string };

export type Server = { process: ChildProcess; baseUrl: string; exited: Promise<number | null> };

export function bench(name: string): Bench {
  const log = (message: string) => void process.stderr.write(`${name}: ${message}\n`);
  const fail = (message: string): never => {
    log(message);
    process.exit(1);
  };

  return {
    log,
    fail,
    build() {
      log('building (npm run build)');
      const started = Date.now();
      const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: ['ignore', 2, 2] });
      if (result.status !== 0) fail(`npm run build failed (exit ${result.status ?? result.signal})`);
      log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },

    async withDemo(databaseUrl, work, created = {}) {
      const database = await openConfiguredDatabase(loadConfig({ ...process.env, DATABASE_URL: databaseUrl }));
      try {
        const db = database.db;
        const [{ version } = { version: '?' }] = await selectRows<{ version: string }>(db, sql`select current_setting('server_version') as version`);
        const [existing] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.name, DEMO_ORGANISATION_NAME)).limit(1);
        let organisationId = existing?.id;
        if (!organisationId) {
          log(`creating the demo organisation "${DEMO_ORGANISATION_NAME}"`);
          organisationId = await createDemoOrganisation(db, created);
        }
        // Demo tokens are not stored: fresh ones, as `npm start` issues them (revoking earlier ones).
        const admin = (await issueDemoTokens(db)).find((d) => d.role === 'ADMIN');
        if (!admin) fail('the demo organisation has no ADMIN user (admin@demo.test)');
        return await work({ db, organisationId, adminToken: admin!.token, postgresVersion: version });
      } finally {
        await database.close();
      }
    },

    async startServer({ databaseUrl, shield = true, env = {} }) {
      const port = await freePort();
      // BENCH_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
      // (NODE_OPTIONS refuses --cpu-prof).
      const nodeArgs = [...startFlags(), ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
      const child = spawn(process.execPath, [...nodeArgs, path.join(projectRoot, 'bench/serve.cjs')], {
        cwd: projectRoot,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          BENCH_SHIELD: shield ? 'on' : 'off',
          // One client at full speed is exactly what the rate limit stops: off unless asked for
          // (RATE_LIMIT_ENABLED=true with a huge bucket measures what the limit itself costs).
          RATE_LIMIT_ENABLED: process.env.RATE_LIMIT_ENABLED ?? 'false',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [child.stdout, child.stderr]) {
        let partial = '';
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) if (line.trim()) process.stderr.write(`[server] ${line}\n`);
        });
      }
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const baseUrl = `http://127.0.0.1:${port}`;
      log(`started the server (pid ${child.pid}) on ${baseUrl}; waiting for /readyz`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (child.exitCode !== null) fail(`the server exited (code ${child.exitCode}) before it was ready`);
        try {
          if ((await fetch(`${baseUrl}/readyz`)).status === 200) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          fail('the server was not ready after 30 s');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return { process: child, baseUrl, exited };
    },

    async stopServer(server) {
      if (server.process.exitCode !== null) return server.process.exitCode;
      server.process.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000).unref());
      const result = await Promise.race([server.exited, timeout]);
      if (result === 'timeout') {
        log('the server did not stop within 15 s of SIGTERM; killing it');
        server.process.kill('SIGKILL');
        return server.exited;
      }
      return result;
    },
  };
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 0 && port !== 4000) return port;
  }
}

/**
 * Creates the database that `databaseUrl` names when it does not exist (through the server's
 * `postgres` database; the URL's user must be allowed to). Returns whether it created it.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`${databaseUrl}: the URL names no database`);
  url.pathname = '/postgres';
  const target = postgresTarget(url.toString());
  const admin = postgres(target.url, { path: target.path, max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (found) return false;
    await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** A line of /proc/<pid>/status in MiB (VmRSS now, VmHWM the peak); null off Linux. */
export function procMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** One timed request: its duration and the SQL statements it ran (NaN when the server did not say). */
export type Sample = { ms: number; statements: number; bytes?: number };
export type Stats = { n: number; p50: number; p95: number; p99: number; mean: number; min: number; max: number; statements: string; bytes: number };

/** Percentiles by nearest rank (as bench/customers.ts), and the range of statements per request. */
export function sampleStats(samples: readonly Sample[]): Stats {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const percentile = (p: number) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)] ?? NaN;
  const statements = [...new Set(samples.map((s) => s.statements))].sort((a, b) => a - b);
  return {
    n: ms.length,
    p50: percentile(50),
    p95: percentile(95),
    p99: percentile(99),
    mean: ms.reduce((a, b) => a + b, 0) / (ms.length || 1),
    min: ms[0] ?? NaN,
    max: ms[ms.length - 1] ?? NaN,
    statements: statements.some(Number.isNaN)
      ? 'n/a'
      : statements.length === 1
        ? String(statements[0])
        : `${statements[0]}–${statements[statements.length - 1]}`,
    bytes: samples[0]?.bytes ?? 0,
  };
}
