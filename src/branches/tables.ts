// Branches (docs/domain.md#branches): a customer's own offices, e.g. an estate agent's branches. Work
// addresses may be managed by a branch; merging two branches of one customer moves its work addresses.
import { sql } from 'drizzle-orm';
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../customers/tables';
import { id, organisationId, postalAddress, timestamps, version } from '../db/columns';

export const branches = pgTable(
  'branches',
  {
    id: id(),
    organisationId: organisationId(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    phone: text('phone'),
    email: text('email'),
    ...postalAddress(),
    version: version(),
    ...timestamps(),
  },
  (t) => [index('branches_customer_idx').on(t.customerId, sql`lower(${t.name}) collate "C"`, t.id)],
);

export type BranchRow = typeof branches.$inferSelect;
