// `npm run seed -- --customers N [--organisation <id>]`: adds N generated customers (with contacts
// and addresses) to the demo organisation, or to the one given, in batches, with a progress bar.
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { eq } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../config';
import { openConfiguredDatabase } from '../db/open';
import { generateCustomers } from '../demo/bulk';
import { createDemoOrganisation, DEMO_ORGANISATION_NAME } from '../demo/demo-organisation';
import { parseGlobalId } from '../graph/ids';
import { organisations } from '../organisations/tables';

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { customers: { type: 'string' }, organisation: { type: 'string' }, 'batch-size': { type: 'string' } },
    strict: true,
  });
  const count = Number(values.customers);
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write('Usage: npm run seed -- --customers N [--organisation <Organisation ID>] [--batch-size 1000]\n');
    return 2;
  }
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : 1000;
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  try {
    let organisationId: string | undefined;
    if (values.organisation) {
      const parsed = parseGlobalId(values.organisation);
      if (parsed?.type !== 'Organisation') throw new Error(`--organisation: ${values.organisation} is not an Organisation ID`);
      organisationId = parsed.id;
    } else {
      const [demo] = await database.db.select().from(organisations).where(eq(organisations.name, DEMO_ORGANISATION_NAME)).limit(1);
      organisationId = demo?.id ?? (await createDemoOrganisation(database.db));
    }
    const bar = new SingleBar({ format: 'customers [{bar}] {percentage}% {value}/{total} {rate}/s eta {eta}s', stream: process.stderr }, Presets.shades_classic);
    const started = Date.now();
    bar.start(count, 0, { rate: 0 });
    await generateCustomers(database.db, {
      organisationId,
      count,
      batchSize,
      onProgress: (done) => bar.update(done, { rate: Math.round(done / ((Date.now() - started) / 1000 || 1)) }),
    });
    bar.stop();
    process.stderr.write(`Seeded ${count} customers in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
    process.exit(1);
  },
);
