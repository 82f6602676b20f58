// Every table of the project, found as drizzle-kit finds them (drizzle.config.ts: src/*/tables.ts),
// so tests that walk all tables cover a new area's without a list to update.
import fs from 'node:fs';
import path from 'node:path';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';

const srcDir = path.join(__dirname, '..', '..', 'src');

export function allTables(): PgTable[] {
  const found: PgTable[] = [];
  for (const folder of fs.readdirSync(srcDir).sort()) {
    const file = path.join(srcDir, folder, 'tables.ts');
    if (!fs.existsSync(file)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(file) as Record<string, unknown>;
    for (const value of Object.values(exported)) if (is(value, PgTable)) found.push(value);
  }
  return found;
}
