// Statements' parameters reach PostgreSQL as the values they are. On PostgreSQL, an unprepared
// statement whose parameters are all plain values (strings, numbers, booleans, bigints, bytes, nulls)
// is sent in one round trip, without first asking the server for the parameters' types
// (patches/postgres+3.4.9.patch); one with an array still waits for the types. This holds that
// both kinds arrive intact, that a value the column refuses fails with PostgreSQL's own error, and
// that the connection answers the next statement correctly after one that failed.
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let database: TestDatabase;

beforeAll(async () => {
  // One connection, so that each statement runs where the one before it failed.
  database = await createTestDatabase({ poolSize: 1 });
  await database.db.execute(sql`create table parameter_values (
    t text, i int, b boolean, n numeric, big bigint, u uuid, at timestamptz, j jsonb, bytes bytea, tags text[])`);
});

afterAll(async () => {
  await database?.drop();
});

const rowsOf = (result: unknown): Array<Record<string, unknown>> =>
  Array.from((result as { rows?: Array<Record<string, unknown>> }).rows ?? (result as Array<Record<string, unknown>>));

it('stores plain values in columns of every type, and reads them back', async () => {
  const text = `O'Brien & "Sons" \\ 50% ✓ ${'x'.repeat(2000)}`;
  const bytes = Buffer.from([0, 1, 2, 250, 255, 92, 120]);
  const rows = rowsOf(
    await database.db.execute(sql`insert into parameter_values (t, i, b, n, big, u, at, j, bytes)
      values (${text}, ${-42}, ${false}, ${'12345678901234567890.125'}, ${9007199254740993n}, ${'6f1c1b0e-2a55-4c1e-9a43-1f6f0d1c2b3a'},
        ${'2026-12-03T04:05:06.789123Z'}, ${JSON.stringify({ a: [1, 'two', null] })}, ${bytes})
      returning t, i, b, n::text as n, big::text as big, u::text as u, to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as at,
        j->'a'->>1 as two, encode(bytes, 'hex') as hex`),
  );
  expect(rows).toEqual([
    {
      t: text,
      i: -42,
      b: false,
      n: '12345678901234567890.125',
      big: '9007199254740993',
      u: '6f1c1b0e-2a55-4c1e-9a43-1f6f0d1c2b3a',
      at: '2026-12-03 04:05:06.789123',
      two: 'two',
      hex: bytes.toString('hex'),
    },
  ]);
  const nulls = rowsOf(await database.db.execute(sql`select ${null}::text is null as t, ${true} and ${1} = 1 as both`));
  expect(nulls).toEqual([{ t: true, both: true }]);
});

it('sends an array as the type the statement gives it', async () => {
  const rows = rowsOf(
    await database.db.execute(sql`insert into parameter_values (tags, t) values (${sql.param(['a', 'b,c', 'd"e', '{x}'])}, ${'beside'})
      returning tags, array_length(tags, 1) as n, t`),
  );
  expect(rows).toEqual([{ tags: ['a', 'b,c', 'd"e', '{x}'], n: 4, t: 'beside' }]);
});

it('fails a value the column refuses with PostgreSQL’s error, and answers the next statement with its own rows', async () => {
  for (let round = 0; round < 3; round++) {
    const failure = await database.db.execute(sql`insert into parameter_values (i) values (${'not a number'})`).then(
      () => null,
      (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
    );
    expect(failure).toMatch(/invalid input syntax for type integer/);
    const rows = rowsOf(await database.db.execute(sql`select ${`round ${round}`} as label, ${round}::int + 1 as next`));
    expect(rows).toEqual([{ label: `round ${round}`, next: round + 1 }]);
  }
});
