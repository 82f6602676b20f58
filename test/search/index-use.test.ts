// Name searches that stay fast with a million customers (issue 15): the list's `filter.name` and the
// nested search's NAME rules are written so that PostgreSQL can answer them from the trigram index on
// lower(name) (customers_name_trgm_idx). The plan is read with sequential scans switched off, so it
// shows whether the index CAN be used (with a handful of rows a sequential scan would win anyway):
// ILIKE on the column, or a rule wrapped in coalesce(…, false), cannot. And the PostgreSQL
// connection runs without JIT, which compiled large counts on every execution.
import { sql, type SQL } from 'drizzle-orm';
import { nameContains } from '../../src/customers/service';
import { customers } from '../../src/customers/tables';
import { selectRows } from '../../src/db/client';
import { compileCustomerFilter } from '../../src/search/filter';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** EXPLAIN of a select of customers under `where`, sequential scans off. */
async function plan(where: SQL): Promise<string> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const rows = await selectRows<Record<string, string>>(tx, sql`explain select ${customers.id} from ${customers} where ${where}`);
    return rows.map((row) => Object.values(row)[0]).join('\n');
  });
}

const organisationId = '00000000-0000-4000-8000-000000000001';

it('filter.name is answered from the trigram index on the name', async () => {
  const shown = await plan(nameContains('Acme'));
  expect({ usesIndex: shown.includes('customers_name_trgm_idx'), seqScan: shown.includes('Seq Scan') }).toEqual({ usesIndex: true, seqScan: false });
});

it('the nested search answers NAME rules from an index on the name, inside all, any and not too', async () => {
  for (const [filter, index] of [
    [{ rule: { field: 'NAME', operator: 'CONTAINS', value: 'acme' } }, 'customers_name_trgm_idx'],
    // A prefix: the btree on (organisation, lower(name)) serves it, better still.
    [{ rule: { field: 'NAME', operator: 'STARTS_WITH', value: 'acme' } }, 'customers_organisation_name_idx'],
    [
      {
        all: [
          { rule: { field: 'NAME', operator: 'CONTAINS', value: 'heating' } },
          {
            any: [
              { rule: { field: 'CREATED_AT', operator: 'AFTER', value: '2020-01-01' } },
              { not: { rule: { field: 'NAME', operator: 'CONTAINS', value: 'ltd' } } },
            ],
          },
        ],
      },
      'customers_name_trgm_idx',
    ],
  ] as const) {
    const where = await compileCustomerFilter(database.db, organisationId, filter);
    const shown = await plan(where!);
    expect({ filter, usesIndex: shown.includes(index), seqScan: shown.includes('Seq Scan') }).toEqual({ filter, usesIndex: true, seqScan: false });
  }
});

it('connects to PostgreSQL without JIT', async () => {
  if (database.kind !== 'postgres') return; // the embedded database has no JIT
  const [row] = await selectRows<{ jit: string }>(database.db, sql`show jit`);
  expect(row!.jit).toBe('off');
});

// Planned for data in memory or on SSD: with PostgreSQL's default (4) the nested page fetched each
// customer's contacts by a bitmap scan and a sort instead of walking their index (npm run bench).
it('connects with random_page_cost 1.1, on both databases', async () => {
  const [row] = await selectRows<{ random_page_cost: string }>(database.db, sql`show random_page_cost`);
  expect(row!.random_page_cost).toBe('1.1');
});
