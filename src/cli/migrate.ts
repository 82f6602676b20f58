// `npm run db:migrate`: applies pending migrations (the server also does this at start-up). With the
// embedded database, it runs through the server if one is running on the data directory.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { openCommandTarget, environmentHelp } from './target';

const usage = `Usage: npm run db:migrate

Applies the pending migrations (drizzle/) to the database; the server also applies them when it starts.

Options:
  -h, --help     Show this help

Environment:
${environmentHelp('the migrations run')}

Examples:
  npm run db:migrate
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm npm run db:migrate
`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  // Help is answered before the configuration is read or the database opened.
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const target = await openCommandTarget(loadConfig(), 'db:migrate');
  try {
    const { database } = await target.run('migrate', {});
    process.stderr.write(`Migrations applied (${database} database, ${target.description}).\n`);
  } finally {
    await target.close();
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
