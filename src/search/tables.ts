// Saved customer searches (docs/domain.md#search): a name, the user who saved it, whether the rest of
// the organisation sees it, and the filter as `searchCustomers` takes it (re-validated whenever it is
// run, because custom field definitions may have changed since).
import { boolean, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, organisationId, timestamps, version } from '../db/columns';
import { users } from '../tenancy/tables';

export const savedSearches = pgTable(
  'saved_searches',
  {
    id: id(),
    organisationId: organisationId(),
    name: text('name').notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    shared: boolean('shared').notNull().default(false),
    filter: jsonb('filter').$type<Record<string, unknown>>().notNull(),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('saved_searches_owner_name_key').on(t.organisationId, t.ownerId, t.name),
    index('saved_searches_shared_idx').on(t.organisationId, t.shared),
  ],
);

export type SavedSearchRow = typeof savedSearches.$inferSelect;
