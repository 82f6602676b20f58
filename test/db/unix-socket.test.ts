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

  it("makes a host or port parameter naming a TCP server the URL's own (libpq: the parameter wins)", () => {
    expect(postgresTarget('postgres://app@localhost/crm?host=db.internal')).toEqual({ url: 'postgres://app@db.internal/crm' });
    expect(postgresTarget('postgres://app@localhost:5432/crm?port=6432&sslmode=require')).toEqual({ url: 'postgres://app@localhost:6432/crm?sslmode=require' });
    expect(postgresTarget('postgres://app:secret@localhost/crm?host=10.0.0.5&port=5433')).toEqual({ url: 'postgres://app:secret@10.0.0.5:5433/crm' });
  });

  it('leaves every other URL as it is', () => {
    for (const url of ['postgres://app@db.internal:5432/crm', 'postgresql://app@127.0.0.1/crm?sslmode=require', 'not a url']) {
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

(testDatabaseUrl() ? it : it.skip)('connects to the port a ?port= parameter names, which the server would refuse as a setting', async () => {
  const url = new URL(testDatabaseUrl()!);
  url.searchParams.set('port', url.port || '5432');
  url.port = '1'; // nothing listens there: only the parameter's port works
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 1 });
  try {
    const result = await database.db.execute(sql`select 1 + 1 as two`);
    expect(Array.from((result as { rows?: unknown[] }).rows ?? (result as unknown as unknown[]))).toEqual([{ two: 2 }]);
  } finally {
    await database.close();
  }
});

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
