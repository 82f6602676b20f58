// `npm run db:migrate`: applies pending migrations (the server also does this at start-up). With the
// embedded database, it runs through the server if one is running on the data directory.
import { loadConfig } from '../config';
import { openCommandTarget } from './target';

async function main(): Promise<void> {
  const target = await openCommandTarget(loadConfig(), 'db:migrate');
  try {
    const { database } = await target.run('migrate', {});
    process.stderr.write(`Migrations applied (${database} database, ${target.description}).\n`);
  } finally {
    await target.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
