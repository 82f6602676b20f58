// `npm run -s admin -- create-organisation … --json` prints exactly one JSON object, whose token works.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { viewerForToken } from '../../src/auth/tokens';
import { openDatabase } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { testDatabaseUrl, createTestDatabase } from '../helpers/database';

const run = promisify(execFile);

it('creates an organisation and prints only JSON on stdout', async () => {
  // The command runs in its own process: on the embedded database it needs a data folder on disk.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-admin-'));
  const server = testDatabaseUrl() ? await createTestDatabase() : null;
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: server?.url ?? '', LOG_LEVEL: 'silent', NODE_OPTIONS: '' };
  try {
    const { stdout } = await run('npm', ['run', '-s', 'admin', '--', 'create-organisation', '--name', 'Acme', '--admin-email', 'admin@acme.test', '--json'], {
      env,
      cwd: path.join(__dirname, '../..'),
    });
    const result = JSON.parse(stdout);
    expect(Object.keys(result).sort()).toEqual(['organisationId', 'token', 'userId']);
    expect(parseGlobalId(result.organisationId)?.type).toBe('Organisation');
    expect(parseGlobalId(result.userId)?.type).toBe('User');
    const db = server ?? (await openDatabase({ kind: 'embedded', dataDir }));
    try {
      const viewer = await viewerForToken(db.db, result.token, []);
      expect(viewer).toMatchObject({ role: 'ADMIN', organisation: { name: 'Acme' }, user: { email: 'admin@acme.test' } });
    } finally {
      if (server) await server.drop();
      else await db.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
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
