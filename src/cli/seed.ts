// `npm run seed -- --customers N [--organisation <id>]`: adds N generated customers (with contacts
// and addresses) to the demo organisation, or to the one given, in batches, with a progress bar.
// With the embedded database, it runs through the server if one is running on the data directory.
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { ConfigError, loadConfig } from '../config';
import { DataDirInUseError } from '../db/data-dir-lock';
import { CommandError } from './commands';
import { openCommandTarget, environmentHelp } from './target';

const usage = `Usage: npm run seed -- --customers N [--organisation <Organisation ID>] [--batch-size 1000]

Adds N generated customers, each with contacts and addresses, in batches, with a progress bar.

Options:
  --customers <N>          How many customers to add (required, at least 1)
  --organisation <id>      The organisation's ID, as the API and \`npm run admin\` print it; default:
                           the demo organisation (created if there is none)
  --batch-size <N>         Customers per transaction (default 1000, at most 10000)
  -h, --help               Show this help

Environment:
${environmentHelp('the command runs')}

Examples:
  npm run seed -- --customers 10000
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm npm run seed -- --customers 500 --organisation "$ORGANISATION_ID"
`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { customers: { type: 'string' }, organisation: { type: 'string' }, 'batch-size': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  // Help is answered before the configuration is read or the database opened.
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const count = Number(values.customers);
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : 1000;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(batchSize) || batchSize < 1) {
    process.stderr.write(usage);
    return 2;
  }
  const target = await openCommandTarget(loadConfig(), 'seed');
  try {
    process.stderr.write(`Seeding ${target.description}.\n`);
    const bar = new SingleBar(
      { format: 'customers [{bar}] {percentage}% {value}/{total} {rate}/s eta {eta}s', stream: process.stderr },
      Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(count, 0, { rate: 0 });
    try {
      await target.run('seed', { customers: count, organisation: values.organisation, batchSize }, ({ done }) =>
        bar.update(done, { rate: Math.round(done / ((Date.now() - started) / 1000 || 1)) }),
      );
    } finally {
      bar.stop();
    }
    process.stderr.write(`Seeded ${count} customers in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    return 0;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const known = error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof CommandError;
    process.stderr.write(`${known ? error.message : (error as Error).message}\n`);
    process.exit(1);
  },
);
