// Admin commands. `create-organisation --name "Acme" --admin-email admin@acme.test [--admin-name …]
// [--currency GBP] [--json]` creates a tenant with its first admin and prints the admin's token
// (shown once). With --json, stdout carries only {"organisationId","userId","token"}.
// With the embedded database, it runs through the server if one is running on the data directory.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { DataDirInUseError } from '../db/data-dir-lock';
import { safeErrorMessage, safeStack } from '../logger';
import { CommandError } from './commands';
import { openCommandTarget, environmentHelp } from './target';

const usage = `Usage: npm run admin -- <command> [options]

Commands:
  create-organisation   Create an organisation (tenant) with its first admin user; prints the
                        admin's API token, shown once.

Options of create-organisation:
  --name <name>           The organisation's name (required)
  --admin-email <email>   The first admin's email address (required)
  --admin-name <name>     The first admin's name
  --currency <code>       The organisation's currency, ISO 4217 (default GBP)
  --json                  Print only {"organisationId","userId","token"} on stdout

  -h, --help              Show this help

Environment:
${environmentHelp('the command runs')}

Example:
  npm run admin -- create-organisation --name "Acme" --admin-email admin@acme.test --admin-name "Ada"`;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  // Help is answered before the configuration is read or the database opened.
  if (
    command === '--help' ||
    command === '-h' ||
    command === 'help' ||
    (command === 'create-organisation' && (rest.includes('--help') || rest.includes('-h')))
  ) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (command !== 'create-organisation') {
    const unknown = !command ? '' : command.startsWith('-') ? `Unknown option '${command}'\n` : `Unknown command: ${command}\n`;
    process.stderr.write(`${unknown}${usage}\n`);
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
