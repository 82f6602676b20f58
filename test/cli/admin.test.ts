// `npm run -s admin -- create-organisation … --json` prints exactly one JSON object, whose token works.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { viewerForToken } from '../../src/auth/tokens';
import { parseGlobalId } from '../../src/graph/ids';
import { createChildDatabase } from '../helpers/database';

const run = promisify(execFile);

it('creates an organisation and prints only JSON on stdout', async () => {
  // The command runs in its own process, on a migrated database (on the embedded database a copy of
  // a migrated data folder: a first start's initdb is the data-directory test's).
  const database = await createChildDatabase();
  try {
    const { stdout } = await run('npm', ['run', '-s', 'admin', '--', 'create-organisation', '--name', 'Acme', '--admin-email', 'admin@acme.test', '--json'], {
      env: { ...process.env, ...database.env, LOG_LEVEL: 'silent', NODE_OPTIONS: '' },
      cwd: path.join(__dirname, '../..'),
    });
    const result = JSON.parse(stdout);
    expect(Object.keys(result).sort()).toEqual(['organisationId', 'token', 'userId']);
    expect(parseGlobalId(result.organisationId)?.type).toBe('Organisation');
    expect(parseGlobalId(result.userId)?.type).toBe('User');
    const viewer = await database.use((db) => viewerForToken(db.db, result.token, []));
    expect(viewer).toMatchObject({ role: 'ADMIN', organisation: { name: 'Acme' }, user: { email: 'admin@acme.test' } });
  } finally {
    await database.drop();
  }
});

it('refuses missing arguments with usage on stderr and exit code 2', async () => {
  await expect(run('npm', ['run', '-s', 'admin', '--', 'create-organisation', '--name', 'Acme'], { cwd: path.join(__dirname, '../..') })).rejects.toMatchObject(
    {
      code: 2,
      stderr: expect.stringContaining('--admin-email'),
    },
  );
});
