// `npm run db:migrate`: applies pending migrations (the server also does this at start-up).
import { loadConfig } from '../config';
import { openConfiguredDatabase } from '../db/open';

openConfiguredDatabase(loadConfig())
  .then(async (db) => {
    process.stderr.write(`Migrations applied (${db.kind}).\n`);
    await db.close();
  })
  .catch((error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
