// A PostgreSQL server on the same machine can be reached through its Unix socket, named as libpq
// names it: `?host=<socket directory>` in DATABASE_URL (src/db/client.ts, postgresTarget). The
// socket skips the TCP stack on both sides of every statement.
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { openDatabase, postgresTarget } from '../../src/db/client';
import { testDatabaseUrl } from '../helpers/database';

describe('postgresTarget', () => {
  it('turns ?host=<directory> into the socket file, and leaves the URL without it', () => {
    expect(postgresTarget('postgres://app@localhost/crm?host=/var/run/postgresql')).toEqual({
      url: 'postgres://app@localhost/crm',
      path: '/var/run/postgresql/.s.PGSQL.5432',
    });
    expect(postgresTarget('postgres://app:secret@localhost:5433/crm?host=/tmp/&sslmode=disable')).toEqual({
      url: 'postgres://app:secret@localhost:5433/crm?sslmode=disable',
      path: '/tmp/.s.PGSQL.5433',
    });
    expect(postgresTarget('postgres://app@localhost/crm?host=/run/pg&port=6000')).toEqual({
      url: 'postgres://app@localhost/crm',
      path: '/run/pg/.s.PGSQL.6000',
    });
  });

  it('leaves every other URL as it is', () => {
    for (const url of [
      'postgres://app@db.internal:5432/crm',
      'postgres://app@localhost/crm?host=db.internal',
      'postgresql://app@127.0.0.1/crm?sslmode=require',
    ]) {
      expect(postgresTarget(url)).toEqual({ url });
    }
  });
});

// The test server's socket directory, when it is the usual one on this machine.
const socketDirectory = ['/var/run/postgresql', '/tmp'].find((dir) => fs.existsSync(`${dir}/.s.PGSQL.${testServerPort()}`));

function testServerPort(): string {
  const url = testDatabaseUrl();
  return url ? new URL(url).port || '5432' : '5432';
}

(testDatabaseUrl() && socketDirectory ? it : it.skip)('connects through the socket: the server sees no TCP peer', async () => {
  const url = new URL(testDatabaseUrl()!);
  url.searchParams.set('host', socketDirectory!);
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1 });
  try {
    const result = await database.db.execute(sql`select inet_client_addr() as peer, 1 + 1 as two`);
    const [row] = Array.from((result as { rows?: unknown[] }).rows ?? (result as unknown as unknown[])) as Array<{ peer: string | null; two: number }>;
    expect(row).toEqual({ peer: null, two: 2 });
  } finally {
    await database.close();
  }
});
