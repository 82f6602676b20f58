// A query that fails while its rows are streaming (a division by zero on the fourth row; a statement
// timeout; a terminated backend) must not disturb the next query on the same connection. postgres.js
// 3.4.9 reset its row counter only on success, so the next query's rows landed after the failed
// query's: a sparse result whose first rows were undefined (porsager/postgres#1119, #1181). Under
// backends terminated mid-load this turned a token lookup into "no such token" (UNAUTHENTICATED
// instead of SERVICE_UNAVAILABLE). Patched in patches/postgres+3.4.9.patch; this holds it.
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let database: TestDatabase;

beforeAll(async () => {
  // One connection, so the second query runs where the first failed.
  database = await createTestDatabase({ poolSize: 1 });
});

afterAll(async () => {
  await database?.drop();
});

const rowsOf = (result: unknown): unknown[] => Array.from((result as { rows?: unknown[] }).rows ?? (result as unknown[]));

it('answers the next query with exactly its rows after one failed mid-stream', async () => {
  for (let round = 0; round < 3; round++) {
    const failure = await database.db.execute(sql`select i, 1 / (4 - i) as boom from generate_series(1, 10) i`).then(
      () => null,
      (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
    );
    expect(failure).toMatch(/division by zero/);
    const rows = rowsOf(await database.db.execute(sql`select x from generate_series(1, 5) x`));
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => Number((r as { x: unknown }).x))).toEqual([1, 2, 3, 4, 5]);
  }
});

it('answers pipelined queries with their own rows while others fail mid-stream', async () => {
  const outcomes = await Promise.allSettled(
    Array.from({ length: 20 }, (_, n) =>
      n % 2 === 0
        ? database.db.execute(sql`select i, 1 / (${n + 3}::int - i) as boom from generate_series(1, 40) i`)
        : database.db.execute(sql`select ${n}::int as n, x from generate_series(1, 3) x`),
    ),
  );
  outcomes.forEach((outcome, n) => {
    if (n % 2 === 0) return expect(outcome.status).toBe('rejected');
    expect(outcome.status).toBe('fulfilled');
    const rows = rowsOf((outcome as PromiseFulfilledResult<unknown>).value) as { n: unknown; x: unknown }[];
    expect(rows.map((r) => [Number(r.n), Number(r.x)])).toEqual([
      [n, 1],
      [n, 2],
      [n, 3],
    ]);
  });
});
