// The record children the areas declare (src/db/record-children.ts), as merge, deletion,
// anonymisation and the audit trail read them: deletion takes children before parents, and each
// declaration names columns its table has. (That every foreign key to customers and leads is
// declared is checked against the database in merge.test.ts.)
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type PgColumn } from 'drizzle-orm/pg-core';
import { composition } from '../../src/areas';
import { deletionOrder } from '../../src/db/record-children';

const name = (table: Parameters<typeof getTableConfig>[0]) => getTableConfig(table).name;

test('deleting a customer takes every child table before the child tables it references', () => {
  const order = deletionOrder(composition.children);
  expect(order.map((c) => c.recordType).sort()).toEqual(
    composition.children
      // A table only under leads (a lead's status history) has no rows a customer's deletion names:
      // converted leads are detached, not deleted, and keep what is under them.
      .filter((c) => c.onDelete === 'delete' && c.customer)
      .map((c) => c.recordType)
      .sort(),
  );
  const position = new Map<unknown, number>(order.map((c, i) => [c.table, i]));
  for (const child of order) {
    for (const fk of getTableConfig(child.table).foreignKeys) {
      const parent = fk.reference().foreignTable;
      if (parent === child.table || !position.has(parent)) continue;
      expect({ [name(child.table)]: position.get(child.table)! < position.get(parent)! }).toEqual({ [name(child.table)]: true });
    }
  }
  // The one the database insists on: a sales order keeps its quote (no action).
  const names = order.map((c) => c.recordType);
  expect(names.indexOf('SalesOrder')).toBeLessThan(names.indexOf('Quote'));
});

test('every declaration names columns of its own table, and what anonymisation writes is a column too', () => {
  for (const child of composition.children) {
    const columns = Object.values(getTableColumns(child.table) as Record<string, PgColumn>);
    for (const column of [child.customer, child.lead, ...Object.values(child.onRemove?.columns ?? {})]) {
      if (column)
        expect({ table: name(child.table), column: column.name, own: columns.includes(column) }).toEqual({
          table: name(child.table),
          column: column.name,
          own: true,
        });
    }
    const how = child.anonymise;
    if (how && how !== 'delete' && 'set' in how) {
      const set = typeof how.set === 'function' ? how.set({ userId: null }) : how.set;
      const keys = Object.keys(getTableColumns(child.table));
      for (const key of Object.keys(set))
        expect({ table: name(child.table), key, known: keys.includes(key) }).toEqual({ table: name(child.table), key, known: true });
    }
    if (child.onDelete !== 'delete') expect(child.customer).toBeDefined();
  }
});
