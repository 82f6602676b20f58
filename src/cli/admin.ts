// Admin commands. `create-organisation --name "Acme" --admin-email admin@acme.test [--admin-name …]
// [--currency GBP] [--json]` creates a tenant with its first admin and prints the admin's token
// (shown once). With --json, stdout carries only {"organisationId","userId","token"}.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { openConfiguredDatabase } from '../db/open';
import { toGlobalId } from '../graph/ids';
import { createOrganisation } from '../organisations/service';

const usage = `Usage:
  npm run admin -- create-organisation --name "Acme" --admin-email admin@acme.test [--admin-name "Ada"] [--currency GBP] [--json]`;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'create-organisation') {
    process.stderr.write(`${command ? `Unknown command: ${command}\n` : ''}${usage}\n`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        'admin-email': { type: 'string' },
        'admin-name': { type: 'string' },
        currency: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (!values.name || !values['admin-email']) {
    process.stderr.write(`--name and --admin-email are required.\n${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  try {
    const created = await createOrganisation(database.db, {
      name: values.name,
      adminEmail: values['admin-email'],
      adminName: values['admin-name'],
      currency: values.currency,
    });
    const result = {
      organisationId: toGlobalId('Organisation', created.organisation.id),
      userId: toGlobalId('User', created.admin.id),
      token: created.token,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `Created organisation "${created.organisation.name}" (${result.organisationId})\n` +
          `Admin ${created.admin.email} (${result.userId})\n` +
          `Token (shown once, keep it safe): ${created.token}\n`,
      );
    }
    return 0;
  } catch (error) {
    process.stderr.write(`Could not create the organisation: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
    process.exit(1);
  },
);
