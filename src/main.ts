// The server: configuration → port (bound first, answering 503 while starting) → database (migrated
// before any request) → demo data → HTTP.
// Tracing first: when on, it must patch http, express and graphql before they are loaded (so the
// import order of this file is not the linter's).
/* eslint-disable import-x/order */
import { stopTracing } from './observability/tracing';
import http from 'node:http';
import { ConfigError, loadConfig } from './config';
import type { Database } from './db/client';
import { DataDirInUseError } from './db/data-dir-lock';
import { openConfiguredDatabase } from './db/open';
import { createDemoOrganisation, forgetStoredDemoTokens, hasAnyOrganisation, issueDemoTokens, type DemoCredential } from './demo/demo-organisation';
import { createLogger, safeErrorMessage, safeStack } from './logger';
import { createApp } from './server';
import { databaseStartFailure, listenOrExplain, startingUpResponder, StartupError } from './startup';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  // A taken port stops the start here, before a database is opened or demo data is written.
  const server = http.createServer(startingUpResponder);
  await listenOrExplain(server, config.port, config.host);
  let database: Database;
  try {
    database = await openConfiguredDatabase(config);
  } catch (err) {
    throw (config.databaseUrl && databaseStartFailure(err, config.databaseUrl)) || err;
  }
  log.info({ database: database.kind, dataDir: database.kind === 'embedded' ? config.dataDir : undefined }, 'database ready');

  let demo: DemoCredential[] = [];
  if (config.demoData) {
    if (!(await hasAnyOrganisation(database.db))) {
      log.info('empty database: creating the demo organisation');
      await createDemoOrganisation(database.db);
    }
    // Fresh tokens every start, in memory only; the previous start's stop working.
    demo = await issueDemoTokens(database.db);
  } else {
    await forgetStoredDemoTokens(database.db);
  }

  const app = await createApp({ config, database, log, demoToken: () => demo[0]?.token ?? null, server });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ host: config.host, port }, 'listening');

  const url = `http://localhost:${port}/graphql`;
  const lines = [``, `  Customer records API ready: ${url} (GraphiQL in a browser)`];
  if (demo.length) {
    lines.push(`  Demo tokens (send as "Authorization: Bearer <token>"; new ones every start):`);
    for (const d of demo) lines.push(`    ${d.role.padEnd(9)} ${d.email.padEnd(20)} ${d.token}`);
  }
  lines.push(...listeningNotice(config));
  process.stderr.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: /readyz answers 503, then requests already received are answered');
    // A last resort above the drain's own timeout (which closes connections still busy) and the pool's 5 s.
    const limit = config.shutdownReadinessDelayMs + config.shutdownTimeoutMs + 10_000;
    const timer = setTimeout(() => {
      log.error({ limitMs: limit }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, limit);
    timer.unref();
    try {
      // Connections quiet for half a second are closed: a kept-alive client that just got an answer
      // may still send its next request, which is answered (with Connection: close).
      await app.stop({ readinessDelayMs: config.shutdownReadinessDelayMs, timeoutMs: config.shutdownTimeoutMs, idleGraceMs: 500 });
      await database.close();
      await stopTracing().catch((err: unknown) => log.warn({ err }, 'could not send the last spans'));
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** What start-up says about the interface, when demo data (and GraphiQL's preloaded ADMIN token) is on. */
function listeningNotice(config: { demoData: boolean; host: string }): string[] {
  if (!config.demoData) return [];
  if (config.host === '127.0.0.1' || config.host === 'localhost' || config.host === '::1') {
    return [`  Listening on ${config.host} only: demo data is on and GraphiQL carries the demo ADMIN token. Set HOST=0.0.0.0 to listen on every interface.`];
  }
  return [`  Warning: listening on ${config.host} with demo data on: anyone who can reach this port can open GraphiQL with the demo ADMIN token.`];
}

main().catch((err) => {
  if (err instanceof StartupError || err instanceof DataDirInUseError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  // Without SQL parameters: a failed statement's message can carry names and emails.
  process.stderr.write(`Failed to start: ${err instanceof Error ? (safeStack(err, safeErrorMessage(err)) ?? safeErrorMessage(err)) : String(err)}\n`);
  process.exit(1);
});
