// The server: configuration → database (migrated before any request) → demo data → HTTP.
// Tracing first: when on, it must patch http, express and graphql before they are loaded.
import { stopTracing } from './observability/tracing';
import { ConfigError, loadConfig } from './config';
import { openConfiguredDatabase } from './db/open';
import { createDemoOrganisation, demoCredentialsList, hasAnyOrganisation, type DemoCredential } from './demo/demo-organisation';
import { createApp } from './http/app';
import { createLogger } from './logger';

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
  const database = await openConfiguredDatabase(config);
  log.info({ database: database.kind, dataDir: database.kind === 'embedded' ? config.dataDir : undefined }, 'database ready');

  let demo: DemoCredential[] = [];
  if (config.demoData) {
    if (!(await hasAnyOrganisation(database.db))) {
      log.info('empty database: creating the demo organisation');
      await createDemoOrganisation(database.db);
    }
    demo = await demoCredentialsList(database.db);
  }

  const app = await createApp({ config, database, log, demoToken: () => demo[0]?.token ?? null });
  await new Promise<void>((resolve) => app.server.listen(config.port, config.host, resolve));
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port }, 'listening');

  const url = `http://localhost:${port}/graphql`;
  const lines = [``, `  Customer records API ready: ${url} (GraphiQL in a browser)`];
  if (demo.length) {
    lines.push(`  Demo tokens (send as "Authorization: Bearer <token>"):`);
    for (const d of demo) lines.push(`    ${d.role.padEnd(9)} ${d.email.padEnd(20)} ${d.token}`);
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    const timer = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    try {
      await app.stop();
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

main().catch((err) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
