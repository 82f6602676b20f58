// The compiled server as dist/src/main.js starts it, but with the graphql-shield rule tree on or off
// (BENCH_SHIELD=on|off), so the benchmark can measure what authorisation costs. Benchmark use only:
// the real entry point has no way to turn authorisation off. BENCH_LIMITS=off likewise turns the
// query limits, cost and request stopping off (src/limits), to measure what they cost:
//   DATABASE_URL=… BENCH_LIMITS=off npm run bench   vs   DATABASE_URL=… npm run bench
const { loadConfig } = require('../dist/src/config');
const { openConfiguredDatabase } = require('../dist/src/db/open');
const { createLogger } = require('../dist/src/logger');
const { createApp } = require('../dist/src/server');

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const database = await openConfiguredDatabase(config);
  const shield = process.env.BENCH_SHIELD !== 'off';
  const limits = process.env.BENCH_LIMITS !== 'off';
  const app = await createApp({ config, database, log, shield, limits });
  await new Promise((resolve) => app.server.listen(config.port, config.host, resolve));
  process.stderr.write(`bench server listening on ${config.port}, graphql-shield ${shield ? 'on' : 'off'}, query limits ${limits ? 'on' : 'off'}\n`);
  const stop = async () => {
    await app.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`bench server failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
