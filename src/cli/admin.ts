// Admin commands. `create-organisation --name "Acme" --admin-email admin@acme.test [--admin-name …]
// [--currency GBP] [--json]` creates a tenant with its first admin and prints the admin's token
// (shown once). With --json, stdout carries only {"organisationId","userId","token"}.
// With the embedded database, it runs through the server if one is running on the data directory.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { DataDirInUseError } from '../db/data-dir-lock';
import { safeErrorMessage, safeStack } from '../logger';
import { CommandError } from './commands';
import { openCommandTarget } from './target';

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
  const target = await openCommandTarget(loadConfig(), 'admin create-organisation');
  try {
    const created = await target.run('create-organisation', {
      name: values.name,
      adminEmail: values['admin-email'],
      adminName: values['admin-name'],
      currency: values.currency,
    });
    const result = { organisationId: created.organisationId, userId: created.userId, token: created.token };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        `Created organisation "${created.organisationName}" (${result.organisationId}) ${target.description}\n` +
          `Admin ${created.adminEmail} (${result.userId})\n` +
          `Token (shown once, keep it safe): ${created.token}\n`,
      );
    }
    return 0;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const known = error instanceof ConfigError || error instanceof DataDirInUseError || error instanceof CommandError;
    process.stderr.write(`${known ? error.message : (safeStack(error as Error, safeErrorMessage(error)) ?? safeErrorMessage(error))}\n`);
    process.exit(1);
  },
);
