// Many rows into one table in one statement (seeding, imports, backfills).
import { getTableColumns, sql, type InferInsertModel } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './client';

/**
 * Inserts rows in one statement whose only parameter is the rows as JSON, unpacked by PostgreSQL's
 * jsonb_to_recordset. Drizzle's multi-row `insert().values()` builds a SQL chunk and a parameter for
 * every column of every row (defaults included); for seeding that cost more CPU than generating the
 * data, and 1000 contacts × 10 parameters comes close to PostgreSQL's 65535-parameter limit.
 * Only the columns present in the first row are written (columns left out take their defaults), and
 * values must be JSON-shaped as they are: jsonb columns take the nested value itself.
 */
export async function insertMany<T extends PgTable>(db: Db, table: T, rows: InferInsertModel<T>[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const keys = Object.keys(first).filter((key) => columns[key] !== undefined);
  const names = keys.map((key) => columns[key]!.name);
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) record[names[i]!] = (row as Record<string, unknown>)[keys[i]!] ?? null;
    return record;
  });
  const target = sql.join(
    names.map((name) => sql.identifier(name)),
    sql`, `,
  );
  const shape = sql.join(
    keys.map((key, i) => sql`${sql.identifier(names[i]!)} ${sql.raw(columns[key]!.getSQLType())}`),
    sql`, `,
  );
  await db.execute(sql`insert into ${table} (${target}) select ${target} from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(${shape})`);
}
